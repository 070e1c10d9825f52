// RecordStore: immutable values kept beside the event log (quarterly
// snapshots, projection checkpoints), namespaced by a `space`.
//
// Contract
// - Put() stores `value` under (space, key). Putting a key again with the same
//   value is OK, so a writer may retry; with another value it is
//   ALREADY_EXISTS and the stored value stays: a record, once written, is
//   what every later reader sees. An OK return means the write is synced
//   (unless EventLogOptions::sync is false).
// - A TableWriter (BeginTable()) is Put() of many records of one space at
//   once, written as they come into one table file of their own and stored
//   together by Finish() (for large values written together: a
//   projection's saved state, whose parts need not all be held in memory).
//   All or nothing: a key stored with another value is ALREADY_EXISTS and
//   stores none.
// - Get() and Read() are NOT_FOUND if the key is absent; Scan() visits one
//   space's records in key order (bytewise), until `visit` returns false.
// - DeleteRange() removes a space's records with keys in [from, to). Only
//   derived records are deleted, by the component that wrote them, once
//   newer ones supersede them (a projection's saved states); snapshots and
//   anything else a reader relies on are never deleted. A deleted key may
//   be Put again with any value. Synced like Put; then the table files
//   that hold only deleted records are dropped at once.
// - A space is a non-empty name without NUL bytes (INVALID_ARGUMENT
//   otherwise); keys and values are any bytes.
// - Records are not events: they are outside the hash chain, never move the
//   head and are not replayed on open. Their keys share the store with the
//   events; ledger/internal/storage_format.h (record_key) is the one
//   description of that key space.
// - Storage errors: UNAVAILABLE for I/O, DATA_LOSS for corruption. A failed
//   record write does not stop the log's appends, which have their own
//   failure rule (event_log.h).
//
// Thread safety: all methods may be called concurrently; Put's
// check-then-write is atomic (mu_, which is independent of the EventLog's
// locks: records never wait for an append, nor appends for records).
//
// Ownership: the EventLog owns the RocksDB instance and this store over it
// (EventLog::records()); the store lives as long as the log.
#ifndef BANEN_LEDGER_RECORD_STORE_H_
#define BANEN_LEDGER_RECORD_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace banen::storage {
class TableIngest;
}  // namespace banen::storage

namespace banen {

class RecordStore {
 public:
  // `db` and `family` (the records' column family) must outlive the store;
  // `sync`: fsync each Put.
  RecordStore(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& family, bool sync)
      : db_(db), family_(family), sync_(sync) {}
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  absl::Status Put(std::string_view space, std::string_view key,
                   std::string_view value);
  // Records of one space, written as they are put. Not thread-safe; one
  // writer of a store at a time (BeginTable()).
  class TableWriter {
   public:
    ~TableWriter();
    TableWriter(const TableWriter&) = delete;
    TableWriter& operator=(const TableWriter&) = delete;

    // `key` after the last one put (INVALID_ARGUMENT otherwise). A record
    // stored with the same value already is skipped; with another value it
    // is ALREADY_EXISTS, and then Finish() stores none. After an error no
    // record is put.
    absl::Status Put(std::string_view key, std::string_view value);
    // Stores the records put, synced whatever `sync`, all or none: the
    // first error of Put(), or ALREADY_EXISTS if one of their keys was
    // stored meanwhile. Then ends the writer.
    absl::Status Finish();

   private:
    friend class RecordStore;
    TableWriter(RecordStore& store, std::string_view space);

    RecordStore& store_;
    const std::string space_;
    std::unique_ptr<storage::TableIngest> table_;
    std::vector<std::string> keys_;  // record keys written to table_
    // The last key put, written or skipped as stored already.
    std::optional<std::string> last_key_;
    absl::Status status_;
  };
  // A writer of records of `space` into a table file ingested into the
  // store, not through the WAL, a memtable and compactions, which a
  // projection's saved state (374 MB at 10 M events, in 1 MiB records) kept
  // busy beside the appends after it. Its values are written uncompressed
  // as they come, while their writer waits (LZ4 took a saved state's bytes
  // to 82 % in 0.55 s of CPU at 10 M events). FAILED_PRECONDITION while
  // another writer of this store is not finished.
  absl::StatusOr<std::unique_ptr<TableWriter>> BeginTable(
      std::string_view space);
  absl::StatusOr<std::string> Get(std::string_view space,
                                  std::string_view key) const;
  // As Get(), but calls `read` with the value in place of a copy: it is
  // valid only during the call (pinned in RocksDB's block cache), so that a
  // large value is copied once, to where the caller keeps it.
  absl::Status Read(std::string_view space, std::string_view key,
                    absl::FunctionRef<void(std::string_view value)> read) const;
  absl::Status Scan(
      std::string_view space,
      absl::FunctionRef<bool(std::string_view key, std::string_view value)>
          visit) const;
  // As Scan(), from the first key at or after `from` on.
  absl::Status Scan(
      std::string_view space, std::string_view from,
      absl::FunctionRef<bool(std::string_view key, std::string_view value)>
          visit) const;
  absl::Status DeleteRange(std::string_view space, std::string_view from,
                           std::string_view to);

 private:
  // Whether (space, key) holds `value`: false if absent, ALREADY_EXISTS if
  // it holds another (Put's check, before its write; mu_ held).
  absl::StatusOr<bool> Stored(std::string_view space, std::string_view key,
                              std::string_view value) const;

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle& family_;
  const bool sync_;
  // Makes Put's check-then-write atomic, a deletion's too, and a
  // TableWriter's Finish().
  absl::Mutex mu_;
  bool table_writer_open_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace banen

#endif  // BANEN_LEDGER_RECORD_STORE_H_
