// What a validation state's encoding (ledger_state_2, storage_format.h)
// says of the state, read by the grammar apart from the state's own
// decoder, in a form two states of the same events share however they came
// about: for tests that compare a state with the one the same events make
// by another path (a batch undone, a replay, deltas), and for the fuzz
// targets that undo batches of hostile events.
#ifndef BANEN_TESTS_LEDGER_STATE_CONTENT_H_
#define BANEN_TESTS_LEDGER_STATE_CONTENT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/internal/checkpoint_coding.h"
#include "ledger/ledger_state.h"

namespace banen::test {

struct StateContent {
  // The employer ids the jobs name by number, in the order of their
  // numbers: an order of the state's history (the events applied and
  // undone; a state made from deltas numbers them in the deltas' order).
  std::vector<std::string> employer_ids;
  // One line a job (its employer by id), person, employer and retracted
  // seq, sorted: not the maps' seeds, nor the orders they and the retracted
  // seqs' set chose.
  std::vector<std::string> lines;
};

// nullopt if `encoded` is not one whole ledger_state_2.
inline std::optional<StateContent> ReadStateContent(std::string_view encoded) {
  using checkpoint_coding::CodedInputStream;
  constexpr size_t kSeedsAndJobsSize = 2 * 16 + 8;
  if (encoded.size() < kSeedsAndJobsSize) return std::nullopt;
  encoded.remove_prefix(kSeedsAndJobsSize);
  CodedInputStream in(reinterpret_cast<const uint8_t*>(encoded.data()),
                      static_cast<int>(encoded.size()));
  bool ok = true;
  const auto varint = [&] {
    uint64_t value = 0;
    ok = ok && in.ReadVarint64(&value);
    return value;
  };
  const auto signed_varint = [&] {
    int64_t value = 0;
    ok = ok && checkpoint_coding::ReadSigned(in, value);
    return value;
  };
  const auto string = [&] {
    std::string text;
    ok = ok && checkpoint_coding::ReadString(in, text);
    return text;
  };
  // count:varint (date:zigzag and fields - 1 varints)*
  const auto entries = [&](int fields) {
    std::string text;
    for (uint64_t count = varint(); ok && count > 0; --count) {
      absl::StrAppend(&text, " (", signed_varint());
      for (int field = 1; field < fields; ++field) {
        absl::StrAppend(&text, " ", varint());
      }
      absl::StrAppend(&text, ")");
    }
    return text;
  };

  StateContent content;
  for (uint64_t ids = varint(); ok && ids > 0; --ids) {
    content.employer_ids.push_back(string());
  }
  for (uint64_t jobs = varint(); ok && jobs > 0; --jobs) {
    std::string line = absl::StrCat("job ", string());
    const uint64_t employer = varint();
    if (employer >= content.employer_ids.size()) return std::nullopt;
    const uint64_t last_touch_seq = varint();
    absl::StrAppend(&line, " of ", content.employer_ids[employer],
                    " touched at ", last_touch_seq, ":", entries(4));
    content.lines.push_back(std::move(line));
  }
  for (uint64_t persons = varint(); ok && persons > 0; --persons) {
    std::string line = absl::StrCat("person ", string());
    absl::StrAppend(&line, ":", entries(3));
    content.lines.push_back(std::move(line));
  }
  for (uint64_t employers = varint(); ok && employers > 0; --employers) {
    std::string line = absl::StrCat("employer ", string());
    absl::StrAppend(&line, " referred to ", signed_varint());
    content.lines.push_back(std::move(line));
  }
  for (uint64_t seqs = varint(); ok && seqs > 0; --seqs) {
    content.lines.push_back(absl::StrCat("retracted ", varint()));
  }
  if (!ok || in.CurrentPosition() != static_cast<int>(encoded.size())) {
    return std::nullopt;
  }
  std::sort(content.lines.begin(), content.lines.end());
  return content;
}

inline std::optional<StateContent> ReadStateContent(const LedgerState& state) {
  std::string encoded;
  state.EncodeTo(encoded);
  return ReadStateContent(encoded);
}

}  // namespace banen::test

#endif  // BANEN_TESTS_LEDGER_STATE_CONTENT_H_
