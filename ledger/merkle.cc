#include "ledger/merkle.h"

#include <bit>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/absl_compat.h"
#include "ledger/internal/sha256.h"
#include "ledger/status_macros.h"

namespace banen::merkle {
namespace {

// The size of the left subtree of a tree of n >= 2 leaves: the largest power
// of two below n (RFC 9162 §2.1.1).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[lo:hi]) from the complete subtrees it is made of.
absl::StatusOr<Hash> RangeHash(uint64_t lo, uint64_t hi, SubtreeSource source) {
  const uint64_t n = hi - lo;
  if (std::has_single_bit(n) && lo % n == 0) {
    return source(std::countr_zero(n), lo / n);
  }
  const uint64_t k = SplitPoint(n);
  ASSIGN_OR_RETURN(const Hash left, RangeHash(lo, lo + k, source));
  ASSIGN_OR_RETURN(const Hash right, RangeHash(lo + k, hi, source));
  return NodeHash(left, right);
}

// PATH(m, D[lo:hi]), appended to `out` from the bottom up.
absl::Status AppendPath(uint64_t m, uint64_t lo, uint64_t hi,
                        SubtreeSource source, std::vector<Hash>& out) {
  if (hi - lo == 1) return absl::OkStatus();
  const uint64_t k = SplitPoint(hi - lo);
  if (m < lo + k) {
    RETURN_IF_ERROR(AppendPath(m, lo, lo + k, source, out));
    ASSIGN_OR_RETURN(const Hash right, RangeHash(lo + k, hi, source));
    out.push_back(right);
  } else {
    RETURN_IF_ERROR(AppendPath(m, lo + k, hi, source, out));
    ASSIGN_OR_RETURN(const Hash left, RangeHash(lo, lo + k, source));
    out.push_back(left);
  }
  return absl::OkStatus();
}

// SUBPROOF(m, D[lo:hi], b), appended to `out` from the bottom up.
absl::Status AppendSubproof(uint64_t m, uint64_t lo, uint64_t hi,
                            bool whole_first_tree, SubtreeSource source,
                            std::vector<Hash>& out) {
  if (m == hi - lo) {
    if (!whole_first_tree) {
      ASSIGN_OR_RETURN(const Hash node, RangeHash(lo, hi, source));
      out.push_back(node);
    }
    return absl::OkStatus();
  }
  const uint64_t k = SplitPoint(hi - lo);
  if (m <= k) {
    RETURN_IF_ERROR(
        AppendSubproof(m, lo, lo + k, whole_first_tree, source, out));
    ASSIGN_OR_RETURN(const Hash right, RangeHash(lo + k, hi, source));
    out.push_back(right);
  } else {
    RETURN_IF_ERROR(AppendSubproof(m - k, lo + k, hi, false, source, out));
    ASSIGN_OR_RETURN(const Hash left, RangeHash(lo, lo + k, source));
    out.push_back(left);
  }
  return absl::OkStatus();
}

// The walk up the tree that both verifiers make (RFC 9162 §2.1.3.2 step 4,
// §2.1.4.2 step 6): fn is the node's index in its level, sn the last index of
// that level.
class Walk {
 public:
  Walk(uint64_t fn, uint64_t sn) : fn_(fn), sn_(sn) {}

  // Past the root: every proof node is consumed.
  bool Done() const { return sn_ == 0; }
  // Climbs one proof node; true if that node is the left sibling.
  bool Climb() {
    const bool left = (fn_ & 1) != 0 || fn_ == sn_;
    if (left) {
      while ((fn_ & 1) == 0 && fn_ != 0) Shift();
    }
    Shift();
    return left;
  }
  // §2.1.4.2 step 4: the first tree's right edge.
  void SkipSetLowBits() {
    while ((fn_ & 1) != 0) Shift();
  }
  // The proof nodes left to climb.
  size_t Remaining() const {
    Walk copy = *this;
    size_t count = 0;
    for (; !copy.Done(); ++count) copy.Climb();
    return count;
  }

 private:
  void Shift() {
    fn_ >>= 1;
    sn_ >>= 1;
  }

  uint64_t fn_;
  uint64_t sn_;
};

std::string Hex(const Hash& hash) {
  return absl::BytesToHexString(AbslView(HashBytes(hash)));
}

}  // namespace

Hash LeafHash(std::string_view leaf) {
  return Sha256({std::string_view("\x00", 1), leaf});
}

Hash NodeHash(const Hash& left, const Hash& right) {
  return Sha256(
      {std::string_view("\x01", 1), HashBytes(left), HashBytes(right)});
}

Hash EmptyRoot() { return Sha256({}); }

absl::StatusOr<Hash> Root(uint64_t tree_size, SubtreeSource source) {
  if (tree_size == 0) return EmptyRoot();
  return RangeHash(0, tree_size, source);
}

absl::StatusOr<std::vector<Hash>> InclusionPath(uint64_t index,
                                                uint64_t tree_size,
                                                SubtreeSource source) {
  if (index >= tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf ", index, " is not in a tree of ", tree_size));
  }
  std::vector<Hash> path;
  RETURN_IF_ERROR(AppendPath(index, 0, tree_size, source, path));
  return path;
}

absl::StatusOr<std::vector<Hash>> ConsistencyPath(uint64_t first_size,
                                                  uint64_t second_size,
                                                  SubtreeSource source) {
  if (first_size == 0 || first_size > second_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("no consistency proof goes from a tree of ", first_size,
                     " to a tree of ", second_size));
  }
  std::vector<Hash> proof;
  if (first_size == second_size) return proof;
  RETURN_IF_ERROR(
      AppendSubproof(first_size, 0, second_size, true, source, proof));
  return proof;
}

