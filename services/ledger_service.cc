#include "services/ledger_service.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "ledger/codec.h"
#include "ledger/event_error.h"
#include "ledger/status_macros.h"
#include "services/event_filter.h"
#include "services/status_mapping.h"
#include "services/wire.h"
#include "services/worker_pool.h"

namespace banen {
namespace {

// Events a reading stream holds at most: it reads the next chunk from the log
// once the client has taken these.
constexpr size_t kReadChunk = 256;

// An event as a reading stream sends it: with the canonical bytes it is
// stored as, which clients' verifiers hash (never a re-encoding).
struct EventToSend {
  void ToProto(v1::StoredEvent* proto) const {
    StoredEventToProto(stored, proto);
    proto->set_canonical_bytes(canonical);
  }

  StoredEvent stored;
  std::string canonical;
};

grpc::Status CancelledStatus() {
  return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client");
}

// Decodes the batch of `request` into `batch` and appends it with
// `authority`.
absl::StatusOr<AppendResult> StoreRequested(EventLog& log, int max_batch_events,
                                            AppendAuthority authority,
                                            const v1::AppendRequest& request,
                                            AppendBatch& batch) {
  if (request.events_size() > max_batch_events) {
    return EventError(absl::StatusCode::kResourceExhausted, -1, "events",
                      absl::StrCat("the batch has ", request.events_size(),
                                   " events; the limit is ", max_batch_events,
                                   " (--max-batch-events)"));
  }
  batch.events.reserve(request.events_size());
  for (int index = 0; index < request.events_size(); ++index) {
    ASSIGN_OR_RETURN(Event event, EventFromProto(request.events(index), index));
    batch.events.push_back(std::move(event));
  }
  for (const auto& [job_id, seq] : request.expected_job_seq()) {
    batch.expected_job_seq.emplace(job_id, seq);
  }
  batch.authority = std::move(authority);
  return log.Append(batch);
}

// Appends the batch of `request` with `authority` and reports, in
// `response`, the seqs of its events; the rejection otherwise. Counts it in
// `metrics`, if any.
absl::Status AppendRequested(EventLog& log, ServerMetrics* metrics,
                             int max_batch_events, AppendAuthority authority,
                             const v1::AppendRequest& request,
                             v1::AppendResponse* response) {
  const absl::Time received = absl::Now();
  response->set_batch_id(request.batch_id());
  AppendBatch batch;
  const absl::StatusOr<AppendResult> stored = StoreRequested(
      log, max_batch_events, std::move(authority), request, batch);
  if (metrics != nullptr) {
    if (stored.ok()) {
      metrics->RecordAppended(batch, *stored, absl::Now() - received);
    } else {
      metrics->RecordRejected(stored.status().code(), absl::Now() - received);
    }
  }
  if (!stored.ok()) return stored.status();
  const AppendResult& result = *stored;
  response->mutable_seqs()->Reserve(static_cast<int>(result.seqs.size()));
  for (size_t index = 0; index < result.seqs.size(); ++index) {
    response->add_seqs(result.seqs[index]);
    response->add_duplicate(result.duplicate[index]);
  }
  if (!result.seqs.empty()) {
    const auto [first, last] =
        std::minmax_element(result.seqs.begin(), result.seqs.end());
    response->set_first_seq(*first);
    response->set_last_seq(*last);
  }
  if (result.first_seq != 0) {
    TimeToProto(result.recorded_at, response->mutable_recorded_at());
  }
  return absl::OkStatus();
}

// Reads a batch, appends it, answers it; then the next. A rejection is an
// answer, not the end of the stream.
class AppendStreamReactor final
    : public grpc::ServerBidiReactor<v1::AppendRequest, v1::AppendResponse> {
 public:
  AppendStreamReactor(EventLog& log, ServerMetrics* metrics,
                      int max_batch_events, const Authorizer& authorizer,
                      const Follower* follower,
                      const grpc::CallbackServerContext& context)
      : log_(log),
        metrics_(metrics),
        max_batch_events_(max_batch_events),
        authorizer_(authorizer),
        follower_(follower),
        context_(context),
        arena_block_(new char[kArenaBlockBytes]),
        arena_(ArenaOptionsFor(arena_block_.get())) {
    if (Admit().has_value()) ReadNext();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client is done sending
      Finish(grpc::Status::OK);
      return;
    }
    std::optional<AppendAuthority> authority = Admit();
    if (!authority.has_value()) return;
    response_.Clear();
    if (const absl::Status status =
            AppendRequested(log_, metrics_, max_batch_events_,
                            *std::move(authority), *request_, &response_);
        !status.ok()) {
      *response_.mutable_error() = ToBatchError(status);
    }
    StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(CancelledStatus());
      return;
    }
    ReadNext();
  }

