#include "tools/chain_audit.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/codec.h"
#include "tools/client.h"

namespace banen {
namespace {

using client::FromGrpc;

Hash HashOf(const std::string& bytes) {
  Hash hash{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), hash.size()), hash.begin());
  return hash;
}

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
  absl::StatusOr<StoredEvent> stored = StoredEventFromProto(proto);
  if (!stored.ok()) {
    return Fail(expected, std::string(stored.status().message()));
  }
  if (stored->prev_hash != hash_) {
    return Fail(expected,
                "prev_hash is not the hash of the event before: an event "
                "before it was changed, removed or reordered");
  }
  const Hash computed = ChainHash(hash_, CanonicalBytes(*stored));
  if (computed != stored->hash) {
    return Fail(expected,
                "hash mismatch: the event is not what was stored and chained");
  }
  seq_ = expected;
  hash_ = computed;
  if (const auto anchor = anchors_.find(seq_);
      anchor != anchors_.end() && anchor->second != hash_) {
    return Fail(seq_,
                "the chain does not pass through a published snapshot's head: "
                "history up to here was rewritten");
  }
  return true;
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
      audit.ExpectHash(snapshot.head_seq(), HashOf(snapshot.head_hash()));
    }
  }
  grpc::ClientContext context;
  v1::ReadEventsRequest request;
  request.set_to_seq(head.seq());
  auto reader = ledger.ReadEvents(&context, request);
  v1::StoredEvent stored;
  while (audit.ok() && reader->Read(&stored)) audit.Add(stored);
  if (!audit.ok()) {
    context.TryCancel();
    reader->Finish();
    return audit;
  }
  if (const grpc::Status status = reader->Finish(); !status.ok()) {
    return FromGrpc(status);
  }
  audit.ExpectHead(head.seq(), HashOf(head.hash()));
  return audit;
}

}  // namespace banen
