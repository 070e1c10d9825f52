#include "ledger/record_store.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/absl_compat.h"
#include "ledger/internal/rocks_status.h"
#include "ledger/internal/storage_format.h"
#include "ledger/status_macros.h"
#include "rocksdb/db.h"

namespace banen {
namespace {

absl::Status CheckSpace(std::string_view space) {
  if (space.empty() || space.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "a record space is a non-empty name without NUL bytes");
  }
  return absl::OkStatus();
}

std::string RecordKey(std::string_view space, std::string_view key) {
  return absl::StrCat(storage::RecordPrefix(space), AbslView(key));
}

std::string RecordName(std::string_view space, std::string_view key) {
  return absl::StrCat("record ", AbslView(space), "/", AbslView(key));
}

}  // namespace

absl::StatusOr<bool> RecordStore::Stored(std::string_view space,
                                         std::string_view key,
                                         std::string_view value) const {
  std::string existing;
  const rocksdb::Status read = db_.Get(rocksdb::ReadOptions(), &family_,
                                       RecordKey(space, key), &existing);
  if (read.IsNotFound()) return false;
  if (!read.ok()) return storage::FromRocks(read, "reading a record");
  if (existing == value) return true;
  return absl::AlreadyExistsError(
      absl::StrCat(RecordName(space, key),
                   " exists with another value; records are immutable"));
}

absl::Status RecordStore::Put(std::string_view space, std::string_view key,
                              std::string_view value) {
  RETURN_IF_ERROR(CheckSpace(space));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const bool stored, Stored(space, key, value));
  if (stored) return absl::OkStatus();
  rocksdb::WriteOptions write_options;
  write_options.sync = sync_;
  return storage::FromRocks(
      db_.Put(write_options, &family_, RecordKey(space, key),
              rocksdb::Slice(value.data(), value.size())),
      "writing a record");
}

absl::Status RecordStore::PutAll(std::string_view space,
                                 absl::Span<const Record> records) {
  RETURN_IF_ERROR(CheckSpace(space));
  for (size_t i = 1; i < records.size(); ++i) {
    if (records[i - 1].key >= records[i].key) {
      return absl::InvalidArgumentError(
          "records put together must come in ascending key order");
    }
  }
  absl::MutexLock lock(&mu_);
  std::vector<const Record*> missing;
  for (const Record& record : records) {
    ASSIGN_OR_RETURN(const bool stored,
                     Stored(space, record.key, record.value));
    if (!stored) missing.push_back(&record);
  }
  // One name: mu_ is held.
  return storage::FromRocks(
      storage::IngestRecords(db_, family_, "records.ingest", missing.size(),
                             [&](size_t i) {
                               return std::pair(
                                   RecordKey(space, missing[i]->key),
                                   rocksdb::Slice(missing[i]->value.data(),
                                                  missing[i]->value.size()));
                             }),
      "writing records");
}

absl::StatusOr<std::string> RecordStore::Get(std::string_view space,
                                             std::string_view key) const {
  std::string value;
  RETURN_IF_ERROR(Read(space, key, [&value](std::string_view stored) {
    value.assign(stored.data(), stored.size());
  }));
  return value;
}

absl::Status RecordStore::Read(
    std::string_view space, std::string_view key,
    absl::FunctionRef<void(std::string_view)> read) const {
  RETURN_IF_ERROR(CheckSpace(space));
  rocksdb::PinnableSlice value;
  RETURN_IF_ERROR(storage::FromRocks(
      db_.Get(rocksdb::ReadOptions(), &family_, RecordKey(space, key), &value),
      RecordName(space, key)));
  read(std::string_view(value.data(), value.size()));
  return absl::OkStatus();
}

absl::Status RecordStore::Scan(
    std::string_view space,
    absl::FunctionRef<bool(std::string_view, std::string_view)> visit) const {
  return Scan(space, "", visit);
}

absl::Status RecordStore::Scan(
    std::string_view space, std::string_view from,
    absl::FunctionRef<bool(std::string_view, std::string_view)> visit) const {
  RETURN_IF_ERROR(CheckSpace(space));
  const std::string prefix = storage::RecordPrefix(space);
  std::unique_ptr<rocksdb::Iterator> it(
      db_.NewIterator(rocksdb::ReadOptions(), &family_));
  for (it->Seek(RecordKey(space, from));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view key(it->key().data() + prefix.size(),
                               it->key().size() - prefix.size());
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return storage::FromRocks(it->status(), "scanning records");
}

absl::Status RecordStore::DeleteRange(std::string_view space,
                                      std::string_view from,
                                      std::string_view to) {
  RETURN_IF_ERROR(CheckSpace(space));
  if (from >= to) return absl::OkStatus();
  rocksdb::WriteOptions write_options;
  write_options.sync = sync_;
  absl::MutexLock lock(&mu_);
  const storage::KeyRange range{RecordKey(space, from), RecordKey(space, to)};
  RETURN_IF_ERROR(storage::FromRocks(
      db_.DeleteRange(write_options, &family_, range.from, range.to),
      "deleting records"));
  return storage::FromRocks(storage::DropFilesInRanges(db_, family_, {range}),
                            "dropping deleted records");
}

}  // namespace banen
