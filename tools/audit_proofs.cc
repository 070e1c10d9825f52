#include "tools/audit_proofs.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/absl_compat.h"
#include "ledger/codec.h"
#include "ledger/merkle.h"
#include "ledger/status_macros.h"
#include "projections/figures.h"
#include "projections/projection_state.h"
#include "projections/snapshot.h"
#include "services/wire.h"
#include "tools/chain_audit.h"
#include "tools/client.h"

namespace banen {
namespace {

using client::FromGrpc;

constexpr char kSignatureLinePrefix[] = "\u2014 ";

std::vector<Hash> HashesOf(
    const google::protobuf::RepeatedPtrField<std::string>& nodes) {
  std::vector<Hash> hashes;
  hashes.reserve(nodes.size());
  for (const std::string& node : nodes) {
    // A node of another length cannot be a SHA-256: all zero fails the proof.
    hashes.push_back(HashFromBytes(node, "path").value_or(Hash{}));
  }
  return hashes;
}

absl::StatusOr<Checkpoint> CurrentSignedHead(
    v1::AuditService::StubInterface& audit, const NoteVerifier& verifier) {
  grpc::ClientContext context;
  v1::SignedHead head;
  RETURN_IF_ERROR(FromGrpc(
      audit.GetSignedHead(&context, v1::GetSignedHeadRequest(), &head)));
  absl::StatusOr<Checkpoint> checkpoint =
      OpenCheckpoint(head.checkpoint(), verifier);
  if (!checkpoint.ok()) {
    return absl::DataLossError(absl::StrCat("the server's current head: ",
                                            checkpoint.status().message()));
  }
  return checkpoint;
}

// The failure of a chain audit as a status naming the seq.
absl::Status ChainStatus(const ChainAudit& chain) {
  if (chain.ok()) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      "chain broken at seq ", chain.first_bad_seq(), ": ", chain.reason()));
}

