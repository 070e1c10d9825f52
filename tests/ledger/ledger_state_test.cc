// The validation state's seqs: 32 bits each (ledger/ledger_state.h), so it
// holds seqs up to kMaxSeq and refuses the ones after.
#include "ledger/ledger_state.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/event_error.h"
#include "tests/ledger/test_events.h"

namespace banen::test {
namespace {

// An employer, a person and a hire, the hire stored as `hire_seq`.
LedgerState HiredAt(uint64_t hire_seq) {
  LedgerState state;
  state.BeginBatch();
  EXPECT_TRUE(state
                  .Apply(EmployerRegisteredEvent("e", "2024-01-01", "emp-1"),
                         hire_seq - 2, 0, nullptr)
                  .ok());
  EXPECT_TRUE(state
                  .Apply(PersonRegisteredEvent("p", "2024-01-01", kPerson1),
                         hire_seq - 1, 1, nullptr)
                  .ok());
  const absl::Status hired =
      state.Apply(JobStartedEvent("j", "2024-02-01", "job-1", "emp-1", kPerson1,
                                  ContractForm::kVast, 2550),
                  hire_seq, 2, nullptr);
  EXPECT_TRUE(hired.ok()) << hired;
  state.CommitBatch();
  return state;
}

TEST(LedgerState, HoldsTheLastSeqTheLedgerStores) {
  const LedgerState state = HiredAt(kMaxSeq);
  std::string encoded;
  state.EncodeTo(encoded);
  std::string_view bytes = encoded;
  const absl::StatusOr<LedgerState> decoded = LedgerState::Decode(2, bytes);

  EXPECT_EQ(state.LastJobSeq("job-1"), kMaxSeq);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->LastJobSeq("job-1"), kMaxSeq);
}

TEST(LedgerState, ASeqPastTheLastIsResourceExhausted) {
  LedgerState state = HiredAt(kMaxSeq);
  state.BeginBatch();
  const absl::Status refused =
      state.Apply(HoursChangedEvent("h", "2024-03-01", "job-1", 1275),
                  kMaxSeq + 1, 0, nullptr);
  state.RollbackBatch();

  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(GetEventErrorDetail(refused)->reason,
            absl::StrCat("the ledger holds at most ", kMaxSeq, " events"));
  EXPECT_EQ(state.LastJobSeq("job-1"), kMaxSeq);
}

// A saved state whose seqs do not fit 32 bits was not written by a ledger:
// the seq kMaxSeq + 1 put in place of kMaxSeq, in every place it is saved.
TEST(LedgerState, ASavedSeqPastTheLastIsDataLoss) {
  std::string encoded;
  HiredAt(kMaxSeq).EncodeTo(encoded);
  const std::string max_seq = "\xFE\xFF\xFF\xFF\x0F";  // varint of kMaxSeq
  const std::string past_max = "\xFF\xFF\xFF\xFF\x0F";
  int replaced = 0;
  for (size_t at = encoded.find(max_seq); at != std::string::npos;
       at = encoded.find(max_seq, at + 1)) {
    encoded.replace(at, max_seq.size(), past_max);
    ++replaced;
  }
  std::string_view bytes = encoded;
  const absl::StatusOr<LedgerState> decoded = LedgerState::Decode(2, bytes);

  EXPECT_EQ(replaced, 2);  // the job's last_touch_seq and its entry's seq
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace banen::test
