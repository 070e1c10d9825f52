// The ledger's RocksDB store opened directly, for tests that read or alter
// it behind the EventLog's back (which must be closed).
#ifndef BANEN_TESTS_LEDGER_RAW_STORE_H_
#define BANEN_TESTS_LEDGER_RAW_STORE_H_

#include <string>

#include "gtest/gtest.h"
#include "ledger/internal/storage_format.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace banen::test {

// Its db is null (and the test fails) if it cannot be opened.
inline storage::Store OpenRawStore(const std::string& dir) {
  storage::Store store;
  const rocksdb::Status status =
      storage::OpenStore(storage::StoreOptions(), dir, store);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return store;
}

}  // namespace banen::test

#endif  // BANEN_TESTS_LEDGER_RAW_STORE_H_
