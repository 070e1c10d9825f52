// The event_id index's lookups of new ids at a store of --ids events (issue
// 15: ingest at a 10 M store within 10 % of ingest at an empty one): each id
// looked up alone (Fingerprint, then Find, as a replay does), against
// ProbeAll over a batch, as an append does, its chunks' memory fetched
// ahead.
//
//   event_id_lookup_bench [--ids=10000000] [--lookups=1000000]
//                         [--batch=1000] [--rounds=5]
//
// The index holds --ids ids in its sorted arrays, as after an open. Each
// round looks --lookups ids not in it up both ways, one after the other, on
// one thread; the CPU time a lookup of each way's best round is printed, and
// the ratio. Both ways are checked to answer alike first.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "bench/machine.h"
#include "ledger/internal/event_id_index.h"

ABSL_FLAG(int, ids, 10'000'000, "ids in the index");
ABSL_FLAG(int, lookups, 1'000'000, "ids looked up each round, each way");
ABSL_FLAG(int, batch, 1000, "ids a ProbeAll");
ABSL_FLAG(int, rounds, 5, "rounds of both ways");

namespace banen::bench {
namespace {

std::vector<std::string> Ids(const char* prefix, int count) {
  std::vector<std::string> ids;
  ids.reserve(count);
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(prefix, i));
  return ids;
}

// Each id's answer, looked up alone.
std::vector<std::optional<uint64_t>> OneByOne(
    const EventIdIndex& index, const std::vector<std::string>& ids) {
  std::vector<std::optional<uint64_t>> found;
  found.reserve(ids.size());
  for (const std::string& id : ids) {
    found.push_back(index.Find(id, index.Fingerprint(id)));
  }
  return found;
}

std::vector<std::optional<uint64_t>> Probed(const EventIdIndex& index,
                                            const std::vector<std::string>& ids,
                                            size_t batch) {
  std::vector<std::optional<uint64_t>> found;
  found.reserve(ids.size());
  for (size_t begin = 0; begin < ids.size(); begin += batch) {
    const size_t count = std::min(batch, ids.size() - begin);
    for (const EventIdIndex::Probe& probe :
         index.ProbeAll(count, [&ids, begin](size_t i) {
           return std::string_view(ids[begin + i]);
         })) {
      found.push_back(probe.stored);
    }
  }
  return found;
}

int Run() {
  const int stored = absl::GetFlag(FLAGS_ids);
  const size_t batch = std::max(1, absl::GetFlag(FLAGS_batch));
  std::printf("event_id_lookup_bench on %s, %d ids in the index\n",
              CpuModel().c_str(), stored);
  EventIdIndex index;
  {
    const std::vector<std::string> ids = Ids("stored-", stored);
    for (int seq = 0; seq < stored; ++seq) {
      index.Insert(ids[seq], index.Fingerprint(ids[seq]), seq,
                   /*fingerprint_taken=*/false);
    }
  }
  index.Merge();  // into the sorted arrays, as an open loads them
  const std::vector<std::string> fresh =
      Ids("fresh-", absl::GetFlag(FLAGS_lookups));
  if (OneByOne(index, fresh) != Probed(index, fresh, batch)) {
    std::fprintf(stderr, "the two ways answer differently\n");
    return 1;
  }
  size_t kept = 0;  // so that nothing is optimised away
  const double lookups = static_cast<double>(fresh.size());
  const BestSeconds best = TimeInTurns(
      absl::GetFlag(FLAGS_rounds),
      [&] {
        for (const auto& found : OneByOne(index, fresh)) {
          kept += found.has_value();
        }
      },
      [&] {
        for (const auto& found : Probed(index, fresh, batch)) {
          kept += found.has_value();
        }
      },
      [lookups](int round, double alone, double probed) {
        std::printf("round %d: alone %.1f ns/lookup, ProbeAll %.1f ns/lookup\n",
                    round, 1e9 * alone / lookups, 1e9 * probed / lookups);
      });
  std::printf(
      "best: alone %.1f ns/lookup, ProbeAll %.1f ns/lookup, %.2f x (%zu of "
      "the fresh ids share a key with a stored one)\n",
      1e9 * best.first / lookups, 1e9 * best.second / lookups,
      best.second / best.first, kept);
  return 0;
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return banen::bench::Run();
}
