// FaultFs: a test file system that models what a power loss and a failing
// disk do to the store (after RocksDB's utilities/fault_injection_fs.h).
//
// What is modelled
// - Bytes appended to a writable file since its last Sync/Fsync are not
//   durable: DropUnsyncedData() truncates every file written through this
//   file system to its size at its last sync (a file created and never
//   synced becomes empty). RangeSync does not count as a sync.
// - Renames and deletes are treated as durable at once (as if every
//   directory operation were followed by a directory fsync): the store
//   syncs a file before renaming it into place, so this hides no loss the
//   ledger could cause, and it keeps the model small.
// - Freeze(): the moment of the crash. From then on every write, sync,
//   truncate, file creation, rename and delete fails with IOError and
//   changes nothing, so in-flight appends can finish (failing) without a
//   byte landing after the crash point. Close the store, DropUnsyncedData(),
//   Unfreeze(), reopen.
// - FailWrites()/FailSyncs(): a failing disk; the failed operation changes
//   nothing.
// - SetSyncHook(): called before every Sync/Fsync of a writable file with its
//   path, on the syncing thread, so a test can hold a write in its sync.
//
// Thread-safe. Must outlive every file it opened (keep the shared_ptr until
// the store using it is closed).
#ifndef BANEN_TESTS_LEDGER_FAULT_FS_H_
#define BANEN_TESTS_LEDGER_FAULT_FS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/file_system.h"

namespace banen::test {

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  // Wraps the default (POSIX) file system.
  FaultFs();

  static const char* kClassName() { return "BanenFaultFs"; }
  const char* Name() const override { return kClassName(); }

  // Writes (appends) fail with IOError once `after` more have succeeded;
  // FailWrites(false) lets them succeed again.
  void FailWrites(bool fail, int after = 0);
  // Syncs of writable files likewise.
  void FailSyncs(bool fail, int after = 0);
  // The crash point: see the header comment.
  void Freeze();
  void Unfreeze();
  // Truncates every file to its size at its last sync.
  void DropUnsyncedData();
  // Bytes written through this file system and not yet synced, over all
  // files.
  uint64_t UnsyncedBytes() const;
  void SetSyncHook(std::function<void(const std::string& path)> hook);

  rocksdb::IOStatus NewWritableFile(
      const std::string& path, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& path, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& path, const std::string& old_path,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(
      const std::string& path, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSRandomRWFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& from, const std::string& to,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& path,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& path, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;

 private:
  friend class FaultWritableFile;

  struct FileState {
    uint64_t size = 0;
    uint64_t synced_size = 0;
  };
  // A write or sync is refused while frozen, while failing with no budget
  // left; `budget` counts down the operations still allowed.
  struct Failure {
    bool fail = false;
    int budget = 0;
  };

  // Called by the files. Each returns the injected error, or OK after the
  // operation was done on `target` and accounted.
  rocksdb::IOStatus Append(const std::string& path, const rocksdb::Slice& data,
                           rocksdb::FSWritableFile& target,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg);
  rocksdb::IOStatus Sync(const std::string& path, bool fsync,
                         rocksdb::FSWritableFile& target,
                         const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* dbg);
  rocksdb::IOStatus TruncateFile(const std::string& path, uint64_t size,
                                 rocksdb::FSWritableFile& target,
                                 const rocksdb::IOOptions& options,
                                 rocksdb::IODebugContext* dbg);

  static bool Refuses(Failure& failure);
  rocksdb::IOStatus FrozenError() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Wraps a file just opened for writing at `path`, whose durable content is
  // its first `synced_size` bytes.
  void Track(const std::string& path, uint64_t size, uint64_t synced_size,
             std::unique_ptr<rocksdb::FSWritableFile>* file)
      ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  bool frozen_ ABSL_GUARDED_BY(mu_) = false;
  Failure write_failure_ ABSL_GUARDED_BY(mu_);
  Failure sync_failure_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, FileState> files_ ABSL_GUARDED_BY(mu_);
  std::function<void(const std::string&)> sync_hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace banen::test

#endif  // BANEN_TESTS_LEDGER_FAULT_FS_H_
