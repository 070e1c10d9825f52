// The auditor's check of the hash chain (DOMAIN.md §6), on the client: it
// recomputes every hash from the canonical bytes the server stored
// (docs/CHAIN_FORMAT.md), checks that those bytes decode to the event shown,
// trusts no hash the server computed, and checks them against the chain
// hashes the server stored and against independently known heads (published
// snapshots and signed heads). Along the way it recomputes the RFC 9162
// Merkle root of the events read, so a signed head's root is checked too.
#ifndef BANEN_TOOLS_CHAIN_AUDIT_H_
#define BANEN_TOOLS_CHAIN_AUDIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "banen/v1/events.pb.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "banen/v1/snapshot.grpc.pb.h"
#include "ledger/event.h"

namespace banen {

class ChainAudit {
 public:
  // The chain must pass through `hash` at `seq` (a snapshot's head).
  void ExpectHash(uint64_t seq, const Hash& hash) { anchors_[seq] = hash; }
  // The Merkle tree of the first `tree_size` events must have root `root`
  // (a signed head's).
  void ExpectRoot(uint64_t tree_size, const Hash& root) {
    root_anchors_[tree_size] = root;
  }

  // Checks the next event of the log, read in seq order from seq 1. Returns
  // false at the first event that does not chain; later calls are ignored.
  bool Add(const v1::StoredEvent& stored);

  // Checks that the chain ends in `head`; call after the last Add().
  bool ExpectHead(uint64_t seq, const Hash& hash);

  bool ok() const { return first_bad_seq_ == 0; }
  uint64_t first_bad_seq() const { return first_bad_seq_; }
  const std::string& reason() const { return reason_; }
  uint64_t events_checked() const { return seq_; }
  // The recomputed hash of the last event checked.
  const Hash& hash() const { return hash_; }
  // The Merkle root of the events checked, recomputed here.
  Hash MerkleRoot() const;

 private:
  bool Fail(uint64_t seq, std::string reason);
  // Adds the next leaf hash to the frontier; seq_ is still the count before.
  void AddLeaf(Hash node);

  absl::flat_hash_map<uint64_t, Hash> anchors_;
  absl::flat_hash_map<uint64_t, Hash> root_anchors_;
  uint64_t seq_ = 0;
  Hash hash_{};
  // frontier_[level]: the complete subtree of 2^level leaves on the tree's
  // right edge, meaningful where bit `level` of seq_ is set.
  std::vector<Hash> frontier_;
  uint64_t first_bad_seq_ = 0;
  std::string reason_;
};

// Reads the events 1..to_seq with ReadEvents into `audit`, and hands each
// one that chains to `also` (e.g. a fold that re-derives figures). Stops at
// the first event that does not chain; the audit says where. The status is
// for failed calls.
absl::Status ReplayInto(
    v1::LedgerService::StubInterface& ledger, uint64_t to_seq,
    ChainAudit& audit,
    absl::FunctionRef<void(const v1::StoredEvent&)> also =
        [](const v1::StoredEvent&) {});

// Audits a running ledger: its head, then every event up to it read with
// ReadEvents, against the heads of all its snapshots. The returned audit
// says whether and where the chain breaks; the status is for failed calls.
absl::StatusOr<ChainAudit> AuditLedger(
    v1::LedgerService::StubInterface& ledger,
    v1::SnapshotService::StubInterface& snapshots);

}  // namespace banen

#endif  // BANEN_TOOLS_CHAIN_AUDIT_H_
