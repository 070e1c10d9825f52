// The machine a benchmark ran on, printed next to its figures so that runs
// on different hosts are not compared by mistake; and what a process holds
// of it.
#ifndef BANEN_BENCH_MACHINE_H_
#define BANEN_BENCH_MACHINE_H_

#include <time.h>

#include <chrono>
#include <fstream>
#include <string>

#include "absl/strings/str_format.h"
#include "ledger/event_log.h"

namespace banen::bench {

// The CPU's model name from /proc/cpuinfo, "unknown" where there is none.
inline std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      return line.substr(line.find(':') + 2);
    }
  }
  return "unknown";
}

// Seconds since `start` on the steady clock.
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

// CPU seconds so far of every thread of the process (RocksDB's background
// threads too), or with CLOCK_THREAD_CPUTIME_ID of the calling thread: on a
// shared machine the wall time says how busy the neighbours were, the CPU
// time what the work costs.
inline double CpuSeconds(clockid_t clock = CLOCK_PROCESS_CPUTIME_ID) {
  timespec now{};
  clock_gettime(clock, &now);
  return static_cast<double>(now.tv_sec) +
         static_cast<double>(now.tv_nsec) * 1e-9;
}

// This process's resident set (VmRSS) in MB; -1 where /proc has none.
inline long ResidentMegabytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}

// RocksDB's and the event_id index's parts of the RSS (StorageStats),
// printed next to it: issue 15 asks for the block cache's size with the
// RSS.
inline std::string RocksDbMemory(const StorageStats& stats) {
  constexpr double kMegabyte = 1 << 20;
  return absl::StrFormat(
      "RocksDB: block cache %.1f MB of %.1f MB, table readers %.1f MB, "
      "memtables %.1f MB; event_id index %.1f MB (%u ids hashed)",
      stats.block_cache_usage_bytes / kMegabyte,
      stats.block_cache_capacity_bytes / kMegabyte,
      stats.table_readers_bytes / kMegabyte, stats.memtable_bytes / kMegabyte,
      stats.event_id_index_bytes / kMegabyte, stats.event_ids_hashed);
}

}  // namespace banen::bench

#endif  // BANEN_BENCH_MACHINE_H_
