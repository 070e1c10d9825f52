// The memtable of the events' column family. Internal to ledger/ (and its
// tests).
//
// Every append stores its events under keys above every key before them
// ('E' and the seq, storage_format.h), so the entries in the order they were
// inserted are the entries in key order: an insert is an append to an
// array. RocksDB's skiplist searches its levels on every insert instead:
// about 19 key comparisons an insert at 300 k entries in Debian's build,
// 9.8 % of the server's CPU in an import of the national demo data (perf,
// issue 15). A key that does not sort after the last one appended (the
// format record, a format upgrade's deletions, any other writer) goes to a
// skiplist on the side, and readers merge the two.
//
// Thread safety: as every rocksdb::MemTableRep, one inserting thread at a
// time (allow_concurrent_memtable_write is off, StoreOptions()) and any
// number of readers meanwhile.
#ifndef BANEN_LEDGER_INTERNAL_APPEND_MEMTABLE_H_
#define BANEN_LEDGER_INTERNAL_APPEND_MEMTABLE_H_

#include <memory>
#include <span>

#include "rocksdb/memtablerep.h"

namespace banen::storage {

// For the default column family, whose keys are the events' (StoreOptions).
std::shared_ptr<rocksdb::MemTableRepFactory> NewAppendMemTableRepFactory();

// Tests: the memtable's reads of `appended` (entries in ascending order, as
// the memtable appends them) merged with `side` (an iterator of the side
// skiplist, or null when it holds nothing), without RocksDB around them,
// whose iterators hide some misreads of a memtable. The entries, as
// `compare` reads them, must outlive the iterator.
std::unique_ptr<rocksdb::MemTableRep::Iterator> NewMergedIteratorForTest(
    const rocksdb::MemTableRep::KeyComparator& compare,
    std::span<const char* const> appended,
    std::unique_ptr<rocksdb::MemTableRep::Iterator> side);

}  // namespace banen::storage

#endif  // BANEN_LEDGER_INTERNAL_APPEND_MEMTABLE_H_