  void OnDone() override { delete this; }

 private:
  // A batch of 1000 events parses into ~300 KB of messages; parsing each
  // batch into a fresh arena over one reused block saves the allocation and
  // destruction of every field.
  static constexpr size_t kArenaBlockBytes = 512 << 10;
  static google::protobuf::ArenaOptions ArenaOptionsFor(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kArenaBlockBytes;
    options.max_block_size = kArenaBlockBytes;
    return options;
  }

  // What the caller may append, asked again for every batch so that a token
  // revoked by a reload stops a stream already open; nullopt, after
  // finishing the stream, when it may not append at all (or not here: on a
  // read replica).
  std::optional<AppendAuthority> Admit() {
    absl::StatusOr<Caller> caller =
        authorizer_.Authorize(context_, Rpc::kAppend);
    const absl::Status admitted =
        caller.ok() ? CheckWritable(follower_) : caller.status();
    if (!admitted.ok()) {
      Finish(ToGrpcStatus(admitted));
      return std::nullopt;
    }
    return AppendAuthorityOf(*caller);
  }

  void ReadNext() {
    arena_.Reset();
    request_ =
        google::protobuf::Arena::CreateMessage<v1::AppendRequest>(&arena_);
    StartRead(request_);
  }

  EventLog& log_;
  ServerMetrics* const metrics_;
  const int max_batch_events_;
  const Authorizer& authorizer_;
  const Follower* const follower_;
  const grpc::CallbackServerContext& context_;
  std::unique_ptr<char[]> arena_block_;
  google::protobuf::Arena arena_;
  v1::AppendRequest* request_ = nullptr;  // on arena_
  v1::AppendResponse response_;
};

// Sends the matching events of a range, one chunk from the log at a time.
class ReadEventsReactor final
    : public grpc::ServerWriteReactor<v1::StoredEvent> {
 public:
  ReadEventsReactor(const EventLog& log, EventFilter filter,
                    const v1::ReadEventsRequest& request)
      : log_(log),
        filter_(std::move(filter)),
        from_seq_(std::max<uint64_t>(request.from_seq(), 1)),
        to_seq_(request.to_seq() != 0 ? request.to_seq() : log.GetHead().seq),
        next_seq_(filter_.NeedsHistory() ? 1 : from_seq_) {
    if (request.has_as_of()) as_of_ = TimeFromProto(request.as_of());
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(CancelledStatus());
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (pending_.empty() && !exhausted_) {
      if (const absl::Status status = ReadChunk(); !status.ok()) {
        Finish(ToGrpcStatus(status));
        return;
      }
    }
    if (pending_.empty()) {
      Finish(grpc::Status::OK);
      return;
    }
    response_.Clear();
    pending_.front().ToProto(&response_);
    pending_.pop_front();
    StartWrite(&response_);
  }

  absl::Status ReadChunk() {
    if (next_seq_ > to_seq_) {
      exhausted_ = true;
      return absl::OkStatus();
    }
    const uint64_t start = next_seq_;
    RETURN_IF_ERROR(log_.ScanCanonical(
        next_seq_, to_seq_,
        [this](const StoredEvent& stored, std::string_view canonical) {
          if (as_of_.has_value() && stored.recorded_at > *as_of_) {
            exhausted_ = true;  // recorded_at never decreases in seq order
            return false;
          }
          next_seq_ = stored.seq + 1;
          if (filter_.Observe(stored) && stored.seq >= from_seq_) {
            pending_.push_back({stored, std::string(canonical)});
          }
          return pending_.size() < kReadChunk;
        }));
    if (next_seq_ == start || next_seq_ > to_seq_) exhausted_ = true;
    return absl::OkStatus();
  }

  const EventLog& log_;
  EventFilter filter_;
  const uint64_t from_seq_;
  const uint64_t to_seq_;
  std::optional<absl::Time> as_of_;
  uint64_t next_seq_;
  bool exhausted_ = false;
  std::deque<EventToSend> pending_;
  v1::StoredEvent response_;
};

