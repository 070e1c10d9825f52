// The BackupEngine side of EventLog::CreateBackup (ledger/backup.h), which
// needs the log's RocksDB instance. Internal to ledger/.
#ifndef BANEN_LEDGER_INTERNAL_BACKUP_ENGINE_H_
#define BANEN_LEDGER_INTERNAL_BACKUP_ENGINE_H_

#include <string>

#include "absl/status/statusor.h"
#include "ledger/backup.h"
#include "rocksdb/db.h"

namespace banen::storage {

// Backs `db` up into `backup_dir` (created if missing) and verifies the new
// backup's checksums. The caller keeps to one backup at a time per directory.
absl::StatusOr<BackupInfo> CreateBackup(rocksdb::DB& db,
                                        const std::string& backup_dir);

}  // namespace banen::storage

#endif  // BANEN_LEDGER_INTERNAL_BACKUP_ENGINE_H_
