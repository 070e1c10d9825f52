#include "ledger/merkle.h"

#include <bit>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace banen::merkle {
namespace {

using Leaves = std::vector<std::string>;
using Path = std::vector<Hash>;

Hash FromHex(absl::string_view hex) {
  const std::string bytes = absl::HexStringToBytes(hex);
  Hash hash{};
  EXPECT_EQ(bytes.size(), hash.size()) << hex;
  std::copy_n(bytes.begin(), std::min(bytes.size(), hash.size()), hash.begin());
  return hash;
}

// The RFC 9162 §2.1 definitions, written out as the text states them, over
// the leaves D[lo:hi]: the reference the tree-walking code is compared with.
uint64_t LargestPowerOfTwoBelow(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash Mth(const Leaves& d, uint64_t lo, uint64_t hi) {
  if (hi == lo) return EmptyRoot();
  if (hi - lo == 1) return LeafHash(d[lo]);
  const uint64_t k = LargestPowerOfTwoBelow(hi - lo);
  return NodeHash(Mth(d, lo, lo + k), Mth(d, lo + k, hi));
}

Path ReferencePath(uint64_t m, const Leaves& d, uint64_t lo, uint64_t hi) {
  if (hi - lo == 1) return {};
  const uint64_t k = LargestPowerOfTwoBelow(hi - lo);
  Path path;
  if (m < k) {
    path = ReferencePath(m, d, lo, lo + k);
    path.push_back(Mth(d, lo + k, hi));
  } else {
    path = ReferencePath(m - k, d, lo + k, hi);
    path.push_back(Mth(d, lo, lo + k));
  }
  return path;
}

Path ReferenceSubproof(uint64_t m, const Leaves& d, uint64_t lo, uint64_t hi,
                       bool b) {
  const uint64_t n = hi - lo;
  if (m == n) {
    if (b) return {};
    return {Mth(d, lo, hi)};
  }
  const uint64_t k = LargestPowerOfTwoBelow(n);
  Path proof;
  if (m <= k) {
    proof = ReferenceSubproof(m, d, lo, lo + k, b);
    proof.push_back(Mth(d, lo + k, hi));
  } else {
    proof = ReferenceSubproof(m - k, d, lo + k, hi, false);
    proof.push_back(Mth(d, lo, lo + k));
  }
  return proof;
}

Path ReferenceProof(uint64_t m, const Leaves& d, uint64_t n) {
  if (m == n) return {};
  return ReferenceSubproof(m, d, 0, n, true);
}

// A subtree source over leaves held in memory.
class Source {
 public:
  explicit Source(const Leaves& leaves) : leaves_(leaves) {}
  absl::StatusOr<Hash> operator()(int level, uint64_t index) const {
    ++calls_;
    const uint64_t width = uint64_t{1} << level;
    return Mth(leaves_, index * width, (index + 1) * width);
  }
  int calls() const { return calls_; }

 private:
  const Leaves& leaves_;
  mutable int calls_ = 0;
};

Leaves NumberedLeaves(int count) {
  Leaves leaves;
  for (int i = 0; i < count; ++i) leaves.push_back(absl::StrCat("leaf ", i));
  return leaves;
}

// RFC 6962's reference data (certificate-transparency's merkle tests, used by
// certificate-transparency-go and the Go checksum database's tlog tests).
const Leaves& ReferenceLeaves() {
  static const Leaves* const kLeaves = new Leaves{
      "",
      absl::HexStringToBytes("00"),
      absl::HexStringToBytes("10"),
      absl::HexStringToBytes("2021"),
      absl::HexStringToBytes("3031"),
      absl::HexStringToBytes("40414243"),
      absl::HexStringToBytes("5051525354555657"),
      absl::HexStringToBytes("606162636465666768696a6b6c6d6e6f"),
  };
  return *kLeaves;
}

constexpr const char* kReferenceRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

Hash ReferenceRoot(uint64_t size) { return FromHex(kReferenceRoots[size]); }

TEST(Merkle, RootsMatchTheRfc6962ReferenceTree) {
  const Source source(ReferenceLeaves());
  for (uint64_t size = 0; size <= 8; ++size) {
    EXPECT_EQ(Root(size, source).value(), ReferenceRoot(size))
        << "size " << size;
  }
}

TEST(Merkle, InclusionPathsMatchTheRfc6962ReferenceVectors) {
  struct Vector {
    uint64_t index;
    uint64_t size;
    std::vector<const char*> path;
  };
  const std::vector<Vector> vectors = {
      {0, 1, {}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       3,
       {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  const Source source(ReferenceLeaves());
  for (const Vector& vector : vectors) {
    Path expected;
    for (const char* hex : vector.path) expected.push_back(FromHex(hex));
    EXPECT_EQ(InclusionPath(vector.index, vector.size, source).value(),
              expected)
        << vector.index << " of " << vector.size;
    EXPECT_TRUE(VerifyInclusion(LeafHash(ReferenceLeaves()[vector.index]),
                                vector.index, vector.size, expected,
                                ReferenceRoot(vector.size))
                    .ok());
  }
}

TEST(Merkle, ConsistencyProofsMatchTheRfc6962ReferenceVectors) {
  struct Vector {
    uint64_t first;
    uint64_t second;
    std::vector<const char*> proof;
  };
  const std::vector<Vector> vectors = {
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  const Source source(ReferenceLeaves());
  for (const Vector& vector : vectors) {
    Path expected;
    for (const char* hex : vector.proof) expected.push_back(FromHex(hex));
    EXPECT_EQ(ConsistencyPath(vector.first, vector.second, source).value(),
              expected)
        << vector.first << " to " << vector.second;
    EXPECT_TRUE(VerifyConsistency(vector.first, vector.second,
                                  ReferenceRoot(vector.first),
                                  ReferenceRoot(vector.second), expected)
                    .ok());
  }
}

TEST(Merkle, EveryInclusionPathUpTo70LeavesMatchesTheRfcAndVerifies) {
  const Leaves leaves = NumberedLeaves(70);
  const Source source(leaves);
  for (uint64_t size = 1; size <= 70; ++size) {
    const Hash root = Mth(leaves, 0, size);
    ASSERT_EQ(Root(size, source).value(), root) << size;
    for (uint64_t index = 0; index < size; ++index) {
      const Path path = InclusionPath(index, size, source).value();
      ASSERT_EQ(path, ReferencePath(index, leaves, 0, size))
          << index << " of " << size;
      ASSERT_TRUE(
          VerifyInclusion(LeafHash(leaves[index]), index, size, path, root)
              .ok())
          << index << " of " << size;
    }
  }
}

TEST(Merkle, EveryConsistencyProofUpTo70LeavesMatchesTheRfcAndVerifies) {
  const Leaves leaves = NumberedLeaves(70);
  const Source source(leaves);
  for (uint64_t second = 1; second <= 70; ++second) {
    const Hash second_root = Mth(leaves, 0, second);
    for (uint64_t first = 1; first <= second; ++first) {
      const Path proof = ConsistencyPath(first, second, source).value();
      ASSERT_EQ(proof, ReferenceProof(first, leaves, second))
          << first << " to " << second;
      ASSERT_TRUE(VerifyConsistency(first, second, Mth(leaves, 0, first),
                                    second_root, proof)
                      .ok())
          << first << " to " << second;
    }
  }
}

TEST(Merkle, ProofsAskForLogarithmicallyManySubtrees) {
  const Leaves leaves = NumberedLeaves(1000);
  const Source root_source(leaves);
  ASSERT_TRUE(Root(999, root_source).ok());
  // 999 = 512 + 256 + 128 + 64 + 32 + 4 + 2 + 1: one subtree per set bit.
  EXPECT_EQ(root_source.calls(), 8);
  const Source path_source(leaves);
  ASSERT_TRUE(InclusionPath(3, 999, path_source).ok());
  // Nine complete siblings up to level 8, and the right edge of 999 - 512.
  EXPECT_EQ(path_source.calls(), 9 + 7);
}

TEST(Merkle, VerifyInclusionRejectsAWrongSibling) {
  const Leaves leaves = NumberedLeaves(13);
  const Source source(leaves);
  Path path = InclusionPath(6, 13, source).value();
  path[1][0] ^= 1;
  const absl::Status status =
      VerifyInclusion(LeafHash(leaves[6]), 6, 13, path, Mth(leaves, 0, 13));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("leads to root"), absl::string_view::npos)
      << status;
}

TEST(Merkle, VerifyInclusionRejectsAProofForAnotherLeaf) {
  const Leaves leaves = NumberedLeaves(13);
  const Source source(leaves);
  const Hash root = Mth(leaves, 0, 13);
  const Path path_of_7 = InclusionPath(7, 13, source).value();
  // Leaf 6's hash with leaf 7's path, and leaf 7's hash claimed as index 6.
  EXPECT_EQ(VerifyInclusion(LeafHash(leaves[6]), 7, 13, path_of_7, root).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(VerifyInclusion(LeafHash(leaves[7]), 6, 13, path_of_7, root).code(),
            absl::StatusCode::kDataLoss);
}

TEST(Merkle, VerifyInclusionRejectsAnExtraOrAMissingNode) {
  const Leaves leaves = NumberedLeaves(13);
  const Source source(leaves);
  const Hash root = Mth(leaves, 0, 13);
  const Hash leaf = LeafHash(leaves[4]);
  Path longer = InclusionPath(4, 13, source).value();
  Path shorter = longer;
  longer.push_back(root);
  shorter.pop_back();
  const absl::Status extra = VerifyInclusion(leaf, 4, 13, longer, root);
  EXPECT_EQ(extra.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(extra.message(),
            "the inclusion proof of leaf 4 in a tree of 13 has 5 nodes; it "
            "needs 4");
  EXPECT_EQ(VerifyInclusion(leaf, 4, 13, shorter, root).code(),
            absl::StatusCode::kDataLoss);
}

TEST(Merkle, VerifyInclusionRejectsAnIndexOutsideTheTree) {
  const Hash leaf = LeafHash("x");
  EXPECT_EQ(VerifyInclusion(leaf, 0, 0, {}, EmptyRoot()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(leaf, 1, 1, {}, leaf).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(VerifyInclusion(leaf, 0, 1, {}, leaf).ok());
}

TEST(Merkle, VerifyConsistencyRejectsATreeThatIsNotAPrefix) {
  const Leaves leaves = NumberedLeaves(20);
  Leaves forked = leaves;
  forked[3] = "rewritten";
  const Source source(leaves);
  // The server proves its real history, but the auditor holds the root of a
  // first tree that differs in leaf 3.
  const Path proof = ConsistencyPath(7, 20, source).value();
  const absl::Status status =
      VerifyConsistency(7, 20, Mth(forked, 0, 7), Mth(leaves, 0, 20), proof);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("not its prefix"), absl::string_view::npos)
      << status;
  // And a proof made over the forked history does not lead to the real root.
  const Source forked_source(forked);
  EXPECT_EQ(VerifyConsistency(7, 20, Mth(forked, 0, 7), Mth(leaves, 0, 20),
                              ConsistencyPath(7, 20, forked_source).value())
                .code(),
            absl::StatusCode::kDataLoss);
}

TEST(Merkle, VerifyConsistencyRejectsAnExtraOrAMissingNode) {
  const Leaves leaves = NumberedLeaves(20);
  const Source source(leaves);
  const Hash first = Mth(leaves, 0, 6);
  const Hash second = Mth(leaves, 0, 20);
  Path longer = ConsistencyPath(6, 20, source).value();
  Path shorter = longer;
  longer.push_back(second);
  shorter.pop_back();
  EXPECT_EQ(VerifyConsistency(6, 20, first, second, longer).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(VerifyConsistency(6, 20, first, second, shorter).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(VerifyConsistency(6, 20, first, second, {}).code(),
            absl::StatusCode::kDataLoss);
}

TEST(Merkle, VerifyConsistencyOfEqualSizesNeedsNoNodesAndEqualRoots) {
  const Hash root = LeafHash("a");
  EXPECT_TRUE(VerifyConsistency(1, 1, root, root, {}).ok());
  EXPECT_EQ(VerifyConsistency(1, 1, root, LeafHash("b"), {}).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(VerifyConsistency(1, 1, root, root, Path{root}).code(),
            absl::StatusCode::kDataLoss);
}

TEST(Merkle, VerifyConsistencyRejectsSizesThatNameNoProof) {
  const Hash root = LeafHash("a");
  EXPECT_EQ(VerifyConsistency(0, 1, EmptyRoot(), root, {}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(2, 1, root, root, {}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Merkle, ProofGenerationRefusesSizesThatNameNoProof) {
  const Leaves leaves = NumberedLeaves(4);
  const Source source(leaves);
  EXPECT_EQ(InclusionPath(4, 4, source).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyPath(0, 4, source).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyPath(4, 3, source).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Merkle, SourceErrorsArePassedOn) {
  const auto failing = [](int, uint64_t) -> absl::StatusOr<Hash> {
    return absl::DataLossError("node missing");
  };
  EXPECT_EQ(Root(5, failing).status(), absl::DataLossError("node missing"));
}

TEST(MerkleFrontier, RootAndCompletedSubtreesFollowEveryAppend) {
  const Leaves leaves = NumberedLeaves(70);
  const Source source(leaves);
  Frontier frontier;
  EXPECT_EQ(frontier.Root(), EmptyRoot());
  int completed = 0;
  for (uint64_t size = 1; size <= 70; ++size) {
    frontier.Append(LeafHash(leaves[size - 1]), [&](int level, uint64_t index,
                                                    const Hash& hash) {
      ++completed;
      EXPECT_EQ(hash, source(level, index).value()) << level << "/" << index;
      EXPECT_EQ((index + 1) << level, size);
    });
    ASSERT_EQ(frontier.size(), size);
    ASSERT_EQ(frontier.Root(), Mth(leaves, 0, size)) << size;
  }
  // Every complete subtree above the leaves once: 35 + 17 + 8 + 4 + 2 + 1.
  EXPECT_EQ(completed, 67);
}

TEST(MerkleFrontier, RestoredFromItsSubtreesItGoesOnAsBefore) {
  const Leaves leaves = NumberedLeaves(70);
  const Source source(leaves);
  Frontier frontier = Frontier::Restore(45, source).value();
  // 45 = 32 + 8 + 4 + 1.
  EXPECT_EQ(source.calls(), 4);
  for (uint64_t size = 46; size <= 70; ++size) {
    frontier.Append(LeafHash(leaves[size - 1]));
    ASSERT_EQ(frontier.Root(), Mth(leaves, 0, size)) << size;
  }
}

}  // namespace
}  // namespace banen::merkle
