// EventIdIndex (ledger/internal/event_id_index.h): lookups before and after
// a merge into the sorted arrays, fingerprints that share a key, and the
// saved layouts of versions 2 and 3 (storage_format.h event_id_index_2/_3).
#include "ledger/internal/event_id_index.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/internal/endian.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace banen {
namespace {

// Two fingerprints of one key: they differ below its 40 bits.
constexpr uint64_t kFingerprint = 0x1234'5678'9A00'0001;
constexpr uint64_t kSameKey = 0x1234'5678'9A00'0002;

void InsertNew(EventIdIndex& index, uint64_t fingerprint, uint64_t seq) {
  index.Insert(absl::StrCat("id-", seq), fingerprint, seq,
               /*fingerprint_taken=*/false);
}

// kFingerprint stored at seq 4, kSameKey at 9.
void ExpectBothOfTheKeyFound(const EventIdIndex& index) {
  EXPECT_EQ(index.Find("id-4", kFingerprint), 4u);
  EXPECT_EQ(index.Find("id-9", kSameKey), 9u);
}

// Saves `index` (Merge, EncodeTo) and reads it back as version 3.
EventIdIndex SavedAndLoaded(EventIdIndex& index) {
  index.Merge();
  std::string body;
  index.EncodeTo(body);
  std::string_view bytes = body;
  absl::StatusOr<EventIdIndex> loaded = EventIdIndex::Decode(3, bytes);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(bytes.empty());
  return loaded.ok() ? *std::move(loaded) : EventIdIndex();
}

// An event_id_index_2 or _3 of `sorted` (fingerprint, seq), ascending, and
// nothing after the arrays.
std::string SortedLayout(
    const std::vector<std::pair<uint64_t, uint32_t>>& sorted) {
  std::string body(crypto_shorthash_KEYBYTES, '\x01');
  body.push_back(static_cast<char>(sorted.size()));  // a one-byte varint
  for (const auto& [fingerprint, seq] : sorted) {
    char bytes[8];
    absl::little_endian::Store64(bytes, fingerprint);
    body.append(bytes, 8);
  }
  for (const auto& [fingerprint, seq] : sorted) {
    char bytes[4];
    absl::little_endian::Store32(bytes, seq);
    body.append(bytes, 4);
  }
  body.append("\x00\x00", 2);  // no more fingerprints, no colliding ids
  return body;
}

// The packed entries hold every rest and seq whole, from a one-bit seq
// and a directory of many keys a bucket to 32-bit rests and seqs.
TEST(SortedFingerprintsTest, FindsEveryKeyAndSeqAtEachEntryWidth) {
  std::mt19937_64 random(15);
  for (const size_t count :
       {size_t{1}, size_t{7}, size_t{1000}, size_t{70000}}) {
    for (const uint64_t max_seq :
         {uint64_t{1}, uint64_t{255}, uint64_t{10'000'000},
          uint64_t{EventIdIndex::kMaxSortedSeq}}) {
      std::map<uint64_t, uint32_t> keys;
      while (keys.size() < count) {
        keys.emplace(random() >> (64 - SortedFingerprints::kKeyBits),
                     static_cast<uint32_t>(random() % max_seq + 1));
      }
      keys.rbegin()->second = static_cast<uint32_t>(max_seq);
      SortedFingerprints sorted(count, max_seq);
      for (const auto& [key, seq] : keys) sorted.Append(key, seq);
      sorted.FinishAppending();
      ASSERT_EQ(sorted.size(), count);
      EXPECT_EQ(sorted.max_seq(), max_seq);
      for (const auto& [key, seq] : keys) {
        ASSERT_EQ(sorted.Find(key), seq) << count << " " << max_seq;
        if (!keys.contains(key + 1)) {
          ASSERT_EQ(sorted.Find(key + 1), std::nullopt);
        }
      }
      std::map<uint64_t, uint32_t> visited;
      sorted.ForEach([&](uint64_t key, uint32_t seq) { visited[key] = seq; });
      EXPECT_EQ(visited, keys);
    }
  }
}

TEST(EventIdIndexTest, FindsIdsInsertedAndAfterASaveAndLoad) {
  EventIdIndex index;
  InsertNew(index, 0xAAAA'0000'0000'0000, 1);
  InsertNew(index, 0x5555'0000'0000'0000, 2);
  EXPECT_EQ(index.Find("id-1", 0xAAAA'0000'0000'0000), 1u);
  EventIdIndex loaded = SavedAndLoaded(index);
  EXPECT_EQ(loaded.Find("id-1", 0xAAAA'0000'0000'0000), 1u);
  EXPECT_EQ(loaded.Find("id-2", 0x5555'0000'0000'0000), 2u);
  EXPECT_EQ(loaded.Find("id-3", 0x7777'0000'0000'0000), std::nullopt);
}

// A body stored in parts is read a part at a time, two streams in step for
// the arrays: read in blocks of 5 bytes, which split every entry somewhere,
// the index finds each id at its seq as read whole.
TEST(EventIdIndexTest, LoadsFromABodyReadInSmallBlocks) {
  EventIdIndex index;
  const auto fingerprint = [&index](uint64_t seq) {
    return index.Fingerprint(absl::StrCat("id-", seq));
  };
  for (uint64_t seq = 1; seq <= 1000; ++seq) {
    InsertNew(index, fingerprint(seq), seq);
  }
  index.Merge();
  for (uint64_t seq = 1001; seq <= 1010; ++seq) {  // unsorted, after them
    InsertNew(index, fingerprint(seq), seq);
  }
  std::string body;
  index.EncodeTo(body);
  const FlatStateBody blocks(body, /*block_size=*/5);
  uint64_t offset = 0;
  const absl::StatusOr<EventIdIndex> loaded =
      EventIdIndex::Decode(3, blocks, offset);

  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(offset, body.size());
  for (uint64_t seq = 1; seq <= 1010; ++seq) {
    EXPECT_EQ(loaded->Find(absl::StrCat("id-", seq), fingerprint(seq)), seq);
  }
}

TEST(EventIdIndexTest, KeepsTwoFingerprintsOfOneKeyApartAcrossSaves) {
  EventIdIndex index;
  InsertNew(index, kFingerprint, 4);
  InsertNew(index, kSameKey, 9);
  index.Merge();
  ExpectBothOfTheKeyFound(index);
  EventIdIndex loaded = SavedAndLoaded(index);
  ExpectBothOfTheKeyFound(loaded);
  EventIdIndex again = SavedAndLoaded(loaded);
  ExpectBothOfTheKeyFound(again);
}

TEST(EventIdIndexTest, AnIdMergedLaterOfAKeyHeldKeepsItsSeq) {
  EventIdIndex index;
  InsertNew(index, kFingerprint, 4);
  index.Merge();
  InsertNew(index, kSameKey, 9);
  index.Merge();
  ExpectBothOfTheKeyFound(index);
}

TEST(EventIdIndexTest, AFingerprintNewToTheIndexOfAKeyHeldGetsTheHeldSeq) {
  // The caller reads the stored event at that seq and sees another id.
  EventIdIndex index;
  InsertNew(index, kFingerprint, 4);
  index.Merge();
  EXPECT_EQ(index.Find("id-new", kSameKey), 4u);
}

// ProbeAll's chunks of staged lookups: 1,003 ids (not a whole number of
// chunks), every other one stored, half of those in the sorted arrays.
TEST(EventIdIndexTest, ProbeAllAnswersAsFindDoesForEachId) {
  EventIdIndex index;
  std::vector<std::string> ids;
  for (int i = 0; i < 1003; ++i) ids.push_back(absl::StrCat("event-", i));
  for (int i = 0; i < 1003; i += 2) {
    index.Insert(ids[i], index.Fingerprint(ids[i]), i, false);
    if (i == 500) index.Merge();
  }
  const std::vector<EventIdIndex::Probe> probes = index.ProbeAll(
      ids.size(), [&ids](size_t i) { return std::string_view(ids[i]); });
  ASSERT_EQ(probes.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(probes[i].fingerprint, index.Fingerprint(ids[i])) << i;
    ASSERT_EQ(probes[i].stored, index.Find(ids[i], probes[i].fingerprint)) << i;
    if (i % 2 == 0) {
      ASSERT_EQ(probes[i].stored, i);
    }
  }
}

TEST(EventIdIndexTest, LoadsAVersion2IndexWhoseFingerprintsShareAKey) {
  const std::string body = SortedLayout({{0x0100'0000'0000'0000, 2},
                                         {kFingerprint, 4},
                                         {kSameKey, 9},
                                         {0xF000'0000'0000'0000, 11}});
  std::string_view bytes = body;
  absl::StatusOr<EventIdIndex> loaded = EventIdIndex::Decode(2, bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(bytes.empty());
  EXPECT_EQ(loaded->Find("id-2", 0x0100'0000'0000'0000), 2u);
  ExpectBothOfTheKeyFound(*loaded);
  EXPECT_EQ(loaded->Find("id-11", 0xF000'0000'0000'0000), 11u);
  EventIdIndex again = SavedAndLoaded(*loaded);
  ExpectBothOfTheKeyFound(again);
}

TEST(EventIdIndexTest, AVersion3KeyWithItsLastBitsSetIsDataLoss) {
  const std::string body = SortedLayout({{kFingerprint, 4}});
  std::string_view bytes = body;
  EXPECT_EQ(EventIdIndex::Decode(3, bytes).status(),
            absl::DataLossError("the saved event_id index is unreadable"));
}

TEST(EventIdIndexTest, FingerprintsNotAscendingAreDataLoss) {
  const std::string body =
      SortedLayout({{0xF000'0000'0000'0000, 11}, {0x0100'0000'0000'0000, 2}});
  std::string_view bytes = body;
  EXPECT_EQ(EventIdIndex::Decode(2, bytes).status(),
            absl::DataLossError("the saved event_id index is unreadable"));
}

// The ids up to seq 9 (kFingerprint at 4, kSameKey at 9, 1-3 and 5-8 of
// other keys) sealed, then 10 to 12 inserted; `merged` an index of the same
// key merged up to 9 (of the same ids unless `merged_up_to` is lower).
void InsertSealAndInsert(EventIdIndex& index, EventIdIndex& merged,
                         uint64_t merged_up_to = 9) {
  for (uint64_t seq = 1; seq <= 12; ++seq) {
    if (seq == 10) index.Seal(9);
    const uint64_t fingerprint = seq == 4   ? kFingerprint
                                 : seq == 9 ? kSameKey
                                            : seq << 56;
    InsertNew(index, fingerprint, seq);
    if (seq == merged_up_to) {
      merged = index;
      merged.Merge();
    }
  }
}

void ExpectAllTwelveFound(const EventIdIndex& index) {
  ExpectBothOfTheKeyFound(index);
  for (uint64_t seq : {1, 2, 3, 5, 6, 7, 8, 10, 11, 12}) {
    EXPECT_EQ(index.Find(absl::StrCat("id-", seq), seq << 56), seq);
  }
  EXPECT_EQ(index.Find("id-13", uint64_t{13} << 56), std::nullopt);
}

// TakeMerged(seq, merged) refused: the twelve still in the map, found.
void ExpectRefused(EventIdIndex& index, uint64_t seq, EventIdIndex& merged) {
  EXPECT_FALSE(index.TakeMerged(seq, merged));
  EXPECT_EQ(index.hashed(), 12u);
  ExpectAllTwelveFound(index);
}

TEST(EventIdIndexTest, ArraysMergedUpToTheSealReplaceTheSealedIds) {
  EventIdIndex index;
  EventIdIndex merged;
  InsertSealAndInsert(index, merged);
  EXPECT_EQ(index.hashed(), 12u);
  ASSERT_TRUE(index.TakeMerged(9, merged));
  // 10 to 12, and kSameKey, whose key kFingerprint holds in the arrays.
  EXPECT_EQ(index.hashed(), 4u);
  ExpectAllTwelveFound(index);
  EXPECT_EQ(SavedAndLoaded(index).hashed(), 1u);  // kSameKey
}

TEST(EventIdIndexTest, ArraysMergedShortOfTheSealAreRefused) {
  EventIdIndex index;
  EventIdIndex merged;
  InsertSealAndInsert(index, merged, /*merged_up_to=*/8);
  ExpectRefused(index, 8, merged);
}

TEST(EventIdIndexTest, ArraysOfAnotherKeyAreRefused) {
  EventIdIndex index;
  EventIdIndex merged;
  InsertSealAndInsert(index, merged);
  EventIdIndex other_key;
  ExpectRefused(index, 9, other_key);
}

TEST(EventIdIndexTest, AMergeAfterASealTakesTheSealedIdsAndEndsTheSeal) {
  EventIdIndex index;
  EventIdIndex merged;
  InsertSealAndInsert(index, merged);
  index.Merge();
  EXPECT_EQ(index.hashed(), 1u);  // kSameKey
  ExpectAllTwelveFound(index);
  EXPECT_FALSE(index.TakeMerged(9, merged));
  ExpectAllTwelveFound(index);
}

// Against a map of the fingerprints inserted: 240,000 random ones, a tenth
// sharing the key of another, merged in six rounds: saved and loaded,
// merged, or sealed with more inserted before arrays merged up to the seal
// replace the sealed ids. Every one is found with its seq; a fingerprint
// never inserted finds nothing or the seq of one of its key.
TEST(EventIdIndexTest, AgreesWithAMapOfTheFingerprintsThroughMergesAndSaves) {
  std::mt19937_64 random(15);
  std::map<uint64_t, uint64_t> model;
  EventIdIndex index;
  uint64_t seq = 0;
  const auto insert_random = [&](int count) {
    for (int i = 0; i < count; ++i) {
      uint64_t fingerprint = random();
      if (i % 10 == 0 && !model.empty()) {
        // One of a held key: the last one's, its low bits changed.
        fingerprint = (model.rbegin()->first & ~uint64_t{0xFFFFFF}) |
                      (random() & 0xFFFFFF);
      }
      if (model.contains(fingerprint)) continue;
      model.emplace(fingerprint, ++seq);
      InsertNew(index, fingerprint, seq);
    }
  };
  for (int round = 0; round < 6; ++round) {
    insert_random(30'000);
    if (round % 3 == 0) {
      index = SavedAndLoaded(index);
    } else if (round % 3 == 1) {
      index.Merge();
    } else {
      EventIdIndex merged = index;
      merged.Merge();
      const uint64_t sealed_at = seq;
      index.Seal(sealed_at);
      insert_random(10'000);
      ASSERT_TRUE(index.TakeMerged(sealed_at, merged));
    }
    for (const auto& [fingerprint, stored] : model) {
      ASSERT_EQ(index.Find(absl::StrCat("id-", stored), fingerprint), stored)
          << "round " << round << ", fingerprint " << fingerprint;
    }
  }
  for (int i = 0; i < 10'000; ++i) {
    const uint64_t fingerprint = random();
    if (model.contains(fingerprint)) continue;
    const std::optional<uint64_t> found = index.Find("absent", fingerprint);
    if (!found.has_value()) continue;
    const auto same_key = [&](const auto& entry) {
      return entry.second == *found &&
             SortedFingerprints::KeyOf(entry.first) ==
                 SortedFingerprints::KeyOf(fingerprint);
    };
    EXPECT_TRUE(std::any_of(model.begin(), model.end(), same_key));
  }
}

}  // namespace
}  // namespace banen
