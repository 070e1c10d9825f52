// CompactVector (ledger/compact_vector.h): inserts, erasures and resizes
// through the move to the heap and back, copies and moves, checked against a
// std::vector doing the same.
#include "ledger/compact_vector.h"

#include <cstdint>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace banen {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// 8 bytes, 4-aligned, like the ledger's timeline entries.
struct Entry {
  int32_t day = 0;
  uint32_t seq = 0;
  bool operator==(const Entry&) const = default;
};
using Entries = CompactVector<Entry, 3>;

std::vector<Entry> Contents(const Entries& entries) {
  return std::vector<Entry>(entries.begin(), entries.end());
}

TEST(CompactVector, TakesNoMoreThanItsSizeAndPlaceForN) {
  static_assert(sizeof(Entries) == 4 + 3 * sizeof(Entry));
  static_assert(alignof(Entries) == 4);
  static_assert(sizeof(CompactVector<uint32_t, 2>) == 12);
}

TEST(CompactVector, KeepsOrderThroughTheMoveToTheHeap) {
  Entries entries;
  for (uint32_t seq = 1; seq <= 5; ++seq) entries.push_back({0, seq});
  EXPECT_THAT(Contents(entries),
              ElementsAre(Entry{0, 1}, Entry{0, 2}, Entry{0, 3}, Entry{0, 4},
                          Entry{0, 5}));
}

TEST(CompactVector, InsertsAtFrontMiddleAndBackAcrossTheSpill) {
  Entries entries;
  entries.push_back({2, 2});
  entries.insert(entries.begin(), {1, 1});
  entries.insert(entries.end(), {4, 4});
  // The fourth element moves the list to the heap, inserted in the middle.
  const Entry* at = entries.insert(entries.begin() + 2, {3, 3});
  EXPECT_EQ(at, entries.begin() + 2);
  EXPECT_THAT(Contents(entries),
              ElementsAre(Entry{1, 1}, Entry{2, 2}, Entry{3, 3}, Entry{4, 4}));
}

TEST(CompactVector, InsertsACopyOfItsOwnElement) {
  Entries entries;
  for (uint32_t seq = 1; seq <= 3; ++seq) entries.push_back({0, seq});
  // The insert that spills reads the value after moving the elements.
  entries.insert(entries.begin(), entries[2]);
  EXPECT_THAT(Contents(entries),
              ElementsAre(Entry{0, 3}, Entry{0, 1}, Entry{0, 2}, Entry{0, 3}));
}

TEST(CompactVector, ErasingBackToNMovesInPlaceAgain) {
  Entries entries;
  for (uint32_t seq = 1; seq <= 5; ++seq) entries.push_back({0, seq});
  const Entry* next = entries.erase(entries.begin() + 1, entries.begin() + 3);
  EXPECT_EQ(next, entries.begin() + 1);
  EXPECT_THAT(Contents(entries),
              ElementsAre(Entry{0, 1}, Entry{0, 4}, Entry{0, 5}));
  entries.erase(entries.begin(), entries.end());
  EXPECT_TRUE(entries.empty());
}

TEST(CompactVector, ResizeValueInitializesNewElements) {
  Entries entries;
  entries.push_back({7, 7});
  entries.resize(6);
  EXPECT_THAT(Contents(entries), ElementsAre(Entry{7, 7}, Entry{}, Entry{},
                                             Entry{}, Entry{}, Entry{}));
  entries.resize(1);
  EXPECT_THAT(Contents(entries), ElementsAre(Entry{7, 7}));
}

TEST(CompactVector, CopiesAreIndependentInPlaceAndOnTheHeap) {
  for (const uint32_t size : {2u, 7u}) {
    Entries original;
    for (uint32_t seq = 1; seq <= size; ++seq) original.push_back({0, seq});
    Entries copy = original;
    copy[0].seq = 100;
    EXPECT_EQ(original[0].seq, 1u);
    Entries assigned;
    assigned.resize(9);
    assigned = original;
    EXPECT_EQ(Contents(assigned), Contents(original));
  }
}

TEST(CompactVector, MovesLeaveTheSourceEmpty) {
  Entries heap_list;
  for (uint32_t seq = 1; seq <= 6; ++seq) heap_list.push_back({0, seq});
  const Entry* elements = heap_list.begin();
  Entries moved = std::move(heap_list);
  EXPECT_EQ(moved.begin(), elements);  // the block itself, not a copy
  EXPECT_EQ(moved.size(), 6u);
  EXPECT_TRUE(heap_list.empty());  // NOLINT(bugprone-use-after-move)
  Entries target;
  target.push_back({9, 9});
  target = std::move(moved);
  EXPECT_EQ(target.size(), 6u);
  EXPECT_EQ(target.back(), (Entry{0, 6}));
}

// Random inserts, erasures and resizes against a std::vector doing the same:
// sizes wander across the spill at N and the heap blocks' doublings.
TEST(CompactVector, MatchesAStdVectorUnderRandomChanges) {
  std::mt19937 random(15);  // 32-bit draws
  Entries entries;
  std::vector<Entry> model;
  for (int step = 0; step < 20000; ++step) {
    const auto size = static_cast<uint32_t>(model.size());
    const auto choice = static_cast<uint32_t>(random() % 10);
    if (choice < 5 || size == 0) {
      const auto at = static_cast<uint32_t>(random() % (size + 1));
      const Entry entry{static_cast<int32_t>(step),
                        static_cast<uint32_t>(random())};
      entries.insert(entries.begin() + at, entry);
      model.insert(model.begin() + at, entry);
    } else if (choice < 9) {
      const auto from = static_cast<uint32_t>(random() % size);
      const auto to =
          static_cast<uint32_t>(from + random() % (size - from + 1));
      entries.erase(entries.begin() + from, entries.begin() + to);
      model.erase(model.begin() + from, model.begin() + to);
    } else {
      const auto resized = static_cast<uint32_t>(random() % 12);
      entries.resize(resized);
      model.resize(resized);
    }
    ASSERT_THAT(Contents(entries), ElementsAreArray(model)) << "step " << step;
  }
}

}  // namespace
}  // namespace banen
