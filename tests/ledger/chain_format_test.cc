// docs/CHAIN_FORMAT.md cannot drift from the code: every hex value of its
// worked example is what the codec, the chain hash and the Merkle tree
// compute for the example's three events, and what the EventLog stores when
// they are appended.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "ledger/absl_compat.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "ledger/event_log.h"
#include "ledger/merkle.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

constexpr std::string_view kPersonRef = "p7f3a9c2e5b1d8046";

// The example's events, as the document describes them: three batches of
// one, recorded at T0 (2025-01-01 12:00:00 UTC, whole seconds), 1 us and 2 us
// later; seq 3 by principal "gm-0344-hr".
StoredEvent Recorded(uint64_t seq, absl::Time recorded_at, Event event,
                     std::string recorded_by = "") {
  StoredEvent stored;
  stored.seq = seq;
  stored.recorded_at = recorded_at;
  stored.event = std::move(event);
  stored.recorded_by = std::move(recorded_by);
  return stored;
}

std::vector<StoredEvent> ExampleEvents() {
  const absl::Time t0 = test::T0();
  return {
      Recorded(1, t0,
               test::EmployerRegisteredEvent("ev-1", "2025-01-01", "gm-0344",
                                             Sector::kGemeenten,
                                             "Gemeente Utrecht")),
      Recorded(2, t0 + absl::Microseconds(1),
               test::PersonRegisteredEvent("ev-2", "2025-01-02", kPersonRef)),
      Recorded(3, t0 + absl::Microseconds(2),
               test::JobStartedEvent("ev-3", "2025-01-06", "job-1", "gm-0344",
                                     kPersonRef, ContractForm::kVast, 3200),
               "gm-0344-hr"),
  };
}

std::string Hex(const Hash& hash) {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(hash.data()), hash.size()));
}

// The example's values as the code computes them, by the document's labels.
std::map<std::string, std::string> Computed() {
  std::map<std::string, std::string> values;
  Hash chain{};
  merkle::Frontier tree;
  for (const StoredEvent& stored : ExampleEvents()) {
    const std::string canonical = CanonicalBytes(stored);
    chain = ChainHash(chain, canonical);
    const Hash leaf = merkle::LeafHash(canonical);
    tree.Append(leaf);
    const std::string seq = absl::StrCat("seq ", stored.seq);
    values[seq + " canonical"] = absl::BytesToHexString(canonical);
    values[seq + " chain hash"] = Hex(chain);
    values[seq + " leaf hash"] = Hex(leaf);
    values[absl::StrCat("root of size ", stored.seq)] = Hex(tree.Root());
  }
  return values;
}

// The "    label = hex" lines of the document's worked example.
std::map<std::string, std::string> Documented() {
  std::ifstream file(BANEN_CHAIN_FORMAT_DOC);
  EXPECT_TRUE(file.is_open()) << BANEN_CHAIN_FORMAT_DOC;
  std::map<std::string, std::string> values;
  bool in_example = false;
  for (std::string line; std::getline(file, line);) {
    if (line.rfind("## ", 0) == 0) in_example = line == "## Worked example";
    const size_t equals = line.find(" = ");
    if (!in_example || equals == std::string::npos ||
        (line.rfind("    seq ", 0) != 0 &&
         line.rfind("    root of size ", 0) != 0)) {
      continue;
    }
    std::string label = line.substr(4, equals - 4);
    label.erase(label.find_last_not_of(' ') + 1);
    const std::string hex = line.substr(equals + 3);
    EXPECT_TRUE(values.emplace(label, hex).second) << "twice: " << label;
  }
  return values;
}

TEST(ChainFormat, TheWorkedExampleIsWhatTheCodeComputes) {
  const std::map<std::string, std::string> documented = Documented();
  const std::map<std::string, std::string> computed = Computed();
  // Twelve values: three per event and the three roots.
  EXPECT_EQ(documented.size(), 12u);
  for (const auto& [label, hex] : computed) {
    const auto it = documented.find(label);
    EXPECT_TRUE(it != documented.end()) << "missing: " << label << " = " << hex;
    if (it != documented.end()) {
      EXPECT_EQ(it->second, hex) << label;
    }
  }
}

class ChainFormatLogTest : public test::LedgerTest {};

// The example is a real history: appended as the document says, the log
// stores exactly those bytes, hashes and roots.
TEST_F(ChainFormatLogTest, TheLogStoresTheWorkedExample) {
  const std::vector<StoredEvent> example = ExampleEvents();
  MustAppend({example[0].event});
  MustAppend({example[1].event});
  AppendBatch third = test::Batch({example[2].event});
  third.authority.principal = "gm-0344-hr";
  ASSERT_OK(log_->Append(third));

  const std::map<std::string, std::string> computed = Computed();
  int seen = 0;
  ASSERT_OK(log_->ScanCanonical(
      1, 0, [&](const StoredEvent& event, std::string_view canonical) {
        const std::string seq = absl::StrCat("seq ", event.seq);
        EXPECT_EQ(absl::BytesToHexString(AbslView(canonical)),
                  computed.at(seq + " canonical"));
        EXPECT_EQ(Hex(event.hash), computed.at(seq + " chain hash"));
        ++seen;
        return true;
      }));
  EXPECT_EQ(seen, 3);
  for (uint64_t size = 1; size <= 3; ++size) {
    ASSERT_OK_AND_ASSIGN(const Hash root, log_->MerkleRoot(size));
    EXPECT_EQ(Hex(root), computed.at(absl::StrCat("root of size ", size)));
  }
}

}  // namespace
}  // namespace banen
