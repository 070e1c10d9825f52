#include "services/head_signer.h"

#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"

namespace banen {

absl::StatusOr<SignedCheckpoint> HeadSigner::Sign(uint64_t tree_size) const {
  const uint64_t head = log_.GetHead().seq;
  if (tree_size == 0) tree_size = head;
  if (tree_size == 0) {
    return absl::FailedPreconditionError(
        "the log is empty: there is no head to sign");
  }
  if (tree_size > head) {
    return absl::OutOfRangeError(
        absl::StrCat("tree_size ", tree_size, " is past the head, seq ", head));
  }
  SignedCheckpoint result;
  Checkpoint& checkpoint = result.checkpoint;
  checkpoint.origin = signer_.name();
  checkpoint.tree_size = tree_size;
  ASSIGN_OR_RETURN(checkpoint.root, log_.MerkleRoot(tree_size));
  ASSIGN_OR_RETURN(const StoredEvent last, log_.GetBySeq(tree_size));
  checkpoint.chain_hash = last.hash;
  checkpoint.recorded_at = last.recorded_at;
  ASSIGN_OR_RETURN(result.note, SignCheckpoint(checkpoint, signer_));
  return result;
}

}  // namespace banen
