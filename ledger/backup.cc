#include "ledger/backup.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/internal/backup_engine.h"
#include "ledger/internal/rocks_status.h"
#include "ledger/internal/storage_format.h"
#include "ledger/status_macros.h"
#include "rocksdb/utilities/backup_engine.h"

namespace banen {
namespace {

using storage::FromRocks;

rocksdb::BackupEngineOptions EngineOptions(const std::string& backup_dir) {
  rocksdb::BackupEngineOptions options(backup_dir);
  // Several threads copy on a machine with more cores; the backup's fsyncs
  // are what make it survive a crash of the backup host.
  options.max_background_operations = 2;
  options.sync = true;
  return options;
}

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenReadOnly(
    const std::string& backup_dir) {
  if (!std::filesystem::is_directory(backup_dir)) {
    return absl::NotFoundError(
        absl::StrCat("backup directory ", backup_dir, " does not exist"));
  }
  rocksdb::BackupEngineReadOnly* engine = nullptr;
  RETURN_IF_ERROR(FromRocks(
      rocksdb::BackupEngineReadOnly::Open(rocksdb::Env::Default(),
                                          EngineOptions(backup_dir), &engine),
      absl::StrCat("opening backup directory ", backup_dir)));
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(engine);
}

// The backup `id` described, with its head read by opening the backup as a
// read-only store: what a restore gives back, not what the log's head was
// when the backup began.
absl::StatusOr<BackupInfo> Describe(
    const rocksdb::BackupEngineReadOnlyBase& engine, uint32_t id) {
  rocksdb::BackupInfo rocks_info;
  RETURN_IF_ERROR(FromRocks(
      engine.GetBackupInfo(id, &rocks_info, /*include_file_details=*/true),
      absl::StrCat("backup ", id)));
  BackupInfo info;
  info.id = rocks_info.backup_id;
  info.created_at = absl::FromUnixSeconds(rocks_info.timestamp);
  info.size_bytes = rocks_info.size;
  info.file_count = rocks_info.number_files;

  rocksdb::Options options = storage::StoreOptions();
  options.create_if_missing = false;
  options.env = rocks_info.env_for_open.get();
  rocksdb::DB* raw_db = nullptr;
  RETURN_IF_ERROR(FromRocks(
      rocksdb::DB::OpenForReadOnly(options, rocks_info.name_for_open, &raw_db),
      absl::StrCat("opening backup ", id)));
  const std::unique_ptr<rocksdb::DB> db(raw_db);
  const std::string upper(1, storage::kEventTag + 1);
  rocksdb::Slice upper_bound(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read_options));
  it->SeekToLast();
  if (it->Valid()) {
    const std::optional<uint64_t> seq = storage::SeqOfEventKey(
        std::string_view(it->key().data(), it->key().size()));
    const std::optional<storage::EventValue> value = storage::DecodeEventValue(
        std::string_view(it->value().data(), it->value().size()));
    if (!seq.has_value() || !value.has_value()) {
      return absl::DataLossError(
          absl::StrCat("backup ", id, ": its last event cannot be decoded"));
    }
    info.head_seq = *seq;
    info.head_hash = value->hash;
  }
  RETURN_IF_ERROR(
      FromRocks(it->status(), absl::StrCat("reading the head of backup ", id)));
  return info;
}

// `id`, or for 0 the latest backup's.
absl::StatusOr<uint32_t> LatestIfZero(
    const rocksdb::BackupEngineReadOnlyBase& engine,
    const std::string& backup_dir, uint32_t id) {
  if (id != 0) return id;
  std::vector<rocksdb::BackupInfo> rocks_infos;
  engine.GetBackupInfo(&rocks_infos);
  if (rocks_infos.empty()) {
    return absl::NotFoundError(absl::StrCat("no backup in ", backup_dir));
  }
  return rocks_infos.back().backup_id;
}

}  // namespace

namespace storage {

absl::StatusOr<BackupInfo> CreateBackup(rocksdb::DB& db,
                                        const std::string& backup_dir) {
  rocksdb::BackupEngine* raw_engine = nullptr;
  RETURN_IF_ERROR(FromRocks(
      rocksdb::BackupEngine::Open(rocksdb::Env::Default(),
                                  EngineOptions(backup_dir), &raw_engine),
      absl::StrCat("opening backup directory ", backup_dir)));
  const std::unique_ptr<rocksdb::BackupEngine> engine(raw_engine);
  // Flushed first: the memtable (up to 64 MiB, StoreOptions) becomes a table
  // file that the next backup shares, instead of a WAL copied whole by every
  // backup; appends go on into a fresh memtable meanwhile.
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  RETURN_IF_ERROR(FromRocks(engine->CreateNewBackup(options, &db, &id),
                            absl::StrCat("backing up into ", backup_dir)));
  // This engine wrote the files, so it compares them with the checksums it
  // computed while copying, not with what it reads back from the metadata.
  RETURN_IF_ERROR(
      FromRocks(engine->VerifyBackup(id, /*verify_with_checksum=*/true),
                absl::StrCat("verifying backup ", id)));
  return Describe(*engine, id);
}

}  // namespace storage

absl::StatusOr<std::vector<BackupInfo>> ListBackups(
    const std::string& backup_dir) {
  ASSIGN_OR_RETURN(const std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                   OpenReadOnly(backup_dir));
  std::vector<rocksdb::BackupInfo> rocks_infos;
  engine->GetBackupInfo(&rocks_infos);
  std::vector<BackupInfo> infos;
  infos.reserve(rocks_infos.size());
  for (const rocksdb::BackupInfo& rocks_info : rocks_infos) {
    ASSIGN_OR_RETURN(BackupInfo info, Describe(*engine, rocks_info.backup_id));
    infos.push_back(info);
  }
  return infos;
}

absl::StatusOr<BackupInfo> VerifyBackup(const std::string& backup_dir,
                                        uint32_t id) {
  ASSIGN_OR_RETURN(const std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                   OpenReadOnly(backup_dir));
  ASSIGN_OR_RETURN(id, LatestIfZero(*engine, backup_dir, id));
  RETURN_IF_ERROR(
      FromRocks(engine->VerifyBackup(id, /*verify_with_checksum=*/true),
                absl::StrCat("verifying backup ", id)));
  return Describe(*engine, id);
}

absl::StatusOr<BackupInfo> RestoreBackup(const std::string& backup_dir,
                                         uint32_t id,
                                         const std::string& data_dir) {
  std::error_code error;
  if (std::filesystem::exists(data_dir, error) &&
      !std::filesystem::is_empty(data_dir, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("restore into ", data_dir,
                     ": the directory is not empty; restore into a new one"));
  }
  ASSIGN_OR_RETURN(const std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                   OpenReadOnly(backup_dir));
  ASSIGN_OR_RETURN(id, LatestIfZero(*engine, backup_dir, id));
  ASSIGN_OR_RETURN(BackupInfo info, Describe(*engine, id));
  RETURN_IF_ERROR(
      FromRocks(engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), id,
                                            data_dir, data_dir),
                absl::StrCat("restoring backup ", id, " into ", data_dir)));
  return info;
}

}  // namespace banen
