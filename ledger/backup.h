// Online backups of a ledger store with RocksDB's BackupEngine, kept in a
// backup directory of their own, and restores from them.
//
// Contract
// - EventLog::CreateBackup(backup_dir) takes a backup while appends go on:
//   it holds a consistent prefix of the log (every event up to some seq, the
//   records written before it), and is incremental: table files already in
//   `backup_dir` are shared, not copied again. It verifies the checksums of
//   the files it wrote before it reports success.
// - A backup's head (seq and chain hash of its last event) is read from the
//   backup itself, so it names exactly what a restore gives back.
// - Errors: NOT_FOUND for an unknown backup id, DATA_LOSS when a backup's
//   files do not match their recorded sizes or checksums, FAILED_PRECONDITION
//   for a restore into a directory that is not empty, UNAVAILABLE for I/O.
//
// Thread safety: the functions here may run while a server writes backups
// into the same directory only for reading (list, verify); RocksDB's
// BackupEngine allows one writer per backup directory, which the EventLog
// keeps to itself.
#ifndef BANEN_LEDGER_BACKUP_H_
#define BANEN_LEDGER_BACKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/event.h"

namespace banen {

struct BackupInfo {
  uint32_t id = 0;  // from 1, increasing
  absl::Time created_at;
  // The bytes of the backup's files, including those it shares with others.
  uint64_t size_bytes = 0;
  uint32_t file_count = 0;
  // The last event in the backup; 0 and all zero for an empty log.
  uint64_t head_seq = 0;
  Hash head_hash{};
};

// The backups in `backup_dir`, oldest first.
absl::StatusOr<std::vector<BackupInfo>> ListBackups(
    const std::string& backup_dir);

// Rereads every file of backup `id` (0: the latest) and compares its size
// and checksum with those recorded when it was taken; returns the backup.
absl::StatusOr<BackupInfo> VerifyBackup(const std::string& backup_dir,
                                        uint32_t id);

// Restores backup `id` (0: the latest) into `data_dir`, which must be missing
// or empty; the restored store opens with EventLog::Open.
absl::StatusOr<BackupInfo> RestoreBackup(const std::string& backup_dir,
                                         uint32_t id,
                                         const std::string& data_dir);

}  // namespace banen

#endif  // BANEN_LEDGER_BACKUP_H_
