#include "projections/id_index.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

#include "ledger/prefetch.h"

namespace banen {
namespace {

// Slots past the home slots reserved up front, so that the entries of the
// last home slots rarely move the table when they run past its end.
constexpr size_t kSpareSlots = 64;

}  // namespace

size_t IdIndex::CapacityFor(size_t entries) {
  if (entries == 0) return 0;
  size_t capacity = 16;
  while (capacity * 3 < entries * 4) capacity += std::bit_floor(capacity) / 4;
  return capacity;
}

size_t IdIndex::FirstSlotOf(uint32_t tag) const {
  if (capacity_ == 0) return slots_.size();
  for (size_t slot = Home(tag); slot < slots_.size(); ++slot) {
    const Entry& entry = slots_[slot];
    if (entry.index == kEmpty || entry.tag > tag) break;
    if (entry.tag == tag) return slot;
  }
  return slots_.size();
}

size_t IdIndex::SlotOf(const IdList& ids, const HashedId& id) const {
  const uint32_t tag = TagOf(id.hash);
  // The entries of a tag sit next to each other.
  for (size_t slot = FirstSlotOf(tag); slot < slots_.size(); ++slot) {
    const Entry& entry = slots_[slot];
    if (entry.index == kEmpty || entry.tag != tag) break;
    if (ids[entry.index] == id.id) return slot;
  }
  return slots_.size();
}

uint32_t IdIndex::Find(const IdList& ids, const HashedId& id) const {
  const size_t slot = SlotOf(ids, id);
  return slot == slots_.size() ? kEmpty : slots_[slot].index;
}

void IdIndex::Prefetch(const HashedId& id) const {
  if (capacity_ > 0) PrefetchForRead(&slots_[Home(TagOf(id.hash))]);
}

uint32_t IdIndex::Probe(const HashedId& id) const {
  const size_t slot = FirstSlotOf(TagOf(id.hash));
  return slot == slots_.size() ? kEmpty : slots_[slot].index;
}

void IdIndex::Insert(const IdList& ids, uint32_t index, uint64_t hash) {
  Reserve(size_ + 1);
  const Entry added{TagOf(hash), index};
  const std::string_view id = ids[index];
  // After the entries that sort before it; those after it move up a slot,
  // up to the first empty one.
  size_t slot = Home(added.tag);
  for (; slot < slots_.size(); ++slot) {
    const Entry& entry = slots_[slot];
    if (entry.index == kEmpty || entry.tag > added.tag ||
        (entry.tag == added.tag && ids[entry.index] > id)) {
      break;
    }
  }
  Entry carried = added;
  for (; slot < slots_.size(); ++slot) {
    std::swap(carried, slots_[slot]);
    if (carried.index == kEmpty) break;
  }
  if (carried.index != kEmpty) slots_.push_back(carried);
  ++size_;
}

void IdIndex::Reassign(const IdList& ids, const HashedId& id, uint32_t index) {
  const size_t slot = SlotOf(ids, id);
  if (slot < slots_.size()) slots_[slot].index = index;
}

void IdIndex::Reserve(size_t entries) {
  // CapacityFor(entries) <= capacity_, without its loop: Insert asks this.
  if (entries * 4 <= capacity_ * 3) return;
  // In order, so each goes after the one before: no id is read. Into the
  // home slots made empty up front, as FinishLoad() would leave them.
  IdIndex grown = ForLoad(entries);
  grown.slots_.resize(grown.capacity_);
  size_t next = 0;  // the first slot after the last entry placed
  ForEach([&](const Entry& entry) {
    const size_t slot = std::max<size_t>(grown.Home(entry.tag), next);
    if (slot < grown.slots_.size()) {
      grown.slots_[slot] = entry;
    } else {
      grown.slots_.push_back(entry);
    }
    next = slot + 1;
  });
  grown.size_ = size_;
  *this = std::move(grown);
}

void IdIndex::PlaceLast(Entry entry) {
  slots_.resize(std::max<size_t>(Home(entry.tag), slots_.size()));
  slots_.push_back(entry);
  ++size_;
}

IdIndex IdIndex::ForLoad(size_t entries) {
  IdIndex index;
  index.capacity_ = CapacityFor(entries);
  if (index.capacity_ > 0) index.slots_.reserve(index.capacity_ + kSpareSlots);
  return index;
}

bool IdIndex::Append(Entry entry) {
  if (entry.index == kEmpty || (size_ > 0 && entry.tag < slots_.back().tag)) {
    return false;
  }
  PlaceLast(entry);
  return true;
}

void IdIndex::FinishLoad() {
  if (slots_.size() < capacity_) slots_.resize(capacity_);
}

}  // namespace banen
