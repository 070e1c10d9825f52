#include "ledger/id_list.h"

#include <cstring>
#include <utility>

namespace banen {

void IdList::MoveTo(size_t capacity) {
  HugeBytes moved(capacity);
  // memcpy's pointers must not be null, even for no bytes: the first move
  // has none to copy.
  if (used_ > 0) std::memcpy(moved.data(), bytes_.data(), used_);
  bytes_ = std::move(moved);
}

}  // namespace banen
