// Follower: makes a server a read replica of a primary banen-ledgerd
// (`banen-ledgerd --follow=PRIMARY`). It subscribes to the primary's
// LedgerService.Subscribe from the seq after its own head and stores what
// arrives with EventLog::AppendReplicated, which checks every event against
// its own chain (seq, prev_hash, recomputed hash) before storing it with the
// primary's seq, recorded_at, recorded_by and hash. The local projector and
// subscriptions follow the log as on a primary.
//
// A lost connection (the primary restarting, the network) is retried with
// exponential backoff, from the follower's own head; so is a restart of the
// follower, which starts from its head on disk. An event that does not extend
// the chain stops replication for good: status() says why and on_stopped is
// called; the events before it stay, nothing after it is stored.
//
// Writes: while following, CheckWritable() is FAILED_PRECONDITION naming the
// primary; the services refuse appends and snapshot creation with it.
// Promote() ends following (only once the primary no longer answers) and
// makes the server writable: a manual failover.
//
// Thread safety: every method may be called from any thread. Two threads of
// its own: a receiver reads the stream into a queue, an applier stores what
// the queue holds in one AppendReplicated (one synced write) at a time, so a
// follower behind by many events catches up in large batches. Ownership:
// borrows the log, which must outlive it.
#ifndef BANEN_SERVICES_FOLLOWER_H_
#define BANEN_SERVICES_FOLLOWER_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "ledger/event_log.h"

namespace banen {

struct FollowerOptions {
  // The primary's address, host:port; empty: no follower (a primary).
  std::string primary;
  // The CA certificates (PEM) that sign the primary's certificate. Set: TLS
  // to the primary; empty: plaintext.
  std::string tls_ca_pem;
  // Sent as "authorization: Bearer <token>" on Subscribe and on the probe of
  // Promote(), for a primary with an auth config: a principal of the auditor
  // (or admin) role. Empty: none.
  std::string token;
  // After a lost connection the follower waits this long, doubling after
  // each failed attempt up to max_backoff, before it subscribes again.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // How long Promote() waits for the primary's GetHead before taking it as
  // gone.
  absl::Duration promote_probe_timeout = absl::Seconds(2);
  // Most events stored by one AppendReplicated.
  size_t max_batch_events = 4096;
  // Called once, on the applier thread, when an event does not extend the
  // chain and replication stops, with the reason. Must not call the
  // Follower.
  std::function<void(const absl::Status&)> on_stopped;
};

class Follower;

// OK on a primary (`follower` null) or a promoted follower; the follower's
// refusal, naming its primary, otherwise.
absl::Status CheckWritable(const Follower* follower);

class Follower {
 public:
  // Starts following at once; options.primary must be set.
  Follower(EventLog& log, FollowerOptions options);
  // Stop().
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  const std::string& primary() const { return options_.primary; }

  // The error that stopped replication (FAILED_PRECONDITION for an event
  // that does not extend the chain); OK while following or retrying.
  absl::Status status() const ABSL_LOCKS_EXCLUDED(mu_);

  // FAILED_PRECONDITION naming the primary until Promote() succeeds.
  absl::Status CheckWritable() const ABSL_LOCKS_EXCLUDED(mu_);

  // Makes the server a primary: FAILED_PRECONDITION if it is one already or
  // if the primary still answers a GetHead within promote_probe_timeout
  // (whatever the answer: even a refusal means it is there). Otherwise stops
  // following, stores the events received but not yet stored, and from then
  // on CheckWritable() is OK. Returns the head it continues from.
  absl::StatusOr<Head> Promote() ABSL_LOCKS_EXCLUDED(stop_mu_, mu_);

  // Stops following (the events received are stored first, unless
  // replication stopped on a mismatch) and joins the threads. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(stop_mu_, mu_);

 private:
  // The receiver thread: subscribes, queues, reconnects with backoff.
  void Receive() ABSL_LOCKS_EXCLUDED(mu_);
  // One subscription from `next_seq`, until it ends, advancing `next_seq`
  // past every event it queues; returns whether it queued any.
  bool ReceiveStream(uint64_t& next_seq) ABSL_LOCKS_EXCLUDED(mu_);
  // The applier thread.
  void Apply() ABSL_LOCKS_EXCLUDED(mu_);
  // Adds the bearer token, if any, to a call's metadata.
  void Authorize(grpc::ClientContext& context) const;

  EventLog& log_;
  const FollowerOptions options_;
  const std::unique_ptr<v1::LedgerService::Stub> stub_;

  // Serializes Stop() (Promote() and the destructor may race to it).
  absl::Mutex stop_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  // Received, not yet stored; bounded so that a slow disk slows the stream
  // (and, by flow control, nothing else on the primary).
  std::deque<ReplicatedEvent> queue_ ABSL_GUARDED_BY(mu_);
  // Set by Stop(): the receiver ends, the applier ends once the queue is
  // stored.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool promoted_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  // The stream being read, so that Stop() and a failure can cancel it.
  grpc::ClientContext* stream_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread receiver_;
  std::thread applier_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_FOLLOWER_H_
