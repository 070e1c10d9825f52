// The one conversion of RocksDB's status into the ledger's, shared by the
// event log and the record store. Internal to ledger/.
#ifndef BANEN_LEDGER_INTERNAL_ROCKS_STATUS_H_
#define BANEN_LEDGER_INTERNAL_ROCKS_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace banen::storage {

// NOT_FOUND, DATA_LOSS (corruption), INVALID_ARGUMENT, UNAVAILABLE (I/O,
// busy, retry, timeout) or INTERNAL; the message starts with `context`.
absl::Status FromRocks(const rocksdb::Status& status,
                       absl::string_view context);

}  // namespace banen::storage

#endif  // BANEN_LEDGER_INTERNAL_ROCKS_STATUS_H_
