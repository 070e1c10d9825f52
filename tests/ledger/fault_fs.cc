#include "tests/ledger/fault_fs.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"

namespace banen::test {

// Routes the data-changing calls of one writable file through its FaultFs.
class FaultWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(FaultFs* fs, std::string path,
                    std::unique_ptr<rocksdb::FSWritableFile> target)
      : rocksdb::FSWritableFileOwnerWrapper(std::move(target)),
        fs_(fs),
        path_(std::move(path)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    return fs_->Append(path_, data, *target(), options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& /*info*/,
                           rocksdb::IODebugContext* dbg) override {
    return fs_->Append(path_, data, *target(), options, dbg);
  }
  // Only direct I/O appends at offsets; the store does not use it.
  rocksdb::IOStatus PositionedAppend(
      const rocksdb::Slice& /*data*/, uint64_t /*offset*/,
      const rocksdb::IOOptions& /*options*/,
      rocksdb::IODebugContext* /*dbg*/) override {
    return rocksdb::IOStatus::NotSupported("FaultFs: PositionedAppend");
  }
  rocksdb::IOStatus PositionedAppend(
      const rocksdb::Slice& /*data*/, uint64_t /*offset*/,
      const rocksdb::IOOptions& /*options*/,
      const rocksdb::DataVerificationInfo& /*info*/,
      rocksdb::IODebugContext* /*dbg*/) override {
    return rocksdb::IOStatus::NotSupported("FaultFs: PositionedAppend");
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
    return fs_->TruncateFile(path_, size, *target(), options, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* dbg) override {
    return fs_->Sync(path_, /*fsync=*/false, *target(), options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    return fs_->Sync(path_, /*fsync=*/true, *target(), options, dbg);
  }

 private:
  FaultFs* const fs_;
  const std::string path_;
};

FaultFs::FaultFs()
    : rocksdb::FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void FaultFs::FailWrites(bool fail, int after) {
  absl::MutexLock lock(&mu_);
  write_failure_ = Failure{fail, after};
}

void FaultFs::FailSyncs(bool fail, int after) {
  absl::MutexLock lock(&mu_);
  sync_failure_ = Failure{fail, after};
}

void FaultFs::Freeze() {
  absl::MutexLock lock(&mu_);
  frozen_ = true;
}

void FaultFs::Unfreeze() {
  absl::MutexLock lock(&mu_);
  frozen_ = false;
}

void FaultFs::DropUnsyncedData() {
  absl::MutexLock lock(&mu_);
  for (auto& [path, state] : files_) {
    // The POSIX file system does not implement FileSystem::Truncate. A file
    // deleted behind our back has nothing to drop.
    std::error_code ignored;
    if (std::filesystem::file_size(path, ignored) > state.synced_size) {
      std::filesystem::resize_file(path, state.synced_size, ignored);
    }
    state.size = state.synced_size;
  }
}

uint64_t FaultFs::UnsyncedBytes() const {
  absl::MutexLock lock(&mu_);
  uint64_t unsynced = 0;
  for (const auto& [path, state] : files_) {
    if (state.size > state.synced_size)
      unsynced += state.size - state.synced_size;
  }
  return unsynced;
}

void FaultFs::SetSyncHook(std::function<void(const std::string&)> hook) {
  absl::MutexLock lock(&mu_);
  sync_hook_ = std::move(hook);
}

bool FaultFs::Refuses(Failure& failure) {
  if (!failure.fail) return false;
  if (failure.budget > 0) {
    --failure.budget;
    return false;
  }
  return true;
}

rocksdb::IOStatus FaultFs::FrozenError() const {
  return rocksdb::IOStatus::IOError("FaultFs: the machine has crashed");
}

void FaultFs::Track(const std::string& path, uint64_t size,
                    uint64_t synced_size,
                    std::unique_ptr<rocksdb::FSWritableFile>* file) {
  {
    absl::MutexLock lock(&mu_);
    files_[path] = FileState{size, synced_size};
  }
  *file = std::make_unique<FaultWritableFile>(this, path, std::move(*file));
}

rocksdb::IOStatus FaultFs::NewWritableFile(
    const std::string& path, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  {
    absl::MutexLock lock(&mu_);
    if (frozen_) return FrozenError();
  }
  rocksdb::IOStatus status =
      target()->NewWritableFile(path, options, result, dbg);
  if (status.ok()) Track(path, 0, 0, result);
  return status;
}

rocksdb::IOStatus FaultFs::ReopenWritableFile(
    const std::string& path, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  {
    absl::MutexLock lock(&mu_);
    if (frozen_) return FrozenError();
  }
  uint64_t size = 0;
  // A missing file is created empty by the reopen.
  target()
      ->GetFileSize(path, rocksdb::IOOptions(), &size, dbg)
      .PermitUncheckedError();
  uint64_t synced = size;
  {
    absl::MutexLock lock(&mu_);
    if (const auto it = files_.find(path); it != files_.end()) {
      synced = it->second.synced_size;
    }
  }
  rocksdb::IOStatus status =
      target()->ReopenWritableFile(path, options, result, dbg);
  if (status.ok()) Track(path, size, synced, result);
  return status;
}

rocksdb::IOStatus FaultFs::ReuseWritableFile(
    const std::string& path, const std::string& old_path,
    const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  {
    absl::MutexLock lock(&mu_);
    if (frozen_) return FrozenError();
    files_.erase(old_path);
  }
  rocksdb::IOStatus status =
      target()->ReuseWritableFile(path, old_path, options, result, dbg);
  if (status.ok()) Track(path, 0, 0, result);
  return status;
}

rocksdb::IOStatus FaultFs::NewRandomRWFile(
    const std::string& /*path*/, const rocksdb::FileOptions& /*options*/,
    std::unique_ptr<rocksdb::FSRandomRWFile>* /*result*/,
    rocksdb::IODebugContext* /*dbg*/) {
  // Its writes would escape the model; the store does not use it.
  return rocksdb::IOStatus::NotSupported("FaultFs: random read-write files");
}

rocksdb::IOStatus FaultFs::RenameFile(const std::string& from,
                                      const std::string& to,
                                      const rocksdb::IOOptions& options,
                                      rocksdb::IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  if (frozen_) return FrozenError();
  rocksdb::IOStatus status = target()->RenameFile(from, to, options, dbg);
  if (status.ok()) {
    files_.erase(to);
    if (auto node = files_.extract(from); !node.empty()) {
      node.key() = to;
      files_.insert(std::move(node));
    }
  }
  return status;
}

rocksdb::IOStatus FaultFs::LinkFile(const std::string& from,
                                    const std::string& to,
                                    const rocksdb::IOOptions& options,
                                    rocksdb::IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  if (frozen_) return FrozenError();
  rocksdb::IOStatus status = target()->LinkFile(from, to, options, dbg);
  if (status.ok()) {
    if (const auto it = files_.find(from); it != files_.end()) {
      // Copied out first: inserting `to` may move every entry.
      FileState state = it->second;
      files_.insert_or_assign(to, std::move(state));
    }
  }
  return status;
}

rocksdb::IOStatus FaultFs::DeleteFile(const std::string& path,
                                      const rocksdb::IOOptions& options,
                                      rocksdb::IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  if (frozen_) return FrozenError();
  rocksdb::IOStatus status = target()->DeleteFile(path, options, dbg);
  if (status.ok()) files_.erase(path);
  return status;
}

rocksdb::IOStatus FaultFs::Truncate(const std::string& path, size_t size,
                                    const rocksdb::IOOptions& options,
                                    rocksdb::IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  if (frozen_) return FrozenError();
  rocksdb::IOStatus status = target()->Truncate(path, size, options, dbg);
  if (status.ok()) {
    if (const auto it = files_.find(path); it != files_.end()) {
      it->second.size = size;
      it->second.synced_size = std::min<uint64_t>(it->second.synced_size, size);
    }
  }
  return status;
}

// Holds mu_ across the write so that no byte lands once Freeze() returned.
rocksdb::IOStatus FaultFs::Append(const std::string& path,
                                  const rocksdb::Slice& data,
                                  rocksdb::FSWritableFile& target,
                                  const rocksdb::IOOptions& options,
                                  rocksdb::IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  if (frozen_) return FrozenError();
  if (Refuses(write_failure_)) {
    return rocksdb::IOStatus::IOError("FaultFs: injected write error");
  }
  rocksdb::IOStatus status = target.Append(data, options, dbg);
  if (status.ok()) {
    if (const auto it = files_.find(path); it != files_.end()) {
      it->second.size += data.size();
    }
  }
  return status;
}

// The fsync itself runs without mu_ (other files keep being written); what
// it made durable counts only if the machine has not crashed meanwhile.
rocksdb::IOStatus FaultFs::Sync(const std::string& path, bool fsync,
                                rocksdb::FSWritableFile& target,
                                const rocksdb::IOOptions& options,
                                rocksdb::IODebugContext* dbg) {
  std::function<void(const std::string&)> hook;
  {
    absl::MutexLock lock(&mu_);
    hook = sync_hook_;
  }
  if (hook) hook(path);
  uint64_t size = 0;
  {
    absl::MutexLock lock(&mu_);
    if (frozen_) return FrozenError();
    if (Refuses(sync_failure_)) {
      return rocksdb::IOStatus::IOError("FaultFs: injected sync error");
    }
    if (const auto it = files_.find(path); it != files_.end()) {
      size = it->second.size;
    }
  }
  rocksdb::IOStatus status =
      fsync ? target.Fsync(options, dbg) : target.Sync(options, dbg);
  if (!status.ok()) return status;
  absl::MutexLock lock(&mu_);
  if (frozen_) return FrozenError();
  if (const auto it = files_.find(path); it != files_.end()) {
    it->second.synced_size = std::max(it->second.synced_size, size);
  }
  return status;
}

rocksdb::IOStatus FaultFs::TruncateFile(const std::string& path, uint64_t size,
                                        rocksdb::FSWritableFile& target,
                                        const rocksdb::IOOptions& options,
                                        rocksdb::IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  if (frozen_) return FrozenError();
  rocksdb::IOStatus status = target.Truncate(size, options, dbg);
  if (status.ok()) {
    if (const auto it = files_.find(path); it != files_.end()) {
      it->second.size = size;
      it->second.synced_size = std::min(it->second.synced_size, size);
    }
  }
  return status;
}

WalSyncGate::WalSyncGate(FaultFs& fs) : fs_(fs) {
  fs_.SetSyncHook([this](const std::string& path) { OnSync(path); });
}

WalSyncGate::~WalSyncGate() {
  Release();
  fs_.SetSyncHook(nullptr);
}

void WalSyncGate::OnSync(const std::string& path) {
  if (!absl::EndsWith(path, ".log")) return;
  absl::MutexLock lock(&mu_);
  if (held_) return;  // only the first one
  held_ = true;
  mu_.Await(absl::Condition(&released_));
}

void WalSyncGate::WaitUntilHeld() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&held_));
}

void WalSyncGate::Release() {
  absl::MutexLock lock(&mu_);
  released_ = true;
}

}  // namespace banen::test
