// Backup and restore of a large log (issue 13): a full backup, an
// incremental one after more appends, a verify, a restore into a new
// directory, and the restored store's first open (which replays the log to
// rebuild the validation state), each timed once.
//
//   backup_bench [--events=1000000] [--more_events=10000] [--dir=/tmp]
//
// The log is written with sync off (the backup's cost is what is measured,
// not the ingest) from the benchmarks' synthetic stream.
#include <sys/utsname.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/machine.h"
#include "bench/synthetic_events.h"
#include "ledger/backup.h"
#include "ledger/event_log.h"

ABSL_FLAG(int64_t, events, 1000000, "events in the log when backed up");
ABSL_FLAG(int64_t, more_events, 10000,
          "events appended before the incremental backup");
ABSL_FLAG(std::string, dir, "/tmp", "where the temporary stores go");

namespace banen::bench {
namespace {

void AppendOrDie(EventLog& log, SyntheticEvents& stream, int64_t events) {
  constexpr int64_t kBatch = 1000;
  for (int64_t done = 0; done < events; done += kBatch) {
    AppendBatch batch;
    batch.events = stream.Next(std::min(kBatch, events - done));
    if (absl::StatusOr<AppendResult> result = log.Append(batch); !result.ok()) {
      std::fprintf(stderr, "append: %s\n", result.status().ToString().c_str());
      std::exit(1);
    }
  }
}

// Runs `step`, prints how long it took, exits on its error.
void Timed(const char* label, const std::function<absl::Status()>& step) {
  const absl::Time start = absl::Now();
  if (const absl::Status status = step(); !status.ok()) {
    std::fprintf(stderr, "%s: %s\n", label, status.ToString().c_str());
    std::exit(1);
  }
  std::printf("%-36s %8.3f s\n", label,
              absl::ToDoubleSeconds(absl::Now() - start));
}

void PrintBackup(const BackupInfo& info) {
  std::printf("  backup %u: head seq %" PRIu64 ", %.1f MiB in %u files\n",
              info.id, info.head_seq, info.size_bytes / 1048576.0,
              info.file_count);
}

int Run() {
  std::string root = absl::GetFlag(FLAGS_dir) + "/backup_bench_XXXXXX";
  if (mkdtemp(root.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  utsname host;
  uname(&host);
  std::printf("backup_bench: %" PRId64 " events, then %" PRId64
              " more; %s, %u cores, %s\n",
              absl::GetFlag(FLAGS_events), absl::GetFlag(FLAGS_more_events),
              CpuModel().c_str(), std::thread::hardware_concurrency(),
              host.release);
  const std::string backups = root + "/backups";
  EventLogOptions options;
  options.sync = false;
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(root + "/primary", options);
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    return 1;
  }
  SyntheticEvents stream(42);
  AppendOrDie(**log, stream, absl::GetFlag(FLAGS_events));

  BackupInfo full, incremental;
  Timed("full backup (verified)", [&]() -> absl::Status {
    absl::StatusOr<BackupInfo> info = (*log)->CreateBackup(backups);
    if (info.ok()) full = *info;
    return info.status();
  });
  PrintBackup(full);
  AppendOrDie(**log, stream, absl::GetFlag(FLAGS_more_events));
  Timed("incremental backup (verified)", [&]() -> absl::Status {
    absl::StatusOr<BackupInfo> info = (*log)->CreateBackup(backups);
    if (info.ok()) incremental = *info;
    return info.status();
  });
  PrintBackup(incremental);
  log->reset();

  Timed("verify latest (checksums)",
        [&] { return VerifyBackup(backups, 0).status(); });
  const std::string restored = root + "/restored";
  Timed("restore latest",
        [&] { return RestoreBackup(backups, 0, restored).status(); });
  Timed("first open of the restored store", [&]() -> absl::Status {
    absl::StatusOr<std::unique_ptr<EventLog>> copy = EventLog::Open(restored);
    if (!copy.ok()) return copy.status();
    if ((*copy)->GetHead().seq != incremental.head_seq ||
        (*copy)->GetHead().hash != incremental.head_hash) {
      return absl::InternalError("the restored head is not the backup's");
    }
    return absl::OkStatus();
  });
  std::filesystem::remove_all(root);
  return 0;
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return banen::bench::Run();
}
