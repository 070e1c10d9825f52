#include "projections/id_index.h"

#include <algorithm>
#include <bit>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace banen {
namespace {

std::vector<IdIndex::Entry> EntriesOf(const IdIndex& index) {
  std::vector<IdIndex::Entry> entries;
  index.ForEach([&](const IdIndex::Entry& entry) { entries.push_back(entry); });
  return entries;
}

// Ids whose hashes are chosen: `tags` distinct values of the high bits,
// so that many ids share a tag (and a home slot) and the ties are ordered
// by id bytes.
struct ChosenIds {
  IdList ids;
  std::vector<uint64_t> hashes;
  ChosenIds(int count, uint32_t tags, uint32_t seed) {
    std::mt19937 random(seed);
    for (int i = 0; i < count; ++i) {
      ids.Add("id-" + std::to_string(i));
      hashes.push_back(uint64_t{random() % tags * (UINT32_MAX / tags)} << 32);
    }
  }
  HashedId Of(uint32_t index) const { return {ids[index], hashes[index]}; }
};

// 3000 ids inserted in a random order, 40 tags among them: each is found
// at its index as in a std::map of the ids inserted so far (the model), and
// an id not yet inserted is not found.
TEST(IdIndexTest, FindsWhatAMapOfTheInsertedIdsHolds) {
  const ChosenIds chosen(3000, 40, 1);
  std::vector<uint32_t> order(3000);
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(2));
  IdIndex index;
  std::map<std::string, uint32_t> model;
  for (size_t n = 0; n < order.size(); ++n) {
    const uint32_t added = order[n];
    EXPECT_EQ(index.Find(chosen.ids, chosen.Of(added)), IdIndex::kEmpty);
    index.Insert(chosen.ids, added, chosen.hashes[added]);
    model[std::string(chosen.ids[added])] = added;
    if (n % 500 == 499) {
      for (uint32_t i = 0; i < order.size(); ++i) {
        const auto it = model.find(std::string(chosen.ids[i]));
        EXPECT_EQ(index.Find(chosen.ids, chosen.Of(i)),
                  it == model.end() ? IdIndex::kEmpty : it->second)
            << i;
      }
    }
  }
  EXPECT_EQ(index.size(), 3000u);
}

// The table is a function of its entries: two insertion orders of one set
// (with ties of tag), and a load of the entries, give one order of entries.
TEST(IdIndexTest, TheEntriesDoNotDependOnTheInsertionOrder) {
  const ChosenIds chosen(2000, 100, 3);
  std::vector<uint32_t> order(2000);
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  IdIndex ascending;
  for (uint32_t i : order) ascending.Insert(chosen.ids, i, chosen.hashes[i]);
  std::shuffle(order.begin(), order.end(), std::mt19937(4));
  IdIndex shuffled;
  for (uint32_t i : order) shuffled.Insert(chosen.ids, i, chosen.hashes[i]);
  const std::vector<IdIndex::Entry> entries = EntriesOf(ascending);
  EXPECT_EQ(EntriesOf(shuffled), entries);
  IdIndex loaded = IdIndex::ForLoad(entries.size());
  for (const IdIndex::Entry& entry : entries) {
    EXPECT_TRUE(loaded.Append(entry));
  }
  loaded.FinishLoad();
  EXPECT_EQ(EntriesOf(loaded), entries);
  for (uint32_t i = 0; i < 2000; ++i) {
    EXPECT_EQ(loaded.Find(chosen.ids, chosen.Of(i)), i);
  }
}

// A loaded table grows like one inserted into: the next insert past 3/4 of
// its capacity places every entry again, and each is still found.
TEST(IdIndexTest, ALoadedTableGrowsOnInsert) {
  const ChosenIds chosen(13, 1000, 5);
  IdIndex inserted;
  for (uint32_t i = 0; i < 12; ++i) {
    inserted.Insert(chosen.ids, i, chosen.hashes[i]);
  }
  IdIndex loaded = IdIndex::ForLoad(12);
  for (const IdIndex::Entry& entry : EntriesOf(inserted)) {
    ASSERT_TRUE(loaded.Append(entry));
  }
  loaded.FinishLoad();
  EXPECT_EQ(IdIndex::CapacityFor(12), 16u);
  EXPECT_EQ(IdIndex::CapacityFor(13), 20u);
  loaded.Insert(chosen.ids, 12, chosen.hashes[12]);
  inserted.Insert(chosen.ids, 12, chosen.hashes[12]);
  EXPECT_EQ(EntriesOf(loaded), EntriesOf(inserted));
  for (uint32_t i = 0; i < 13; ++i) {
    EXPECT_EQ(loaded.Find(chosen.ids, chosen.Of(i)), i);
  }
}

