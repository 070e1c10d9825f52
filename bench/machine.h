// The machine a benchmark ran on, printed next to its figures so that runs
// on different hosts are not compared by mistake; what a process holds of
// it; and the store the benchmarks of an existing store read.
#ifndef BANEN_BENCH_MACHINE_H_
#define BANEN_BENCH_MACHINE_H_

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_format.h"
#include "ledger/event_log.h"

// gperftools' tcmalloc, defined when the program links it
// (banen_link_tcmalloc); null otherwise.
extern "C" int MallocExtension_GetNumericProperty(const char* property,
                                                  size_t* value)
    __attribute__((weak));

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

// The least CPU time of the calling thread that each of two ways of doing
// the same work took in `rounds` rounds, the two taking turns; after each
// round, report(round from 1, first's seconds, second's seconds).
struct BestSeconds {
  double first = 1e9;
  double second = 1e9;
};
template <typename First, typename Second, typename Report>
BestSeconds TimeInTurns(int rounds, First first, Second second, Report report) {
  BestSeconds best;
  for (int round = 1; round <= rounds; ++round) {
    double start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    first();
    const double first_seconds = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - start;
    start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    second();
    const double second_seconds = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - start;
    report(round, first_seconds, second_seconds);
    best.first = std::min(best.first, first_seconds);
    best.second = std::min(best.second, second_seconds);
  }
  return best;
}

// This process's resident set (VmRSS) in MB; -1 where /proc has none.
inline long ResidentMegabytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}

// What the RSS is made of: the heap's bytes in live objects and those
// tcmalloc holds free (when the program runs on it), and the resident
// anonymous memory in transparent huge pages (/proc/self/smaps_rollup), of
// which a 2 MB page counts whole for one live object in it.
inline std::string HeapMemory() {
  constexpr double kMegabyte = 1 << 20;
  std::string out;
  size_t allocated = 0, free_in_heap = 0;
  if (MallocExtension_GetNumericProperty != nullptr &&
      MallocExtension_GetNumericProperty("generic.current_allocated_bytes",
                                         &allocated) &&
      MallocExtension_GetNumericProperty("tcmalloc.pageheap_free_bytes",
                                         &free_in_heap)) {
    out = absl::StrFormat("heap: %.1f MB in live objects, %.1f MB free; ",
                          allocated / kMegabyte, free_in_heap / kMegabyte);
  }
  std::ifstream rollup("/proc/self/smaps_rollup");
  for (std::string line; std::getline(rollup, line);) {
    if (line.rfind("AnonHugePages:", 0) == 0 ||
        line.rfind("Anonymous:", 0) == 0 || line.rfind("Rss:", 0) == 0) {
      const size_t colon = line.find(':');
      out += absl::StrFormat("%s %ld MB; ", line.substr(0, colon),
                             std::stol(line.substr(colon + 1)) / 1024);
    }
  }
  return out;
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

// `store`, a --store flag's value: exits with a usage error naming
// `program` when it is empty.
inline std::string RequiredStore(const char* program, std::string store) {
  if (store.empty()) {
    std::fprintf(stderr, "%s: --store=PATH is required\n", program);
    std::exit(2);
  }
  return store;
}

}  // namespace banen::bench

#endif  // BANEN_BENCH_MACHINE_H_
