#include "services/follower.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/log.h"

namespace banen {
namespace {

// Events received but not yet stored; past this the receiver stops reading.
constexpr size_t kMaxQueuedEvents = size_t{64} * 1024;
// As many as the primary reads ahead for a subscriber.
constexpr uint32_t kEventsPerItem = 256;

// gRPC's own reconnection backoff (up to two minutes by default) would keep
// a follower away from a primary that is back; it follows the follower's.
// Keepalive pings find a primary that vanished without closing the
// connection; five minutes is as often as a gRPC server accepts them on an
// idle connection by default.
std::shared_ptr<grpc::Channel> ChannelTo(const FollowerOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(
      GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.initial_backoff)));
  arguments.SetInt(
      GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.initial_backoff)));
  arguments.SetInt(
      GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.max_backoff)));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 5 * 60 * 1000);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls_ca_pem.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = options.tls_ca_pem;
    credentials = grpc::SslCredentials(tls);
  }
  return grpc::CreateCustomChannel(options.primary, credentials, arguments);
}

// A hash of the wire; a malformed one (not 32 bytes) stays all zero, which
// the chain check then refuses.
Hash HashOf(const std::string& bytes) {
  Hash hash{};
  if (bytes.size() == hash.size()) {
    std::memcpy(hash.data(), bytes.data(), hash.size());
  }
  return hash;
}

}  // namespace

absl::Status CheckWritable(const Follower* follower) {
  return follower == nullptr ? absl::OkStatus() : follower->CheckWritable();
}

Follower::Follower(EventLog& log, FollowerOptions options)
    : log_(log),
      options_(std::move(options)),
      stub_(v1::LedgerService::NewStub(ChannelTo(options_))) {
  receiver_ = std::thread([this] { Receive(); });
  applier_ = std::thread([this] { Apply(); });
}

Follower::~Follower() { Stop(); }

absl::Status Follower::status() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

absl::Status Follower::CheckWritable() const {
  absl::MutexLock lock(&mu_);
  if (promoted_) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "this server is a read replica of ", options_.primary,
      ": send writes to the primary there (or promote this one with "
      "banenctl admin promote once the primary is gone)"));
}

void Follower::Authorize(grpc::ClientContext& context) const {
  if (!options_.token.empty()) {
    context.AddMetadata("authorization",
                        absl::StrCat("Bearer ", options_.token));
  }
}

absl::StatusOr<Head> Follower::Promote() {
  {
    absl::MutexLock lock(&mu_);
    if (promoted_) {
      return absl::FailedPreconditionError("this server is a primary already");
    }
  }
  grpc::ClientContext context;
  Authorize(context);
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + options_.promote_probe_timeout));
  v1::GetHeadResponse primary_head;
  const grpc::Status probe =
      stub_->GetHead(&context, v1::GetHeadRequest(), &primary_head);
  if (probe.error_code() != grpc::StatusCode::UNAVAILABLE &&
      probe.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::FailedPreconditionError(
        absl::StrCat("the primary at ", options_.primary, " still answers (",
                     probe.ok() ? absl::StrCat("head seq ", primary_head.seq())
                                : probe.error_message(),
                     "): promote a follower only once its primary is gone"));
  }
  Stop();
  const Head head = log_.GetHead();
  Log(LogLevel::kInfo, "promoted",
      absl::StrCat("no longer follows ", options_.primary,
                   ", takes appends after seq ", head.seq),
      {{"primary", options_.primary}, {"head_seq", absl::StrCat(head.seq)}});
  absl::MutexLock lock(&mu_);
  promoted_ = true;
  return head;
}

void Follower::Stop() {
  absl::MutexLock stop(&stop_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (stream_context_ != nullptr) stream_context_->TryCancel();
  }
  if (receiver_.joinable()) receiver_.join();
  if (applier_.joinable()) applier_.join();
}

void Follower::Receive() {
  uint64_t next_seq = log_.GetHead().seq + 1;
  absl::Duration backoff = options_.initial_backoff;
  const auto over = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return stopping_ || !failure_.ok();
  };
  while (true) {
    if (ReceiveStream(next_seq)) backoff = options_.initial_backoff;
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&over), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

bool Follower::ReceiveStream(uint64_t& next_seq) {
  grpc::ClientContext context;
  Authorize(context);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ || !failure_.ok()) return false;
    stream_context_ = &context;
  }
  v1::SubscribeRequest request;
  request.set_from_seq(next_seq);
  request.set_max_events_per_item(kEventsPerItem);
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      stub_->Subscribe(&context, request);
  v1::SubscribeResponse item;
  bool queued = false;
  const auto room = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return queue_.size() < kMaxQueuedEvents || stopping_ || !failure_.ok();
  };
  while (reader->Read(&item)) {
    v1::StoredEvents received;
    if (item.has_event()) {
      *received.add_events() = std::move(*item.mutable_event());
    } else if (item.has_events()) {
      received.Swap(item.mutable_events());
    } else {
      continue;  // caught_up
    }
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&room));
    if (stopping_ || !failure_.ok()) break;
    for (v1::StoredEvent& event : *received.mutable_events()) {
      queue_.push_back({std::move(*event.mutable_canonical_bytes()),
                        HashOf(event.prev_hash()), HashOf(event.hash())});
      ++next_seq;
    }
    queued = true;
  }
  const grpc::Status ended = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    stream_context_ = nullptr;
    if (stopping_ || !failure_.ok()) return queued;
  }
  Log(LogLevel::kWarning, "follow_stream_ended",
      absl::StrCat("the stream from ", options_.primary, " ended (",
                   ended.ok() ? "OK" : ended.error_message(),
                   "); subscribing again from seq ", next_seq),
      {{"primary", options_.primary}, {"from_seq", absl::StrCat(next_seq)}});
  return queued;
}

void Follower::Apply() {
  const auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || stopping_;
  };
  std::vector<ReplicatedEvent> batch;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, everything stored
      const size_t count = std::min(queue_.size(), options_.max_batch_events);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + count));
      queue_.erase(queue_.begin(), queue_.begin() + count);
    }
    const absl::StatusOr<Head> head = log_.AppendReplicated(batch);
    batch.clear();
    if (head.ok()) continue;
    {
      absl::MutexLock lock(&mu_);
      failure_ = head.status();
      queue_.clear();
      if (stream_context_ != nullptr) stream_context_->TryCancel();
    }
    Log(LogLevel::kError, "replication_stopped",
        absl::StrCat("replication from ", options_.primary,
                     " stopped: ", head.status().ToString()),
        {{"primary", options_.primary}});
    if (options_.on_stopped) options_.on_stopped(head.status());
    return;
  }
}

}  // namespace banen