// Reserved for 3000 entries, a table takes 2000 at the capacity of 3000 and
// finds each; reserved for 1000, it grows past it to the capacity of its
// 2000 entries, as one not reserved for any does; both hold one order.
TEST(IdIndexTest, AReservedTableGrowsOnlyPastWhatItReserved) {
  const ChosenIds chosen(2000, 500, 6);
  IdIndex ample;
  ample.Reserve(3000);
  IdIndex short_of_room;
  short_of_room.Reserve(1000);
  IdIndex unreserved;
  for (uint32_t i = 0; i < 2000; ++i) {
    ample.Insert(chosen.ids, i, chosen.hashes[i]);
    short_of_room.Insert(chosen.ids, i, chosen.hashes[i]);
    unreserved.Insert(chosen.ids, i, chosen.hashes[i]);
  }
  EXPECT_EQ(ample.capacity(), IdIndex::CapacityFor(3000));
  EXPECT_EQ(short_of_room.capacity(), IdIndex::CapacityFor(2000));
  EXPECT_EQ(unreserved.capacity(), IdIndex::CapacityFor(2000));
  EXPECT_EQ(EntriesOf(ample), EntriesOf(unreserved));
  EXPECT_EQ(EntriesOf(short_of_room), EntriesOf(unreserved));
  for (uint32_t i = 0; i < 2000; ++i) {
    EXPECT_EQ(ample.Find(chosen.ids, chosen.Of(i)), i);
  }
}

// Each capacity is a quarter of a power of two times 4 to 7, the first of
// those steps with room for 4/3 of the entries.
TEST(IdIndexTest, CapacitiesStepByAQuarterOfAPowerOfTwo) {
  EXPECT_EQ(IdIndex::CapacityFor(0), 0u);
  EXPECT_EQ(IdIndex::CapacityFor(1), 16u);
  EXPECT_EQ(IdIndex::CapacityFor(16), 24u);
  EXPECT_EQ(IdIndex::CapacityFor(22), 32u);
  EXPECT_EQ(IdIndex::CapacityFor(25), 40u);
  // The 10 M store's persons and jobs (bench/RESULTS.md, session 34).
  EXPECT_EQ(IdIndex::CapacityFor(3'343'005), 5'242'880u);  // 5 * 2^20
  EXPECT_EQ(IdIndex::CapacityFor(3'039'989), 4'194'304u);  // 2^22
  for (size_t entries = 13; entries < 100'000; entries += 7) {
    const size_t capacity = IdIndex::CapacityFor(entries);
    const size_t quarter = std::bit_floor(capacity) / 4;
    ASSERT_EQ(capacity % quarter, 0u) << entries;
    ASSERT_GE(capacity * 3, entries * 4) << entries;
    // The step before: a quarter less, or an eighth less below a power of 2.
    const size_t before =
        capacity - (std::has_single_bit(capacity) ? capacity / 8 : quarter);
    ASSERT_LT(before * 3, entries * 4) << entries;
  }
}

TEST(IdIndexTest, AppendRefusesATagBelowTheLastAndAnEmptyEntry) {
  IdIndex loaded = IdIndex::ForLoad(3);
  EXPECT_TRUE(loaded.Append({.tag = 7, .index = 0}));
  EXPECT_FALSE(loaded.Append({.tag = 6, .index = 1}));
  EXPECT_FALSE(loaded.Append({.tag = 8, .index = IdIndex::kEmpty}));
  EXPECT_TRUE(loaded.Append({.tag = 7, .index = 2}));
  EXPECT_EQ(loaded.size(), 2u);
}

TEST(IdIndexTest, ReassignPointsAnIdAtAnotherIndexOfIt) {
  IdList ids;
  ids.Add("job-1");
  ids.Add("job-2");
  ids.Add("job-1");
  const IdKey key = NewCompactStringMapSeed();
  IdIndex index;
  index.Insert(ids, 0, IdHashOf(key, "job-1"));
  index.Insert(ids, 1, IdHashOf(key, "job-2"));
  index.Reassign(ids, Hashed(key, "job-1"), 2);
  EXPECT_EQ(index.Find(ids, Hashed(key, "job-1")), 2u);
  EXPECT_EQ(index.Find(ids, Hashed(key, "job-2")), 1u);
  EXPECT_EQ(index.size(), 2u);
}

// The hash is stored on disk (checkpoint layout 5, under the key of section
// 12): SipHash-2-4 under the key, read little-endian. The values are those
// of a separate implementation of SipHash-2-4 (checked against the paper's
// test vector) under the key "banen.idindex.v3".
TEST(IdIndexTest, TheHashOfAnIdIsSipHashUnderTheKey) {
  const IdKey key = {'b', 'a', 'n', 'e', 'n', '.', 'i', 'd',
                     'i', 'n', 'd', 'e', 'x', '.', 'v', '3'};
  EXPECT_EQ(IdHashOf(key, ""), uint64_t{7707295740936089303u});
  EXPECT_EQ(IdHashOf(key, "person-1"), uint64_t{3076035465534265314u});
  EXPECT_EQ(IdHashOf(key, "job-12345678901"), uint64_t{4157810514876993195u});
}

}  // namespace
}  // namespace banen
