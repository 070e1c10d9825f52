#include "services/ledger_service.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/arena.h"
#include "ledger/codec.h"
#include "ledger/event_error.h"
#include "ledger/status_macros.h"
#include "services/append_request.h"
#include "services/event_filter.h"
#include "services/log.h"
#include "services/status_mapping.h"
#include "services/wire.h"
#include "services/worker_pool.h"

namespace banen {
namespace {

// The threads that append the streams' batches: most of their time they wait
// for their group's fsync, so a few more than the cores. One stream's batches
// in flight (kAppendStreamBatchesInFlight) can hold them all; the batches of
// other streams then queue for them, in order, about a group's write each.
// Sixteen threads made grpc_ingest_bench's four streams slower (238-262 k
// against 278-281 k events/s, two alternating pairs).
constexpr int kAppendThreads = 8;

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

// Appends `batch` (decoded from a request received at `received`), calling
// `queued` as EventLog::Append does, and reports in `response` the seqs of
// its events; returns its rejection (or why it could not be decoded)
// otherwise. Counts it in `metrics`, if any.
absl::Status AppendAndAnswer(EventLog& log, ServerMetrics* metrics,
                             absl::Time received,
                             const absl::StatusOr<AppendBatch>& batch,
                             absl::FunctionRef<void()> queued,
                             v1::AppendResponse* response) {
  const absl::StatusOr<AppendResult> stored =
      batch.ok() ? log.Append(*batch, queued) : batch.status();
  if (metrics != nullptr) {
    if (stored.ok()) {
      metrics->RecordAppended(*batch, *stored, absl::Now() - received);
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

// Reads batches, appends them in stream order and answers each in that
// order; a rejection is an answer, not the end of the stream.
//
// Up to kAppendStreamBatchesInFlight batches of a stream are in flight at once.
// The next batch is read as soon as this one is decoded, and each is
// appended on the service's append pool (never on a gRPC thread, which
// would wait there for the fsync). Its append waits only until the batch
// before it holds its place in the log's order (EventLog::Append's
// `queued`), so it is staged while the group before it is written and
// fsynced: one stream in file order (banenctl import) gets the group
// commit's pipelining that only concurrent streams had.
//
// What the reactions share is under mu_; each decides under it what to
// start next (Next()) and starts it after letting go (Start()), so that no
// gRPC call is made under the lock and each start is decided once.
//
// The requests and answers pass as bytes: most requests are read straight
// into the ledger's events (RequestFromWire), the rest by protobuf's parser
// as before. Parsing into messages and converting them was 7 % of the
// server's CPU in an import of the national demo.
class AppendStreamReactor final
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  AppendStreamReactor(EventLog& log, WorkerPool& appenders,
                      const LedgerServiceOptions& options,
                      const Authorizer& authorizer,
                      const grpc::CallbackServerContext& context)
      : log_(log),
        appenders_(appenders),
        options_(options),
        authorizer_(authorizer),
        context_(context),
        arena_block_(new char[kArenaBlockBytes]),
        arena_(ArenaOptionsFor(arena_block_.get())) {
    if (absl::StatusOr<AppendAuthority> admitted = Admit(); !admitted.ok()) {
      Finish(ToGrpcStatus(admitted.status()));
      return;
    }
    Steps next;
    {
      absl::MutexLock lock(&mu_);
      next = Next();
    }
    Start(this, next);
  }

  void OnReadDone(bool ok) override {
    // reading_ stays set until the request is decoded: the next read reuses
    // its buffer and arena.
    std::optional<grpc::Status> end;
    std::optional<AppendAuthority> authority;
    if (!ok) {
      end = grpc::Status::OK;  // the client is done sending
    } else if (absl::StatusOr<AppendAuthority> admitted = Admit();
               !admitted.ok()) {
      end = ToGrpcStatus(admitted.status());
    } else {
      authority = *std::move(admitted);
    }
    std::unique_ptr<Slot> slot;
    if (authority.has_value()) {
      slot = std::make_unique<Slot>();
      slot->received = absl::Now();
      slot->batch = DecodeRequest(*std::move(authority), slot->response);
      if (options_.on_stream_batch_read) options_.on_stream_batch_read();
    }
    Steps next;
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (end.has_value() && !end_.has_value()) end_ = std::move(end);
      if (slot != nullptr) {
        ++appending_;
        slot->after =
            std::exchange(last_queued_, std::make_shared<absl::Notification>());
        slot->queued = last_queued_;
        appenders_.Schedule(
            [this, appending = slot.get()] { AppendInPool(*appending); });
        slots_.push_back(std::move(slot));
      }
      next = Next();
    }
    Start(this, next);
  }

  void OnWriteDone(bool ok) override {
    Steps next;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (ok) {
        slots_.pop_front();
      } else {
        cancelled_ = true;
        if (!end_.has_value()) end_ = CancelledStatus();
      }
      next = Next();
    }
    Start(this, next);
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

  // The batch of the request just read, with its batch_id set in
  // `response`.
  absl::StatusOr<AppendBatch> DecodeRequest(AppendAuthority authority,
                                            v1::AppendResponse& response) {
    grpc::Slice slice;
    if (!request_bytes_.TrySingleSlice(&slice).ok() &&
        !request_bytes_.DumpToSingleSlice(&slice).ok()) {
      return absl::InternalError("the request's bytes could not be read");
    }
    const std::string_view bytes(reinterpret_cast<const char*>(slice.begin()),
                                 slice.size());
    if (std::optional<PlainRequest> plain = RequestFromWire(bytes)) {
      response.set_batch_id(std::move(plain->batch_id));
      return BatchOf(*std::move(plain), options_.max_batch_events,
                     std::move(authority));
    }
    arena_.Reset();
    auto* request =
        google::protobuf::Arena::CreateMessage<v1::AppendRequest>(&arena_);
    if (!request->ParseFromArray(bytes.data(),
                                 static_cast<int>(bytes.size()))) {
      return EventError(absl::StatusCode::kInvalidArgument, -1, "",
                        "the request is not an AppendRequest in protobuf's "
                        "wire format (with UTF-8 strings)");
    }
    response.set_batch_id(request->batch_id());
    return BatchOf(*request, options_.max_batch_events, std::move(authority));
  }

  // One batch, from its read to its answer.
  struct Slot {
    absl::Time received;
    absl::StatusOr<AppendBatch> batch;
    // Notified once the batch before it in the stream (after), and this one
    // (queued), hold their places in the log's order, or were refused
    // before.
    std::shared_ptr<absl::Notification> after;
    std::shared_ptr<absl::Notification> queued;
    v1::AppendResponse response;
    grpc::ByteBuffer answer;  // response serialized
    bool answered = false;    // answer holds the answer (under mu_)
  };
  // What a reaction starts once it has let go of mu_.
  struct Steps {
    bool read = false;
    const grpc::ByteBuffer* write = nullptr;
    std::optional<grpc::Status> finish;
    bool Nothing() const {
      return !read && write == nullptr && !finish.has_value();
    }
  };

  // What the caller may append, asked again for every batch so that a token
  // revoked by a reload stops a stream already open; an error when it may
  // not append at all (or not here: on a read replica).
  absl::StatusOr<AppendAuthority> Admit() {
    ASSIGN_OR_RETURN(const Caller caller,
                     authorizer_.Authorize(context_, Rpc::kAppend));
    RETURN_IF_ERROR(CheckWritable(options_.follower));
    return AppendAuthorityOf(caller);
  }

  // On the append pool: appends the batch of `slot` once the one before it
  // holds its place, then answers it.
  void AppendInPool(Slot& slot) {
    // The service's, which outlive the reactor: read after mu_ is let go,
    // when the reactor may be gone.
    const LedgerServiceOptions& options = options_;
    if (slot.after != nullptr) slot.after->WaitForNotification();
    if (const absl::Status status = AppendAndAnswer(
            log_, options.metrics, slot.received, slot.batch,
            [&slot] { slot.queued->Notify(); }, &slot.response);
        !status.ok()) {
      *slot.response.mutable_error() = ToBatchError(status);
    }
    // A batch refused before it queued (or never decoded) holds no place.
    if (!slot.queued->HasBeenNotified()) slot.queued->Notify();
    bool own_buffer = false;
    if (const grpc::Status serialized =
            grpc::SerializationTraits<v1::AppendResponse>::Serialize(
                slot.response, &slot.answer, &own_buffer);
        !serialized.ok()) {
      // Nothing in an answer can fail to serialize: a broken invariant.
      Log(LogLevel::kError, "append", "an answer could not be serialized",
          {{"message", serialized.error_message()}});
      std::abort();
    }
    Steps next;
    {
      absl::MutexLock lock(&mu_);
      slot.answered = true;
      --appending_;
      next = Next();
    }
    if (next.Nothing() && options.after_answer_starts_nothing) {
      options.after_answer_starts_nothing();
    }
    Start(this, next);
  }

  // Decides what to start: the next read while fewer than
  // kAppendStreamBatchesInFlight batches wait for their answers, the write of
  // the first answer once it is there, and the end of the stream once it
  // has been decided, no append runs any more and every answer is sent (or
  // can no longer be).
  Steps Next() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Steps next;
    if (!end_.has_value() && !reading_ &&
        slots_.size() < kAppendStreamBatchesInFlight) {
      reading_ = true;
      next.read = true;
    }
    if (!writing_ && !cancelled_ && !slots_.empty() &&
        slots_.front()->answered) {
      writing_ = true;
      next.write = &slots_.front()->answer;
    }
    if (end_.has_value() && !finished_ && !reading_ && !writing_ &&
        appending_ == 0 && (cancelled_ || slots_.empty())) {
      finished_ = true;
      next.finish = end_;
    }
    return next;
  }

  // Starts what Next() decided; the reactor may be gone once it returns.
  // When Next() decided nothing, it may be gone already (another reaction
  // has finished the stream since mu_ was let go) and is not touched: a
  // member call would be one on a deleted object.
  static void Start(AppendStreamReactor* reactor, const Steps& next) {
    if (next.read) reactor->StartRead(&reactor->request_bytes_);
    if (next.write != nullptr) reactor->StartWrite(next.write);
    if (next.finish.has_value()) reactor->Finish(*next.finish);
  }

  EventLog& log_;
  WorkerPool& appenders_;
  const LedgerServiceOptions& options_;
  const Authorizer& authorizer_;
  const grpc::CallbackServerContext& context_;
  // Written while reading_, by the one read in flight.
  grpc::ByteBuffer request_bytes_;
  // For the requests protobuf's parser reads (DecodeRequest).
  std::unique_ptr<char[]> arena_block_;
  google::protobuf::Arena arena_;

  absl::Mutex mu_;
  // The batches read and not yet answered to the client, in stream order.
  std::deque<std::unique_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  bool reading_ ABSL_GUARDED_BY(mu_) = false;  // a read, or its decoding
  bool writing_ ABSL_GUARDED_BY(mu_) = false;  // of slots_.front()
  int appending_ ABSL_GUARDED_BY(mu_) = 0;     // AppendInPool calls running
  // Why the stream ends, once that is decided: the client is done sending
  // (OK), a batch was not admitted, or a write failed (cancelled_: the
  // client is gone, and the answers left are not sent).
  std::optional<grpc::Status> end_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // The queued notification of the last batch handed to the pool.
  std::shared_ptr<absl::Notification> last_queued_ ABSL_GUARDED_BY(mu_);
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
      hub_(log),
      appenders_(kAppendThreads) {}

void LedgerServiceImpl::CloseSubscriptions() { hub_.Close(); }

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
LedgerServiceImpl::Append(grpc::CallbackServerContext* context) {
  return new AppendStreamReactor(log_, appenders_, options_, authorizer_,
                                 *context);
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
  const absl::Time received = absl::Now();
  // On the append pool, as a stream's batches are: the fsync the append
  // waits for must not hold one of gRPC's reaction threads (two on two
  // cores), which every other call of the server needs.
  return FinishUnaryOn(
      appenders_, context,
      [this, received, request, response,
       authority = AppendAuthorityOf(*caller)]() mutable {
        response->set_batch_id(request->batch_id());
        return AppendAndAnswer(
            log_, options_.metrics, received,
            BatchOf(*request, options_.max_batch_events, std::move(authority)),
            [] {}, response);
      });
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
