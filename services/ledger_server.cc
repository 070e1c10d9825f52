#include "services/ledger_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/huge_pages.h"
#include "ledger/signed_note.h"
#include "ledger/status_macros.h"
#include "services/idle_release.h"
#include "services/log.h"

namespace banen {
namespace {

// How often the log watcher looks whether the server is shutting down.
constexpr absl::Duration kWatchInterval = absl::Milliseconds(100);
// How long the log and the projector stand still before the heap's freed
// memory goes back to the kernel (services/idle_release.h): longer than a
// client's pause between batches.
constexpr absl::Duration kQuietBeforeRelease = absl::Seconds(2);

// The signer of `signing_key` (as read from its file: surrounding white space
// is not part of it); nullopt for none.
absl::StatusOr<std::optional<NoteSigner>> SignerOf(std::string signing_key) {
  absl::StripAsciiWhitespace(&signing_key);
  if (signing_key.empty()) return std::nullopt;
  absl::StatusOr<NoteSigner> signer = NoteSigner::FromKey(signing_key);
  if (!signer.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing key: ", signer.status().message()));
  }
  return *std::move(signer);
}

}  // namespace

absl::StatusOr<std::unique_ptr<LedgerServer>> LedgerServer::Start(
    const LedgerServerOptions& options) {
  RETURN_IF_ERROR(CheckListenAddress(options.listen, options.transport,
                                     options.auth_config.empty()));
  ASSIGN_OR_RETURN(const std::shared_ptr<grpc::ServerCredentials> credentials,
                   ServerCredentials(options.transport));
  ASSIGN_OR_RETURN(std::optional<NoteSigner> signer,
                   SignerOf(options.signing_key));
  std::unique_ptr<LedgerServer> server(new LedgerServer());
  if (options.auth_config.empty()) {
    server->authorizer_ = std::make_unique<Authorizer>();
  } else {
    ASSIGN_OR_RETURN(server->authorizer_,
                     Authorizer::Load(options.auth_config));
  }
  EventLogOptions log_options;
  log_options.sync = options.sync;
  log_options.file_system = options.file_system;
  log_options.on_append_queued = options.on_append_queued;
  log_options.field_limits = options.field_limits;
  // The projection's saved state is read while the log loads its own and
  // replays the events after it: each took about half of a start.
  std::optional<absl::StatusOr<SavedProjection>> saved;
  log_options.while_opening = [&saved](const EventLog& log) {
    saved = Projector::ReadSavedState(log);
  };
  ASSIGN_OR_RETURN(server->log_,
                   EventLog::Open(options.data_dir, std::move(log_options)));
  // Set by every open that succeeds.
  RETURN_IF_ERROR(saved->status());
  ProjectorOptions projector_options = options.projector;
  projector_options.on_state_saved_while_following =
      [also = std::move(projector_options.on_state_saved_while_following)](
          uint64_t seq, absl::Duration encoding) {
        Log(LogLevel::kInfo, "state_saved",
            absl::StrCat("the projection's state at seq ", seq,
                         " is stored, its header queued"),
            {{"seq", absl::StrCat(seq)},
             {"encoding_ms",
              absl::StrCat(absl::ToInt64Milliseconds(encoding))}});
        if (also) also(seq, encoding);
      };
  ASSIGN_OR_RETURN(server->projector_,
                   Projector::Open(*server->log_, std::move(projector_options),
                                   **std::move(saved)));
  // The opens read the saved states in parts and buffers that are freed
  // once decoded, and the allocator keeps freed memory: hand it back, or it
  // stays in the server's RSS (10 % of it at 1 M events under glibc).
  ReleaseFreedMemory();
  if (!options.follow.primary.empty()) {
    server->follower_ =
        std::make_unique<Follower>(*server->log_, options.follow);
  }
  LedgerServiceOptions ledger_options = options.ledger_service;
  ledger_options.follower = server->follower_.get();
  if (!options.metrics_listen.empty()) {
    server->metrics_registry_ = std::make_unique<MetricsRegistry>();
    server->metrics_ = std::make_unique<ServerMetrics>(
        *server->metrics_registry_, *server->log_, *server->projector_);
    ledger_options.metrics = server->metrics_.get();
  }
  if (signer.has_value()) {
    server->head_signer_ = std::make_unique<HeadSigner>(*server->log_, *signer);
  }
  server->ledger_service_ = std::make_unique<LedgerServiceImpl>(
      *server->log_, *server->authorizer_, std::move(ledger_options));
  server->realisation_service_ = std::make_unique<RealisationServiceImpl>(
      *server->projector_, *server->authorizer_);
  server->quota_service_ = std::make_unique<QuotaServiceImpl>(
      *server->projector_, *server->authorizer_);
  server->register_service_ = std::make_unique<RegisterServiceImpl>(
      *server->projector_, *server->authorizer_);
  server->snapshot_service_ = std::make_unique<SnapshotServiceImpl>(
      *server->projector_, server->head_signer_.get(), *server->authorizer_,
      server->follower_.get());
  server->audit_service_ = std::make_unique<AuditServiceImpl>(
      *server->log_, server->head_signer_.get(), *server->authorizer_);

  server->admin_service_ = std::make_unique<AdminServiceImpl>(
      *server->log_, *server->authorizer_, options.backup_dir,
      server->follower_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.RegisterService(server->ledger_service_.get());
  builder.RegisterService(server->realisation_service_.get());
  builder.RegisterService(server->quota_service_.get());
  builder.RegisterService(server->register_service_.get());
  builder.RegisterService(server->snapshot_service_.get());
  builder.RegisterService(server->audit_service_.get());
  builder.RegisterService(server->admin_service_.get());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  if (options.log_rpcs) {
    interceptors.push_back(RequestLogInterceptorFactory());
  }
  if (server->metrics_ != nullptr) {
    interceptors.push_back(server->metrics_->InterceptorFactory());
  }
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->server_.reset();
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen,
        options.transport.tls() ? " (or the TLS certificate or key is not "
                                  "valid PEM of a matching pair)"
                                : ""));
  }
  if (server->metrics_registry_ != nullptr) {
    ASSIGN_OR_RETURN(server->metrics_http_,
                     MetricsHttpServer::Start(options.metrics_listen,
                                              *server->metrics_registry_));
  }
  server->host_ = options.listen.substr(0, options.listen.rfind(':'));
  server->on_memory_released_ = options.on_memory_released;
  server->watcher_ = std::thread([s = server.get()] { s->WatchLog(); });
  return server;
}