// Catch-up, the caught_up marker, then live events. Whoever holds the stream
// (a write's completion, or the hub while it is parked) moves it on, so the
// reactor needs no lock; a cancel is noticed by that holder.
class SubscribeReactor final
    : public grpc::ServerWriteReactor<v1::SubscribeResponse>,
      public SubscriptionHub::Waiter {
 public:
  SubscribeReactor(const EventLog& log, SubscriptionHub& hub,
                   const v1::SubscribeRequest& request,
                   const Authorizer& authorizer,
                   const grpc::CallbackServerContext& context)
      : log_(log),
        hub_(hub),
        authorizer_(authorizer),
        context_(context),
        max_events_per_item_(
            std::max<size_t>(request.max_events_per_item(), 1)),
        next_seq_(std::max<uint64_t>(request.from_seq(), 1)) {
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(CancelledStatus());
      return;
    }
    WriteNext();
  }

  void OnCancel() override {
    cancelled_.store(true);
    hub_.Unpark(this);
  }

  void OnDone() override { delete this; }

  void OnLogAdvanced() override { WriteNext(); }

  void OnClosed(const absl::Status& reason) override {
    Finish(cancelled() ? CancelledStatus() : ToGrpcStatus(reason));
  }

  bool cancelled() const override { return cancelled_.load(); }

 private:
  void WriteNext() {
    while (true) {
      if (cancelled()) {
        Finish(CancelledStatus());
        return;
      }
      if (pending_.empty()) {
        if (const absl::Status status = ReadChunk(); !status.ok()) {
          Finish(ToGrpcStatus(status));
          return;
        }
      }
      response_.Clear();
      if (!pending_.empty() && max_events_per_item_ == 1) {
        pending_.front().ToProto(response_.mutable_event());
        pending_.pop_front();
        StartWrite(&response_);
        return;
      }
      if (!pending_.empty()) {
        v1::StoredEvents* events = response_.mutable_events();
        while (!pending_.empty() && static_cast<size_t>(events->events_size()) <
                                        max_events_per_item_) {
          pending_.front().ToProto(events->add_events());
          pending_.pop_front();
        }
        StartWrite(&response_);
        return;
      }
      if (!caught_up_sent_) {
        caught_up_sent_ = true;
        response_.mutable_caught_up()->set_head_seq(next_seq_ - 1);
        StartWrite(&response_);
        return;
      }
      switch (hub_.Park(this, next_seq_ - 1)) {
        case SubscriptionHub::ParkResult::kParked:
          return;
        case SubscriptionHub::ParkResult::kReady:
          continue;
        case SubscriptionHub::ParkResult::kClosed:
          OnClosed(hub_.closed_reason());
          return;
      }
    }
  }

  absl::Status ReadChunk() {
    // Authorized again for every chunk: a subscription has no end, and a
    // token revoked by a reload must not go on receiving events.
    RETURN_IF_ERROR(authorizer_.Authorize(context_, Rpc::kSubscribe).status());
    return log_.ScanCanonical(
        next_seq_, 0,
        [this](const StoredEvent& stored, std::string_view canonical) {
          next_seq_ = stored.seq + 1;
          pending_.push_back({stored, std::string(canonical)});
          return pending_.size() < kReadChunk;
        });
  }

  const EventLog& log_;
  SubscriptionHub& hub_;
  const Authorizer& authorizer_;
  const grpc::CallbackServerContext& context_;
  const size_t max_events_per_item_;  // >= 1
  std::atomic<bool> cancelled_{false};
  uint64_t next_seq_;
  bool caught_up_sent_ = false;
  std::deque<EventToSend> pending_;
  v1::SubscribeResponse response_;
};

