#include "services/ledger_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"

namespace banen {

absl::StatusOr<std::unique_ptr<LedgerServer>> LedgerServer::Start(
    const LedgerServerOptions& options) {
  std::unique_ptr<LedgerServer> server(new LedgerServer());
  EventLogOptions log_options;
  log_options.sync = options.sync;
  ASSIGN_OR_RETURN(server->projector_,
                   Projector::Open(options.data_dir, std::move(log_options),
                                   options.projector));
  server->ledger_service_ = std::make_unique<LedgerServiceImpl>(
      server->projector_->log(), options.ledger_service);
  server->realisation_service_ =
      std::make_unique<RealisationServiceImpl>(*server->projector_);
  server->snapshot_service_ =
      std::make_unique<SnapshotServiceImpl>(*server->projector_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.RegisterService(server->ledger_service_.get());
  builder.RegisterService(server->realisation_service_.get());
  builder.RegisterService(server->snapshot_service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  server->host_ = options.listen.substr(0, options.listen.rfind(':'));
  return server;
}

LedgerServer::~LedgerServer() { Shutdown(absl::Seconds(5)); }

std::string LedgerServer::address() const {
  return absl::StrCat(host_, ":", port_);
}

void LedgerServer::Shutdown(absl::Duration grace) {
  absl::MutexLock lock(&shutdown_mutex_);
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    ledger_service_->CloseSubscriptions();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server_->Wait();
    server_.reset();
  }
  // The services borrow the log; the projector closes it.
  snapshot_service_.reset();
  realisation_service_.reset();
  ledger_service_.reset();
  projector_.reset();
}

}  // namespace banen
