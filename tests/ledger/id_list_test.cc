#include "ledger/id_list.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace banen {
namespace {

// Ids of 0 to 40 bytes over three blocks and more: each reads back as it
// was added, in a list whose ends all fit their 16 bits and in one that
// holds every end past 100 bytes into its block aside.
TEST(IdListTest, ReadsBackEveryIdWhereverItsEndIsHeld) {
  for (const uint16_t largest_offset :
       {uint16_t{UINT16_MAX - 1}, uint16_t{100}}) {
    IdList ids(largest_offset);
    std::vector<std::string> model;
    std::mt19937 random(3);
    for (size_t i = 0; i < 3 * IdList::kBlockIds + 7; ++i) {
      model.push_back(
          std::string(random() % 41, static_cast<char>('a' + i % 26)));
      ids.Add(model.back());
    }
    ASSERT_EQ(ids.size(), model.size());
    for (size_t i = 0; i < model.size(); ++i) {
      EXPECT_EQ(ids[i], model[i]) << largest_offset << " " << i;
    }
  }
}

// Truncated within a block and at a block's start, in lists with ends held
// in place and aside, the ids kept read back as they were, the bytes are
// theirs alone, and ids added after take the places of those dropped.
TEST(IdListTest, IdsAddedAfterATruncationTakeTheDroppedIdsPlaces) {
  for (const uint16_t largest_offset :
       {uint16_t{UINT16_MAX - 1}, uint16_t{100}}) {
    IdList ids(largest_offset);
    std::vector<std::string> model;
    std::mt19937 random(5);
    const auto add = [&](char letter) {
      model.push_back(std::string(random() % 41, letter));
      ids.Add(model.back());
    };
    for (size_t i = 0; i < 2 * IdList::kBlockIds + 9; ++i) add('a');
    for (const size_t keep : {IdList::kBlockIds + 44, IdList::kBlockIds}) {
      ids.TruncateTo(keep);
      model.resize(keep);
      size_t bytes = 0;
      for (const std::string& id : model) bytes += id.size();
      EXPECT_EQ(ids.bytes(), bytes) << largest_offset << " " << keep;
      for (int i = 0; i < 20; ++i) add('b');
      ASSERT_EQ(ids.size(), model.size());
      for (size_t i = 0; i < model.size(); ++i) {
        EXPECT_EQ(ids[i], model[i])
            << largest_offset << " " << keep << " " << i;
      }
    }
  }
}

// Ids of a kilobyte, as a server whose id limit was raised lets in: a
// block's ends pass 64 KiB and are held aside, and each id reads back.
TEST(IdListTest, ReadsBackIdsWhoseBlockPassesTheEndsBits) {
  IdList ids;
  std::vector<std::string> model;
  for (size_t i = 0; i < 2 * IdList::kBlockIds; ++i) {
    model.push_back(std::string(1000 + i % 7, static_cast<char>('a' + i % 26)));
    ids.Add(model.back());
  }
  for (size_t i = 0; i < model.size(); ++i) ASSERT_EQ(ids[i], model[i]) << i;
}

// Ids of 3 MB in all added to a list with room reserved for them: the first
// id stays where it was written, and each reads back; without the room the
// list doubles 20 times and moves.
TEST(IdListTest, ReservedBytesKeepTheIdsInPlace) {
  constexpr size_t kIds = 100'000;
  IdList ids;
  ids.ReserveBytes(kIds * 30);
  ids.Add(std::string(30, 'a'));
  const char* const first = ids[0].data();
  for (size_t i = 1; i < kIds; ++i) {
    ids.Add(std::string(30, static_cast<char>('a' + i % 26)));
  }
  EXPECT_EQ(ids[0].data(), first);
  EXPECT_EQ(ids[kIds - 1],
            std::string(30, static_cast<char>('a' + (kIds - 1) % 26)));
}

// Reserving less than the list holds changes nothing.
TEST(IdListTest, ReservingLessThanHeldKeepsTheIds) {
  IdList ids;
  ids.Add("first");
  ids.Add("second");
  ids.ReserveBytes(1);
  EXPECT_EQ(ids[0], "first");
  EXPECT_EQ(ids[1], "second");
}

}  // namespace
}  // namespace banen
