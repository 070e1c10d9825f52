// The auditor's checks that need no trust in the server (README "Auditing",
// docs/CHAIN_FORMAT.md): each takes a signed head published elsewhere (with
// a minister's letter, say) and the log's verifier key, asks the server for
// events and proofs, and checks every answer here with the RFC 9162
// verifiers (ledger/merkle.h) and the signed-note verifier
// (ledger/signed_note.h).
//
// Errors: DATA_LOSS when an answer does not prove what it must, naming the
// published head (by its place in the file and its tree size) or the seq;
// INVALID_ARGUMENT for a malformed published head; NOT_FOUND for an event
// that is not in the tree; FAILED_PRECONDITION for a snapshot that cannot be
// checked as asked; a failed call's own status otherwise.
#ifndef BANEN_TOOLS_AUDIT_PROOFS_H_
#define BANEN_TOOLS_AUDIT_PROOFS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "banen/v1/audit.grpc.pb.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "banen/v1/snapshot.grpc.pb.h"
#include "ledger/signed_note.h"

namespace banen {

// The signed notes of a file of published heads: each as GetSignedHead's
// checkpoint holds it (text, a blank line, signature lines), one after
// another; blank lines between them are allowed. INVALID_ARGUMENT, naming
// the line, for text that is not such notes; an empty file holds none.
absl::StatusOr<std::vector<std::string>> SplitSignedNotes(
    std::string_view text);

struct PublishedAudit {
  Checkpoint current;           // the server's head, signed and checked
  size_t heads_checked = 0;     // published heads consistent with it
  uint64_t events_checked = 0;  // events whose chain was recomputed
};

// `banenctl verify --published`: checks each published head's signature,
// then the server's current signed head, then that each published head is a
// prefix of it (a consistency proof), then the chain and the Merkle root of
// every event up to it, recomputed here through every published head.
absl::StatusOr<PublishedAudit> AuditPublishedHeads(
    v1::LedgerService::StubInterface& ledger,
    v1::AuditService::StubInterface& audit, const NoteVerifier& verifier,
    const std::vector<std::string>& published);

struct EventInclusion {
  uint64_t seq = 0;
  Checkpoint head;  // the published head it is proved under
};

// `banenctl prove`: the event `event_id` is in the tree of the published
// head `head_note`, by an inclusion proof checked against its signed root.
absl::StatusOr<EventInclusion> ProveEvent(
    v1::LedgerService::StubInterface& ledger,
    v1::AuditService::StubInterface& audit, const NoteVerifier& verifier,
    std::string_view head_note, std::string_view event_id);

struct Rederivation {
  v1::Snapshot snapshot;  // as the server returned it
  size_t rows_compared = 0;
  bool signed_head_checked = false;
};

// `banenctl snapshot rederive`: reads the events up to the snapshot's head,
// recomputing their chain (and, with a verifier, checking the snapshot's
// signed head: its size, chain hash and Merkle root), folds them here with
// the projections library and compares every frozen row with the row
// recomputed. `verifier` may be null: then the snapshot's signed head is not
// checked.
absl::StatusOr<Rederivation> RederiveSnapshot(
    v1::LedgerService::StubInterface& ledger,
    v1::SnapshotService::StubInterface& snapshots, const NoteVerifier* verifier,
    std::string_view key);

}  // namespace banen

#endif  // BANEN_TOOLS_AUDIT_PROOFS_H_
