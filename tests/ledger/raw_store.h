// The ledger's RocksDB store opened directly, for tests that read or alter
// it behind the EventLog's back (which must be closed).
#ifndef BANEN_TESTS_LEDGER_RAW_STORE_H_
#define BANEN_TESTS_LEDGER_RAW_STORE_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace banen::test {

// Null (and a test failure) if it cannot be opened.
inline std::unique_ptr<rocksdb::DB> OpenRawStore(const std::string& dir) {
  rocksdb::DB* db = nullptr;
  const rocksdb::Status status =
      rocksdb::DB::Open(rocksdb::Options(), dir, &db);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return std::unique_ptr<rocksdb::DB>(db);
}

}  // namespace banen::test

#endif  // BANEN_TESTS_LEDGER_RAW_STORE_H_