absl::Status VerifyInclusion(const Hash& leaf_hash, uint64_t index,
                             uint64_t tree_size, absl::Span<const Hash> path,
                             const Hash& root) {
  if (index >= tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf ", index, " is not in a tree of ", tree_size));
  }
  Walk walk(index, tree_size - 1);
  if (const size_t needed = walk.Remaining(); path.size() != needed) {
    return absl::DataLossError(absl::StrCat(
        "the inclusion proof of leaf ", index, " in a tree of ", tree_size,
        " has ", path.size(), " nodes; it needs ", needed));
  }
  Hash r = leaf_hash;
  for (const Hash& node : path) {
    r = walk.Climb() ? NodeHash(node, r) : NodeHash(r, node);
  }
  if (r != root) {
    return absl::DataLossError(absl::StrCat(
        "the inclusion proof of leaf ", index, " in a tree of ", tree_size,
        " leads to root ", Hex(r), ", not ", Hex(root)));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t first_size, uint64_t second_size,
                               const Hash& first_root, const Hash& second_root,
                               absl::Span<const Hash> proof) {
  if (first_size == 0 || first_size > second_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("no consistency proof goes from a tree of ", first_size,
                     " to a tree of ", second_size));
  }
  const std::string sizes =
      absl::StrCat("from a tree of ", first_size, " to one of ", second_size);
  if (first_size == second_size) {
    if (!proof.empty()) {
      return absl::DataLossError(
          absl::StrCat("the consistency proof ", sizes, " has ", proof.size(),
                       " nodes; trees of equal size need none"));
    }
    if (first_root != second_root) {
      return absl::DataLossError(absl::StrCat(
          "two trees of ", first_size, " leaves have different roots ",
          Hex(first_root), " and ", Hex(second_root)));
    }
    return absl::OkStatus();
  }
  // A first tree that is a complete subtree is its own first proof node.
  const bool first_is_complete = std::has_single_bit(first_size);
  Walk walk(first_size - 1, second_size - 1);
  walk.SkipSetLowBits();
  if (const size_t needed = (first_is_complete ? 0 : 1) + walk.Remaining();
      proof.size() != needed) {
    return absl::DataLossError(absl::StrCat("the consistency proof ", sizes,
                                            " has ", proof.size(),
                                            " nodes; it needs ", needed));
  }
  Hash fr = first_is_complete ? first_root : proof.front();
  Hash sr = fr;
  for (const Hash& node : proof.subspan(first_is_complete ? 0 : 1)) {
    if (walk.Climb()) {
      fr = NodeHash(node, fr);
      sr = NodeHash(node, sr);
    } else {
      sr = NodeHash(sr, node);
    }
  }
  if (fr != first_root) {
    return absl::DataLossError(absl::StrCat(
        "the consistency proof ", sizes, " leads to first root ", Hex(fr),
        ", not ", Hex(first_root), ": the first tree is not its prefix"));
  }
  if (sr != second_root) {
    return absl::DataLossError(absl::StrCat("the consistency proof ", sizes,
                                            " leads to second root ", Hex(sr),
                                            ", not ", Hex(second_root)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Frontier> Frontier::Restore(uint64_t size,
                                           SubtreeSource source) {
  Frontier frontier;
  frontier.size_ = size;
  for (int level = 0; level < 64; ++level) {
    if ((size >> level & 1) == 0) continue;
    ASSIGN_OR_RETURN(frontier.subtrees_[level],
                     source(level, (size >> level) - 1));
  }
  return frontier;
}

void Frontier::Append(
    const Hash& leaf_hash,
    absl::FunctionRef<void(int level, uint64_t index, const Hash& hash)>
        completed) {
  Hash hash = leaf_hash;
  int level = 0;
  // Each set low bit is a complete subtree of the same size on the left.
  for (; (size_ >> level & 1) != 0; ++level) {
    hash = NodeHash(subtrees_[level], hash);
    completed(level + 1, ((size_ + 1) >> (level + 1)) - 1, hash);
  }
  subtrees_[level] = hash;
  ++size_;
}

void Frontier::Append(const Hash& leaf_hash) {
  Append(leaf_hash, [](int, uint64_t, const Hash&) {});
}

Hash Frontier::Root() const {
  if (size_ == 0) return EmptyRoot();
  const int lowest = std::countr_zero(size_);
  Hash root = subtrees_[lowest];
  for (int level = lowest + 1; level < 64; ++level) {
    if ((size_ >> level & 1) != 0) root = NodeHash(subtrees_[level], root);
  }
  return root;
}

}  // namespace banen::merkle
