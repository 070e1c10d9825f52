// CompactStringMap (ledger/compact_string_map.h): lookups, inserts, erasure,
// long keys, stable values, moves and tracked changes.
#include "ledger/compact_string_map.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/absl_compat.h"
#include "ledger/huge_pages.h"

namespace banen {
namespace {

using ::testing::UnorderedElementsAre;

std::vector<std::pair<std::string, int>> Contents(
    const CompactStringMap<int>& map) {
  std::vector<std::pair<std::string, int>> contents;
  map.ForEach([&](std::string_view key, int value) {
    contents.emplace_back(std::string(key), value);
  });
  return contents;
}

TEST(CompactStringMapTest, FindsAnInsertedKeyAndNotAnother) {
  CompactStringMap<int> map;
  *map.FindOrInsert("job-1").first = 7;
  ASSERT_NE(map.Find("job-1"), nullptr);
  EXPECT_EQ(*map.Find("job-1"), 7);
  EXPECT_EQ(map.Find("job-2"), nullptr);
  EXPECT_TRUE(map.contains("job-1"));
  EXPECT_FALSE(map.contains("job-"));
  EXPECT_EQ(map.size(), 1u);
}

TEST(CompactStringMapTest, FindOrInsertSaysWhetherTheKeyWasNew) {
  CompactStringMap<int> map;
  const auto [first, inserted] = map.FindOrInsert("a");
  EXPECT_TRUE(inserted);
  EXPECT_EQ(*first, 0);
  *first = 3;
  const auto [again, inserted_again] = map.FindOrInsert("a");
  EXPECT_FALSE(inserted_again);
  EXPECT_EQ(again, first);
  EXPECT_EQ(*again, 3);
}

TEST(CompactStringMapTest, AnErasedKeyIsGoneAndComesBackWithANewValue) {
  CompactStringMap<int> map;
  *map.FindOrInsert("a").first = 1;
  *map.FindOrInsert("b").first = 2;
  map.Erase("a");
  map.Erase("c");  // absent: nothing happens
  EXPECT_EQ(map.Find("a"), nullptr);
  EXPECT_EQ(map.size(), 1u);
  EXPECT_THAT(Contents(map), UnorderedElementsAre(std::pair("b", 2)));
  const auto [value, inserted] = map.FindOrInsert("a");
  EXPECT_TRUE(inserted);
  EXPECT_EQ(*value, 0);
}

TEST(CompactStringMapTest, KeysOfEverySizeAreKeptWhole) {
  CompactStringMap<int> map;
  for (const int size : {0, 1, 254, 255, 256, 70'000}) {
    *map.FindOrInsert(std::string(size, 'k')).first = size;
  }
  for (const int size : {0, 1, 254, 255, 256, 70'000}) {
    const int* value = map.Find(std::string(size, 'k'));
    ASSERT_NE(value, nullptr) << size;
    EXPECT_EQ(*value, size);
  }
  EXPECT_EQ(map.Find(std::string(253, 'k')), nullptr);
}

TEST(CompactStringMapTest, AKeyLongerThanABlockIsKeptWithTheKeysAroundIt) {
  CompactStringMap<int> map;
  const std::string long_key(3 << 20, 'x');
  *map.FindOrInsert("before").first = 1;
  *map.FindOrInsert(long_key).first = 2;
  *map.FindOrInsert("after").first = 3;
  EXPECT_EQ(*map.Find("before"), 1);
  EXPECT_EQ(*map.Find(long_key), 2);
  EXPECT_EQ(*map.Find("after"), 3);
}

TEST(CompactStringMapTest, ValuesStayWhereTheyAreAsTheMapGrows) {
  CompactStringMap<int> map;
  int* const first = map.FindOrInsert("key-0").first;
  *first = -1;
  for (int i = 1; i < 100'000; ++i) {
    *map.FindOrInsert(absl::StrCat("key-", i)).first = i;
  }
  EXPECT_EQ(map.Find("key-0"), first);
  EXPECT_EQ(*first, -1);
  EXPECT_EQ(*map.Find("key-99999"), 99'999);
  EXPECT_EQ(map.size(), 100'000u);
}

TEST(CompactStringMapTest, AnIndexOnHugePagesKeepsEveryEntry) {
  // 400,000 entries: an index of 2^20 slots of 4 bytes and a control byte,
  // which HugePageAllocator maps on its own (ledger/huge_pages.h).
  constexpr int kEntries = 400'000;
  CompactStringMap<int> map;
  for (int i = 0; i < kEntries; ++i) {
    *map.FindOrInsert(absl::StrCat("person-", i)).first = i;
  }
  EXPECT_GE(map.capacity() * (sizeof(uint32_t) + 1), kHugePageBytes);
  for (int i = 0; i < kEntries; i += 2) map.Erase(absl::StrCat("person-", i));
  for (int i = 0; i < kEntries; ++i) {
    const int* value = map.Find(absl::StrCat("person-", i));
    if (i % 2 == 0) {
      ASSERT_EQ(value, nullptr) << i;
    } else {
      ASSERT_NE(value, nullptr) << i;
      ASSERT_EQ(*value, i);
    }
  }
  EXPECT_EQ(map.size(), size_t{kEntries / 2});
  EXPECT_EQ(map.Find("person-400000"), nullptr);
}

TEST(CompactStringMapTest, AMovedMapKeepsItsEntries) {
  CompactStringMap<int> map;
  *map.FindOrInsert("a").first = 1;
  CompactStringMap<int> moved(std::move(map));
  *moved.FindOrInsert("b").first = 2;
  CompactStringMap<int> assigned;
  assigned = std::move(moved);
  EXPECT_EQ(*assigned.Find("a"), 1);
  EXPECT_EQ(*assigned.Find("b"), 2);
  EXPECT_THAT(Contents(assigned),
              UnorderedElementsAre(std::pair("a", 1), std::pair("b", 2)));
}

TEST(CompactStringMapTest, AMapOfTheSameSeedVisitsTheSameKeysInTheSameOrder) {
  CompactStringMap<int> map;
  for (int i = 0; i < 10'000; ++i) {
    *map.FindOrInsert(absl::StrCat("job-", i)).first = i;
  }
  // As a state checkpoint saves and loads it.
  CompactStringMap<int> loaded(map.seed());
  loaded.ReserveForLoad(map.size(), map.key_bytes());
  map.ForEach([&](std::string_view key, int value) {
    *loaded.FindOrInsert(AbslView(key)).first = value;
  });
  EXPECT_EQ(loaded.seed(), map.seed());
  EXPECT_EQ(Contents(loaded), Contents(map));
}

// Growing places every entry again, under the appends' lock: a map loaded
// at its size may do so within the first appends after a restart. 14,000
// entries at their size take 16,383 slots, which grow at 14,336.
TEST(CompactStringMapTest, ALoadedMapTakesASixteenthMoreBeforeItGrows) {
  CompactStringMap<int> map;
  map.ReserveForLoad(14'000, 0);
  for (int i = 0; i < 14'000; ++i) {
    *map.FindOrInsert(absl::StrCat("person-", i)).first = i;
  }
  const size_t loaded = map.capacity();
  for (int i = 14'000; i < 14'875; ++i) {
    *map.FindOrInsert(absl::StrCat("person-", i)).first = i;
  }
  EXPECT_EQ(map.capacity(), loaded);
}

// A large index grows in entry order (GrowInEntryOrder), to twice its
// capacity as absl's own growth would, keeping every entry.
TEST(CompactStringMapTest, ALargeMapGrowsToTwiceItsCapacityKeepingItsEntries) {
  constexpr int kKeys = 3 * CompactStringMap<int>::kGrownInEntryOrderFrom;
  CompactStringMap<int> map;
  std::vector<size_t> capacities = {map.capacity()};
  for (int i = 0; i < kKeys; ++i) {
    *map.FindOrInsert(absl::StrCat("job-", i)).first = i;
    if (map.capacity() != capacities.back()) {
      capacities.push_back(map.capacity());
    }
  }
  ASSERT_GE(capacities.size(), 3u);
  for (size_t i = 1; i < capacities.size(); ++i) {
    EXPECT_EQ(capacities[i], 2 * capacities[i - 1] + 1) << i;
  }
  for (int i = 0; i < kKeys; ++i) {
    const int* value = map.Find(absl::StrCat("job-", i));
    ASSERT_NE(value, nullptr) << i;
    EXPECT_EQ(*value, i);
  }
  EXPECT_EQ(map.size(), static_cast<size_t>(kKeys));
}

// Erased entries are not placed again when the index grows.
TEST(CompactStringMapTest, ALargeMapThatGrowsLeavesTheErasedKeysOut) {
  constexpr int kKeys = 3 * CompactStringMap<int>::kGrownInEntryOrderFrom;
  CompactStringMap<int> map;
  for (int i = 0; i < kKeys; ++i) {
    *map.FindOrInsert(absl::StrCat("job-", i)).first = i;
    // Now and then, before the index is full.
    if (i % 1000 == 0) map.Erase(absl::StrCat("job-", i / 2));
  }
  size_t live = 0;
  for (int i = 0; i < kKeys; ++i) {
    // job-i is erased at step 2 * i, after it was made.
    const bool erased = i % 500 == 0 && 2 * i < kKeys;
    const int* value = map.Find(absl::StrCat("job-", i));
    if (erased) {
      EXPECT_EQ(value, nullptr) << i;
    } else {
      ASSERT_NE(value, nullptr) << i;
      EXPECT_EQ(*value, i);
      ++live;
    }
  }
  EXPECT_EQ(map.size(), live);
}

// The changes TakeChanged() visits: key, and value or -1 for an erased one.
using Change = std::pair<std::string, int>;

std::vector<Change> TakeChanged(CompactStringMap<int>& map) {
  std::vector<Change> changed;
  map.TakeChanged([&](std::string_view key, const int* value) {
    changed.emplace_back(std::string(key), value == nullptr ? -1 : *value);
  });
  return changed;
}

TEST(CompactStringMapTest, TakeChangedVisitsTheEntriesTouchedSinceTracking) {
  CompactStringMap<int> map;
  *map.FindOrInsert("before").first = 1;
  *map.FindOrInsert("kept").first = 2;
  map.TrackChanges();
  for (int i = 0; i < 200; ++i) {
    *map.FindOrInsert(absl::StrCat("new-", i)).first = i;
  }
  *map.FindOrInsert("before").first = 3;
  EXPECT_EQ(map.changed(), 201u);
  const std::vector<Change> changed = TakeChanged(map);
  ASSERT_EQ(changed.size(), 201u);
  // In the order the entries were made.
  EXPECT_EQ(changed.front(), Change("before", 3));
  EXPECT_EQ(changed[1], Change("new-0", 0));
  EXPECT_EQ(changed.back(), Change("new-199", 199));
  EXPECT_EQ(map.changed(), 0u);
  EXPECT_TRUE(TakeChanged(map).empty());
}

TEST(CompactStringMapTest, AnErasedEntryComesBeforeTheOneThatReplacedIt) {
  CompactStringMap<int> map;
  *map.FindOrInsert("a").first = 1;
  map.TrackChanges();
  map.Erase("a");
  *map.FindOrInsert("a").first = 2;
  EXPECT_THAT(TakeChanged(map),
              ::testing::ElementsAre(Change("a", -1), Change("a", 2)));
  ASSERT_NE(map.Find("a"), nullptr);
  EXPECT_EQ(*map.Find("a"), 2);
}

// Entries made past a mark, across a block of values and words of the
// erased bits and the changes, are dropped whole, keys included; an entry
// from before the mark that was erased since comes back under its number.
TEST(CompactStringMapTest, DropSinceAMarkKeepsNothingOfTheEntriesMadeSince) {
  constexpr int kBefore = 4100;
  CompactStringMap<int> map;
  for (int i = 0; i < kBefore; ++i) {
    *map.FindOrInsert(absl::StrCat("id-", i)).first = i;
  }
  const size_t key_bytes = map.key_bytes();
  map.TrackChanges();
  const size_t mark = map.Mark();
  for (int i = 0; i < 200; ++i) {
    *map.FindOrInsert(absl::StrCat("new-", i)).first = -i;
  }
  map.Erase("new-3");
  *map.FindOrInsert("id-4099").first = 1;
  const std::optional<uint32_t> erased = map.Erase("id-4000");
  map.DropSince(mark);
  ASSERT_TRUE(erased.has_value());
  map.Revive(*erased) = 4000;
  *map.Find("id-4099") = 4099;

  EXPECT_EQ(map.size(), size_t{kBefore});
  EXPECT_EQ(map.Mark(), mark);
  EXPECT_EQ(map.key_bytes(), key_bytes);
  for (int i = 0; i < kBefore; ++i) {
    const int* value = map.Find(absl::StrCat("id-", i));
    ASSERT_NE(value, nullptr) << i;
    EXPECT_EQ(*value, i);
  }
  EXPECT_EQ(map.Find("new-0"), nullptr);
  EXPECT_THAT(TakeChanged(map), UnorderedElementsAre(Change{"id-4000", 4000},
                                                     Change{"id-4099", 4099}));
  *map.FindOrInsert("next").first = 1;
  EXPECT_EQ(map.Mark(), mark + 1);
  EXPECT_EQ(map.key_bytes(), key_bytes + 4);
}

}  // namespace
}  // namespace banen
