// The RFC 9162 §2.1 Merkle tree hash over the log (docs/CHAIN_FORMAT.md):
// pure functions, no I/O, shared by the EventLog (which generates proofs from
// its stored nodes) and every client that checks them (banenctl, tests).
//
// Leaves are numbered from 0; leaf i of the log is the canonical bytes of
// seq i + 1. A complete subtree is named by (level, index): it holds the
// 2^level leaves [index << level, (index + 1) << level); level 0 is a leaf.
//
// Verifier errors: INVALID_ARGUMENT when the sizes or the index cannot name a
// proof (size 0, index >= size, first_size > second_size), DATA_LOSS when the
// proof does not prove the claim; the message says why (a wrong number of
// nodes, a root that does not match).
#ifndef BANEN_LEDGER_MERKLE_H_
#define BANEN_LEDGER_MERKLE_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ledger/event.h"

namespace banen::merkle {

// SHA-256(0x00 || leaf).
Hash LeafHash(std::string_view leaf);
// SHA-256(0x01 || left || right).
Hash NodeHash(const Hash& left, const Hash& right);
// The root of the tree of no leaves: SHA-256 of nothing.
Hash EmptyRoot();

// The hash of the complete subtree (level, index); the proof generators only
// ask for subtrees that lie inside the tree they were given.
using SubtreeSource =
    absl::FunctionRef<absl::StatusOr<Hash>(int level, uint64_t index)>;

// MTH of the first `tree_size` leaves; EmptyRoot() for 0. Asks `source` for
// O(log n) subtrees, and passes its errors on.
absl::StatusOr<Hash> Root(uint64_t tree_size, SubtreeSource source);
// PATH(index, D[tree_size]) (RFC 9162 §2.1.3.1), from the leaf's sibling up.
// INVALID_ARGUMENT unless index < tree_size.
absl::StatusOr<std::vector<Hash>> InclusionPath(uint64_t index,
                                                uint64_t tree_size,
                                                SubtreeSource source);
// PROOF(first_size, D[second_size]) (RFC 9162 §2.1.4.1); empty when the sizes
// are equal. INVALID_ARGUMENT unless 0 < first_size <= second_size.
absl::StatusOr<std::vector<Hash>> ConsistencyPath(uint64_t first_size,
                                                  uint64_t second_size,
                                                  SubtreeSource source);

// RFC 9162 §2.1.3.2: `path` proves that `leaf_hash` is leaf `index` of the
// tree of `tree_size` leaves whose root is `root`. Exactly the nodes the
// algorithm consumes are accepted: one more or one less is DATA_LOSS.
absl::Status VerifyInclusion(const Hash& leaf_hash, uint64_t index,
                             uint64_t tree_size, absl::Span<const Hash> path,
                             const Hash& root);
// RFC 9162 §2.1.4.2: `proof` proves that the tree of `second_size` leaves
// with root `second_root` extends the tree of `first_size` leaves with root
// `first_root`. Equal sizes need an empty proof and equal roots. First size 0
// is INVALID_ARGUMENT: the RFC defines no proof from the empty tree, and
// every tree trivially extends it.
absl::Status VerifyConsistency(uint64_t first_size, uint64_t second_size,
                               const Hash& first_root, const Hash& second_root,
                               absl::Span<const Hash> proof);

// The right edge of a growing tree: the root of one complete subtree per set
// bit of its size, which is all that appending needs. The writer of a log
// keeps one in memory.
class Frontier {
 public:
  // The frontier of `size` leaves, from the complete subtrees it consists of
  // (as many as size has set bits).
  static absl::StatusOr<Frontier> Restore(uint64_t size, SubtreeSource source);

  uint64_t size() const { return size_; }
  // Appends a leaf and calls `completed(level, index, hash)` for each
  // complete subtree above the leaf that it completes, from level 1 up.
  void Append(
      const Hash& leaf_hash,
      absl::FunctionRef<void(int level, uint64_t index, const Hash& hash)>
          completed);
  // Appends a leaf, for a caller that keeps no subtrees.
  void Append(const Hash& leaf_hash);
  // MTH of the size() leaves.
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  // subtrees_[level]: the complete subtree of 2^level leaves on the edge, if
  // bit `level` of size_ is set.
  std::array<Hash, 64> subtrees_{};
};

}  // namespace banen::merkle

#endif  // BANEN_LEDGER_MERKLE_H_
