#include "ledger/record_store.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
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

absl::StatusOr<std::unique_ptr<RecordStore::TableWriter>>
RecordStore::BeginTable(std::string_view space) {
  RETURN_IF_ERROR(CheckSpace(space));
  absl::MutexLock lock(&mu_);
  if (table_writer_open_) {
    return absl::FailedPreconditionError(
        "another table of records is being written to this store");
  }
  table_writer_open_ = true;
  return absl::WrapUnique(new TableWriter(*this, space));
}

RecordStore::TableWriter::TableWriter(RecordStore& store,
                                      std::string_view space)
    : store_(store),
      space_(space),
      // One name: one writer at a time.
      table_(std::make_unique<storage::TableIngest>(
          store.db_, store.family_, "records.ingest", /*compressed=*/false)) {}

RecordStore::TableWriter::~TableWriter() {
  absl::MutexLock lock(&store_.mu_);
  store_.table_writer_open_ = false;
}

absl::Status RecordStore::TableWriter::Put(std::string_view key,
                                           std::string_view value) {
  if (status_.ok() && last_key_.has_value() && key <= *last_key_) {
    status_ = absl::InvalidArgumentError(
        "records put together must come in ascending key order");
  }
  if (!status_.ok()) return status_;
  last_key_ = std::string(key);
  absl::StatusOr<bool> stored;
  {
    absl::MutexLock lock(&store_.mu_);
    stored = store_.Stored(space_, key, value);
  }
  if (!stored.ok()) return status_ = stored.status();
  if (*stored) return absl::OkStatus();
  keys_.push_back(RecordKey(space_, key));
  status_ = storage::FromRocks(
      table_->Put(keys_.back(), rocksdb::Slice(value.data(), value.size())),
      "writing records");
  return status_;
}

absl::Status RecordStore::TableWriter::Finish() {
  if (!status_.ok()) return status_;
  // As Put()'s check, for the keys the table holds: none was stored since.
  absl::MutexLock lock(&store_.mu_);
  for (const std::string& key : keys_) {
    std::string existing;
    const rocksdb::Status read =
        store_.db_.Get(rocksdb::ReadOptions(), &store_.family_, key, &existing);
    if (read.ok()) {
      status_ = absl::AlreadyExistsError(
          absl::StrCat("records of ", AbslView(space_),
                       " were stored while their table was written"));
      return status_;
    }
    if (!read.IsNotFound()) {
      return storage::FromRocks(read, "reading a record");
    }
  }
  status_ = storage::FromRocks(table_->Finish(), "writing records");
  if (!status_.ok()) return status_;
  status_ = absl::FailedPreconditionError("the table is finished");
  return absl::OkStatus();
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
