#include "tools/chain_audit.h"

#include <grpcpp/grpcpp.h>

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/codec.h"
#include "ledger/merkle.h"
#include "ledger/status_macros.h"
#include "tools/client.h"

namespace banen {
namespace {

using client::FromGrpc;

}  // namespace

bool ChainAudit::Fail(uint64_t seq, std::string reason) {
  first_bad_seq_ = seq;
  reason_ = std::move(reason);
  return false;
}

bool ChainAudit::Add(const v1::StoredEvent& proto) {
  if (!ok()) return false;
  const uint64_t expected = seq_ + 1;
  if (proto.seq() != expected) {
    return Fail(expected, absl::StrCat("seq ", proto.seq(), " where ", expected,
                                       " belongs: an event is "
                                       "missing or out of order"));
  }
  const std::string& canonical = proto.canonical_bytes();
  if (canonical.empty()) {
    return Fail(expected,
                "no canonical bytes: the server does not show what it "
                "hashed");
  }
  // The bytes hashed must be the event shown: they decode to exactly its
  // seq, recorded_at, event and recorded_by, and to nothing else.
  v1::StoredEvent decoded;
  v1::StoredEvent shown = proto;
  shown.clear_prev_hash();
  shown.clear_hash();
  shown.clear_canonical_bytes();
  if (!decoded.ParseFromString(canonical) ||
      !google::protobuf::util::MessageDifferencer::Equals(decoded, shown)) {
    return Fail(expected,
                "the canonical bytes are not the event shown: what was "
                "hashed differs from what is reported");
  }
  const absl::StatusOr<Hash> prev_hash =
      HashFromBytes(proto.prev_hash(), "prev_hash");
  const absl::StatusOr<Hash> hash = HashFromBytes(proto.hash(), "hash");
  if (!prev_hash.ok()) return Fail(expected, prev_hash.status().ToString());
  if (!hash.ok()) return Fail(expected, hash.status().ToString());
  if (*prev_hash != hash_) {
    return Fail(expected,
                "prev_hash is not the hash of the event before: an event "
                "before it was changed, removed or reordered");
  }
  const Hash computed = ChainHash(hash_, canonical);
  if (computed != *hash) {
    return Fail(expected,
                "hash mismatch: the event is not what was stored and chained");
  }
  AddLeaf(merkle::LeafHash(canonical));
  seq_ = expected;
  hash_ = computed;
  if (const auto anchor = anchors_.find(seq_);
      anchor != anchors_.end() && anchor->second != hash_) {
    return Fail(seq_,
                "the chain does not pass through a published head: "
                "history up to here was rewritten");
  }
  if (const auto anchor = root_anchors_.find(seq_);
      anchor != root_anchors_.end() && anchor->second != MerkleRoot()) {
    return Fail(seq_,
                "the Merkle root of the events up to here is not the signed "
                "head's: history up to here was rewritten");
  }
  return true;
}

void ChainAudit::AddLeaf(Hash node) {
  int level = 0;
  for (; (seq_ >> level) & 1; ++level) {
    node = merkle::NodeHash(frontier_[level], node);
  }
  if (frontier_.size() <= static_cast<size_t>(level)) {
    frontier_.resize(level + 1);
  }
  frontier_[level] = node;
}

// RFC 9162's MTH folds the right edge's complete subtrees from the smallest:
// MTH(D[n]) = NODE(the largest, MTH(the rest)).
Hash ChainAudit::MerkleRoot() const {
  std::optional<Hash> root;
  for (size_t level = 0; level < frontier_.size(); ++level) {
    if (((seq_ >> level) & 1) == 0) continue;
    root = root.has_value() ? merkle::NodeHash(frontier_[level], *root)
                            : frontier_[level];
  }
  return root.value_or(merkle::EmptyRoot());
}

bool ChainAudit::ExpectHead(uint64_t seq, const Hash& hash) {
  if (!ok()) return false;
  if (seq != seq_) {
    return Fail(seq_ + 1, absl::StrCat("the server's head is seq ", seq,
                                       " but the log read ends at ", seq_));
  }
  if (hash != hash_) {
    return Fail(seq_, "the server's head hash is not the recomputed one");
  }
  return true;
}

absl::Status ReplayInto(v1::LedgerService::StubInterface& ledger,
                        uint64_t to_seq, ChainAudit& audit,
                        absl::FunctionRef<void(const v1::StoredEvent&)> also) {
  if (to_seq == 0) return absl::OkStatus();
  grpc::ClientContext context;
  v1::ReadEventsRequest request;
  request.set_to_seq(to_seq);
  auto reader = ledger.ReadEvents(&context, request);
  v1::StoredEvent stored;
  while (audit.ok() && reader->Read(&stored)) {
    if (audit.Add(stored)) also(stored);
  }
  if (!audit.ok()) {
    context.TryCancel();
    reader->Finish();
    return absl::OkStatus();
  }
  return FromGrpc(reader->Finish());
}

absl::StatusOr<ChainAudit> AuditLedger(
    v1::LedgerService::StubInterface& ledger,
    v1::SnapshotService::StubInterface& snapshots) {
  v1::GetHeadResponse head;
  {
    grpc::ClientContext context;
    const grpc::Status status =
        ledger.GetHead(&context, v1::GetHeadRequest(), &head);
    if (!status.ok()) return FromGrpc(status);
  }
  ChainAudit audit;
  {
    grpc::ClientContext context;
    v1::ListSnapshotsResponse list;
    const grpc::Status status =
        snapshots.ListSnapshots(&context, v1::ListSnapshotsRequest(), &list);
    if (!status.ok()) return FromGrpc(status);
    for (const v1::Snapshot& snapshot : list.snapshots()) {
      ASSIGN_OR_RETURN(const Hash snapshot_hash,
                       HashFromBytes(snapshot.head_hash(), "head_hash"));
      audit.ExpectHash(snapshot.head_seq(), snapshot_hash);
    }
  }
  ASSIGN_OR_RETURN(const Hash head_hash, HashFromBytes(head.hash(), "hash"));
  RETURN_IF_ERROR(ReplayInto(ledger, head.seq(), audit));
  audit.ExpectHead(head.seq(), head_hash);
  return audit;
}

}  // namespace banen
