// HeadSigner: the server's signed heads. Signs the checkpoint (C2SP
// tlog-checkpoint, ledger/signed_note.h) of a tree of the log with the key of
// banen-ledgerd --signing-key, whose name is the log's origin: the Merkle
// root of the first tree_size events, and the chain hash and recorded_at of
// seq tree_size. Ed25519 is deterministic, so a tree's checkpoint is the same
// bytes each time it is signed.
//
// Thread safety: immutable; Sign() may be called concurrently. Ownership:
// borrows the log, which must outlive the signer.
#ifndef BANEN_SERVICES_HEAD_SIGNER_H_
#define BANEN_SERVICES_HEAD_SIGNER_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "ledger/event_log.h"
#include "ledger/signed_note.h"

namespace banen {

struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string note;  // the signed note: body, blank line, signature line
};

class HeadSigner final {
 public:
  HeadSigner(const EventLog& log, const NoteSigner& signer)
      : log_(log), signer_(signer) {}

  // The checkpoint of the first `tree_size` events, 0 meaning the head.
  // FAILED_PRECONDITION for an empty log (there is no head to sign);
  // OUT_OF_RANGE for a size past the head; the log's errors.
  absl::StatusOr<SignedCheckpoint> Sign(uint64_t tree_size) const;

  // The key auditors verify the checkpoints with (note format).
  std::string VerifierKey() const { return signer_.VerifierKey(); }

 private:
  const EventLog& log_;
  const NoteSigner signer_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_HEAD_SIGNER_H_