// Reads 1..tree_size into `chain` and checks that it reached tree_size.
absl::Status ReplayTree(
    v1::LedgerService::StubInterface& ledger, uint64_t tree_size,
    ChainAudit& chain,
    absl::FunctionRef<void(const v1::StoredEvent&)> also =
        [](const v1::StoredEvent&) {}) {
  RETURN_IF_ERROR(ReplayInto(ledger, tree_size, chain, also));
  RETURN_IF_ERROR(ChainStatus(chain));
  if (chain.events_checked() != tree_size) {
    return absl::DataLossError(
        absl::StrCat("the log read ends at seq ", chain.events_checked(),
                     " but the signed head has tree size ", tree_size,
                     ": the log was truncated"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitSignedNotes(
    std::string_view text) {
  std::vector<std::string> notes;
  std::string note;
  // A note is text lines, one blank line, then signature lines; the next
  // note begins at the first line after them that is not a signature.
  enum class Part { kBetween, kText, kSignatures } part = Part::kBetween;
  int signatures = 0;
  int line_number = 0;
  const auto end_note = [&]() -> absl::Status {
    if (signatures == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": a note without signatures"));
    }
    notes.push_back(std::move(note));
    note.clear();
    signatures = 0;
    part = Part::kBetween;
    return absl::OkStatus();
  };
  for (absl::string_view line : absl::StrSplit(AbslView(text), '\n')) {
    ++line_number;
    const bool signature = absl::StartsWith(line, kSignatureLinePrefix);
    if (part == Part::kSignatures && !signature) RETURN_IF_ERROR(end_note());
    if (part == Part::kBetween) {
      if (line.empty()) continue;
      if (signature) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", line_number, ": a signature line without a note"));
      }
      part = Part::kText;
    }
    if (part == Part::kText && line.empty()) {
      part = Part::kSignatures;
    } else if (part == Part::kSignatures) {
      ++signatures;
    }
    absl::StrAppend(&note, line, "\n");
  }
  if (part != Part::kBetween) RETURN_IF_ERROR(end_note());
  return notes;
}

absl::StatusOr<PublishedAudit> AuditPublishedHeads(
    v1::LedgerService::StubInterface& ledger,
    v1::AuditService::StubInterface& audit, const NoteVerifier& verifier,
    const std::vector<std::string>& published) {
  std::vector<Checkpoint> heads;
  for (size_t i = 0; i < published.size(); ++i) {
    absl::StatusOr<Checkpoint> head = OpenCheckpoint(published[i], verifier);
    if (!head.ok()) {
      return absl::DataLossError(absl::StrCat("published head ", i + 1, ": ",
                                              head.status().message()));
    }
    heads.push_back(*std::move(head));
  }
  PublishedAudit result;
  ASSIGN_OR_RETURN(result.current, CurrentSignedHead(audit, verifier));
  const uint64_t current_size = result.current.tree_size;
  for (size_t i = 0; i < heads.size(); ++i) {
    const Checkpoint& head = heads[i];
    const std::string name = absl::StrCat("published head ", i + 1,
                                          " (tree size ", head.tree_size, ")");
    if (head.tree_size > current_size) {
      return absl::DataLossError(absl::StrCat(
          name, " is ahead of the server's current head (tree size ",
          current_size,
          "): the log was truncated, or an older head is presented as "
          "current"));
    }
    if (head.tree_size == 0) continue;  // every tree extends the empty one
    grpc::ClientContext context;
    v1::GetConsistencyProofRequest request;
    request.set_first_size(head.tree_size);
    request.set_second_size(current_size);
    v1::ConsistencyProof proof;
    RETURN_IF_ERROR(
        FromGrpc(audit.GetConsistencyProof(&context, request, &proof)));
    if (const absl::Status consistent = merkle::VerifyConsistency(
            head.tree_size, current_size, head.root, result.current.root,
            HashesOf(proof.path()));
        !consistent.ok()) {
      return absl::DataLossError(absl::StrCat(
          name, " is not a prefix of the server's current head (tree size ",
          current_size, "): ", consistent.message()));
    }
    ++result.heads_checked;
  }
  ChainAudit chain;
  for (const Checkpoint& head : heads) {
    if (head.tree_size == 0) continue;
    chain.ExpectHash(head.tree_size, head.chain_hash);
    chain.ExpectRoot(head.tree_size, head.root);
  }
  chain.ExpectHash(current_size, result.current.chain_hash);
  chain.ExpectRoot(current_size, result.current.root);
  RETURN_IF_ERROR(ReplayTree(ledger, current_size, chain));
  result.events_checked = chain.events_checked();
  return result;
}

absl::StatusOr<EventInclusion> ProveEvent(
    v1::LedgerService::StubInterface& ledger,
    v1::AuditService::StubInterface& audit, const NoteVerifier& verifier,
    std::string_view head_note, std::string_view event_id) {
  EventInclusion result;
  ASSIGN_OR_RETURN(result.head, OpenCheckpoint(head_note, verifier));
  const uint64_t tree_size = result.head.tree_size;
  {
    grpc::ClientContext context;
    v1::ReadEventsRequest request;
    request.add_event_ids(std::string(event_id));
    request.set_to_seq(tree_size);
    auto reader = ledger.ReadEvents(&context, request);
    v1::StoredEvent stored;
    if (tree_size > 0 && reader->Read(&stored)) result.seq = stored.seq();
    context.TryCancel();
    reader->Finish();
  }
  if (result.seq == 0) {
    return absl::NotFoundError(absl::StrCat("event ", AbslView(event_id),
                                            " is not among the ", tree_size,
                                            " events of the published head"));
  }
  grpc::ClientContext context;
  v1::GetInclusionProofRequest request;
  request.set_seq(result.seq);
  request.set_tree_size(tree_size);
  v1::InclusionProof proof;
  RETURN_IF_ERROR(FromGrpc(audit.GetInclusionProof(&context, request, &proof)));
  // The leaf must be the event asked for, at the seq the proof is for: the
  // seq is inside the hashed bytes, so a proof of another leaf fails below.
  v1::StoredEvent leaf;
  if (!leaf.ParseFromString(proof.canonical_bytes()) ||
      leaf.event().event_id() != event_id || leaf.seq() != result.seq) {
    return absl::DataLossError(absl::StrCat("the proof's leaf is not event ",
                                            AbslView(event_id), " at seq ",
                                            result.seq));
  }
  if (const absl::Status included = merkle::VerifyInclusion(
          merkle::LeafHash(proof.canonical_bytes()), result.seq - 1, tree_size,
          HashesOf(proof.path()), result.head.root);
      !included.ok()) {
    return absl::DataLossError(
        absl::StrCat("event ", AbslView(event_id), " (seq ", result.seq,
                     ") is not proved in the published head (tree size ",
                     tree_size, "): ", included.message()));
  }
  return result;
}

absl::StatusOr<Rederivation> RederiveSnapshot(
    v1::LedgerService::StubInterface& ledger,
    v1::SnapshotService::StubInterface& snapshots, const NoteVerifier* verifier,
    std::string_view key) {
  Rederivation result;
  {
    grpc::ClientContext context;
    v1::GetSnapshotRequest request;
    request.set_key(std::string(key));
    RETURN_IF_ERROR(
        FromGrpc(snapshots.GetSnapshot(&context, request, &result.snapshot)));
  }
  const v1::Snapshot& snapshot = result.snapshot;
  if (snapshot.rules_version() != kCountingRulesVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot ", AbslView(key), " was made under counting rules ",
        snapshot.rules_version(), "; this banenctl counts by rules ",
        kCountingRulesVersion));
  }
  ASSIGN_OR_RETURN(const Quarter quarter,
                   QuarterFromProto(snapshot.quarter(), "quarter"));
  ASSIGN_OR_RETURN(const Hash head_hash,
                   HashFromBytes(snapshot.head_hash(), "head_hash"));
  ChainAudit chain;
  chain.ExpectHash(snapshot.head_seq(), head_hash);
  if (verifier != nullptr) {
    if (snapshot.checkpoint().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("snapshot ", AbslView(key),
                       " has no signed head: the server had no signing key "
                       "when it was made"));
    }
    absl::StatusOr<Checkpoint> head =
        OpenCheckpoint(snapshot.checkpoint(), *verifier);
    if (!head.ok()) {
      return absl::DataLossError(
          absl::StrCat("snapshot ", AbslView(key),
                       "'s signed head: ", head.status().message()));
    }
    if (head->tree_size != snapshot.head_seq() ||
        head->chain_hash != head_hash) {
      return absl::DataLossError(absl::StrCat(
          "snapshot ", AbslView(key), "'s signed head is of tree size ",
          head->tree_size, ", not of the snapshot's head seq ",
          snapshot.head_seq()));
    }
    chain.ExpectRoot(head->tree_size, head->root);
    result.signed_head_checked = true;
  }
  ProjectionState state;
  absl::Status decoded;
  RETURN_IF_ERROR(ReplayTree(
      ledger, snapshot.head_seq(), chain, [&](const v1::StoredEvent& proto) {
        absl::StatusOr<StoredEvent> stored = StoredEventFromProto(proto);
        if (!stored.ok()) {
          decoded.Update(stored.status());
          return;
        }
        state.Apply(*stored);
      }));
  RETURN_IF_ERROR(decoded);
  const std::vector<RealisationRow> rows =
      RederiveSnapshotRows(state, quarter, TimeFromProto(snapshot.as_of()));
  if (static_cast<int>(rows.size()) != snapshot.rows_size()) {
    return absl::DataLossError(absl::StrCat(
        "snapshot ", AbslView(key), " freezes ", snapshot.rows_size(),
        " rows; the events give ", rows.size()));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    v1::RealisationRow rederived;
    RealisationRowToProto(rows[i], &rederived);
    const v1::RealisationRow& frozen = snapshot.rows(static_cast<int>(i));
    if (!google::protobuf::util::MessageDifferencer::Equals(rederived,
                                                            frozen)) {
      return absl::DataLossError(
          absl::StrCat("snapshot ", AbslView(key), " row ", i + 1, " (",
                       v1::Sector_Name(frozen.sector()), ", ",
                       v1::RealisationMeasure_Name(frozen.measure()),
                       ") differs from the row the events give: frozen ",
                       frozen.ShortDebugString(), "; re-derived ",
                       rederived.ShortDebugString()));
    }
    ++result.rows_compared;
  }
  return result;
}

}  // namespace banen