void LedgerServer::WatchLog() {
  IdleRelease idle_release(kQuietBeforeRelease, log_->GetHead().seq,
                           projector_->projected_seq(), absl::Now());
  while (true) {
    {
      absl::MutexLock lock(&watch_mutex_);
      if (stop_watching_) return;
    }
    // The head never passes the largest seq: this wakes only when the log
    // fails, or to look at stop_watching_ again.
    log_->WaitForHeadAfter(std::numeric_limits<uint64_t>::max(),
                           kWatchInterval);
    absl::Status status = log_->AppendStatus();
    if (status.ok() && follower_ != nullptr) status = follower_->status();
    if (!status.ok()) {
      server_->GetHealthCheckService()->SetServingStatus(false);
      Log(LogLevel::kError, "not_serving",
          absl::StrCat("NOT_SERVING: ", status.message()),
          {{"code", absl::StatusCodeToString(status.code())}});
      return;
    }
    if (idle_release.ShouldRelease(log_->GetHead().seq,
                                   projector_->projected_seq(), absl::Now())) {
      ReleaseFreedMemory();
      if (on_memory_released_) on_memory_released_();
    }
  }
}

LedgerServer::~LedgerServer() { Shutdown(absl::Seconds(5)); }

std::string LedgerServer::verifier_key() const {
  return head_signer_ != nullptr ? head_signer_->VerifierKey() : "";
}

std::string LedgerServer::address() const {
  return absl::StrCat(host_, ":", port_);
}

void LedgerServer::Shutdown(absl::Duration grace) {
  absl::MutexLock lock(&shutdown_mutex_);
  if (shut_down_) return;
  shut_down_ = true;
  if (watcher_.joinable()) {
    {
      absl::MutexLock watch_lock(&watch_mutex_);
      stop_watching_ = true;
    }
    watcher_.join();
  }
  // Its gauges read the log and the projector.
  metrics_http_.reset();
  // Stores what it received before the server stops answering.
  if (follower_ != nullptr) follower_->Stop();
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    ledger_service_->CloseSubscriptions();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server_->Wait();
    server_.reset();
  }
  // The services borrow the projector, the head signer and the log; the
  // projector and the head signer borrow the log.
  audit_service_.reset();
  admin_service_.reset();
  snapshot_service_.reset();
  register_service_.reset();
  realisation_service_.reset();
  quota_service_.reset();
  ledger_service_.reset();
  metrics_.reset();
  follower_.reset();
  projector_.reset();
  head_signer_.reset();
  log_.reset();
}

}  // namespace banen