// A write reactor that fails at once: for requests rejected before
// streaming starts.
template <typename Response>
class RejectedStreamReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RejectedStreamReactor(const absl::Status& status) {
    this->Finish(ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

// The filter of `request` once narrowed to what `caller` may read.
absl::StatusOr<EventFilter> ScopedFilter(const Caller& caller,
                                         v1::ReadEventsRequest* request) {
  RETURN_IF_ERROR(ScopeReadEvents(caller, request));
  return EventFilter::FromProto(*request);
}

}  // namespace

LedgerServiceImpl::LedgerServiceImpl(EventLog& log,
                                     const Authorizer& authorizer,
                                     LedgerServiceOptions options)
    : options_(std::move(options)),
      log_(log),
      authorizer_(authorizer),
      hub_(log) {}

void LedgerServiceImpl::CloseSubscriptions() { hub_.Close(); }

grpc::ServerBidiReactor<v1::AppendRequest, v1::AppendResponse>*
LedgerServiceImpl::Append(grpc::CallbackServerContext* context) {
  return new AppendStreamReactor(log_, options_.metrics,
                                 options_.max_batch_events, authorizer_,
                                 options_.follower, *context);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::AppendBatch(
    grpc::CallbackServerContext* context, const v1::AppendRequest* request,
    v1::AppendResponse* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kAppendBatch);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  if (absl::Status writable = CheckWritable(options_.follower);
      !writable.ok()) {
    return FinishUnary(context, writable);
  }
  return FinishUnary(
      context,
      AppendRequested(log_, options_.metrics, options_.max_batch_events,
                      AppendAuthorityOf(*caller), *request, response));
}

grpc::ServerWriteReactor<v1::StoredEvent>* LedgerServiceImpl::ReadEvents(
    grpc::CallbackServerContext* context,
    const v1::ReadEventsRequest* request) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kReadEvents);
  if (!caller.ok()) {
    return new RejectedStreamReactor<v1::StoredEvent>(caller.status());
  }
  v1::ReadEventsRequest scoped = *request;
  absl::StatusOr<EventFilter> filter = ScopedFilter(*caller, &scoped);
  if (!filter.ok()) {
    return new RejectedStreamReactor<v1::StoredEvent>(filter.status());
  }
  return new ReadEventsReactor(log_, *std::move(filter), scoped);
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* LedgerServiceImpl::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kSubscribe);
  if (!caller.ok()) {
    return new RejectedStreamReactor<v1::SubscribeResponse>(caller.status());
  }
  return new SubscribeReactor(log_, hub_, *request, authorizer_, *context);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::GetHead(
    grpc::CallbackServerContext* context, const v1::GetHeadRequest* /*request*/,
    v1::GetHeadResponse* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kGetHead);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  const Head head = log_.GetHead();
  response->set_seq(head.seq);
  response->set_hash(head.hash.data(), head.hash.size());
  if (head.seq != 0) {
    TimeToProto(head.recorded_at, response->mutable_recorded_at());
  }
  return FinishUnary(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* LedgerServiceImpl::VerifyChain(
    grpc::CallbackServerContext* context, const v1::VerifyChainRequest* request,
    v1::VerifyChainResponse* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kVerifyChain);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return FinishUnaryOnWorker(context, [this, context, request, response] {
    return VerifyInChunks(*context, *request, response);
  });
}

absl::Status LedgerServiceImpl::VerifyInChunks(
    const grpc::CallbackServerContext& context,
    const v1::VerifyChainRequest& request,
    v1::VerifyChainResponse* response) const {
  const uint64_t to_seq =
      request.to_seq() != 0 ? request.to_seq() : log_.GetHead().seq;
  const uint64_t first = std::max<uint64_t>(request.from_seq(), 1);
  const uint64_t chunk_seqs = options_.verify_chunk_seqs;
  uint64_t events_checked = 0;
  ChainVerification chunk;
  // Each chunk starts from the stored hash of the seq before it, which the
  // previous chunk checked: together they check what one pass would.
  for (uint64_t from = first; from <= to_seq;) {
    if (from != first) RETURN_IF_ERROR(CallStatus(context));
    const uint64_t last =
        to_seq - from < chunk_seqs ? to_seq : from + chunk_seqs - 1;
    ASSIGN_OR_RETURN(chunk, log_.VerifyChain(from, last));
    events_checked += chunk.events_checked;
    if (options_.after_verify_chunk) options_.after_verify_chunk(context);
    if (!chunk.ok || last == to_seq) break;
    from = last + 1;
  }
  response->set_ok(chunk.ok);
  response->set_first_bad_seq(chunk.first_bad_seq);
  response->set_reason(chunk.reason);
  response->set_events_checked(events_checked);
  return absl::OkStatus();
}

}  // namespace banen
