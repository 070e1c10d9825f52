// LedgerServer: the ledger, its projections and the gRPC services of
// proto/banen/v1 behind one listening port, plus grpc.health.v1.Health and
// server reflection. What banen-ledgerd runs, and what the integration tests
// start in-process.
//
// Health: SERVING from Start() until Shutdown(), or until the log stops
// accepting appends after a failed storage write (EventLog::AppendStatus()):
// then NOT_SERVING, Subscribe streams end with UNAVAILABLE, and appends are
// refused with UNAVAILABLE until the server is restarted on a healthy disk.
// Reads and queries go on answering from what was stored.
//
// Read replica (options.follow.primary set): a Follower (services/follower.h)
// stores what the primary's Subscribe sends; appends and CreateSnapshot are
// refused with FAILED_PRECONDITION naming the primary until AdminService
// Promote. If replication stops on an event that does not extend the chain,
// health turns NOT_SERVING (reads go on answering what was stored).
//
// Thread safety: Shutdown() may be called from any thread, once or more;
// the accessors are safe until then. A watcher thread follows the log's
// health and releases freed memory when the server is idle. Ownership: owns
// the EventLog, the Projector that follows it, and the gRPC server.
#ifndef BANEN_SERVICES_LEDGER_SERVER_H_
#define BANEN_SERVICES_LEDGER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/event_log.h"
#include "projections/projector.h"
#include "services/admin_service.h"
#include "services/audit_service.h"
#include "services/auth.h"
#include "services/follower.h"
#include "services/head_signer.h"
#include "services/ledger_service.h"
#include "services/metrics.h"
#include "services/metrics_http.h"
#include "services/quota_service.h"
#include "services/realisation_service.h"
#include "services/register_service.h"
#include "services/snapshot_service.h"
#include "services/transport_security.h"

namespace banen {

struct LedgerServerOptions {
  // Where the log lives; created if missing.
  std::string data_dir;
  // "host:port"; port 0 picks a free one (see LedgerServer::port()).
  std::string listen = "127.0.0.1:50051";
  // Plaintext, TLS or mTLS (services/transport_security.h); plaintext only on
  // a loopback `listen` unless transport.insecure_plaintext.
  TransportOptions transport;
  // fsync before acknowledging a batch; only tests and benchmarks that say so
  // turn this off.
  bool sync = true;
  // A larger request is refused by gRPC with RESOURCE_EXHAUSTED before it is
  // parsed. The largest event (an EmployerRegistered with its ids and name at
  // the limits of ledger/validation.h) is under 1.5 KiB on the wire, so the
  // default holds a full batch of ledger_service.max_batch_events of them.
  int max_message_bytes = 16 << 20;
  // Bounds on identifiers and free text of appended events: INVALID_ARGUMENT
  // naming the field and the bound.
  FieldLimits field_limits;
  LedgerServiceOptions ledger_service;
  ProjectorOptions projector;
  // The file system the store lives on; null: the default (POSIX) one.
  // Tests inject one that fails writes.
  std::shared_ptr<rocksdb::FileSystem> file_system;
  // Test hook: EventLogOptions::on_append_queued of the server's log.
  std::function<void()> on_append_queued;
  // Test hook: called on the watcher thread after it handed the heap's freed
  // memory back (services/idle_release.h).
  std::function<void()> on_memory_released;
  // The principals and their tokens (services/auth.h, text format of
  // proto/banen/v1/auth.proto); empty: the open mode, every call allowed
  // and recorded by nobody.
  std::string auth_config;
  // "host:port" to serve Prometheus metrics on over HTTP (port 0: any free
  // port; see metrics_port()); empty: no metrics.
  std::string metrics_listen;
  // One log line per rpc with its request id (services/log.h). banen-ledgerd
  // turns it on (--log-rpcs); off, the in-process servers of the tests and
  // benchmarks stay quiet.
  bool log_rpcs = false;
  // Where AdminService.CreateBackup puts its backups, on this host; empty:
  // the backup rpcs answer FAILED_PRECONDITION.
  std::string backup_dir;
  // The signer key (ledger/signed_note.h, made by `banenctl keys new`) the
  // server signs its heads and snapshots' checkpoints with; its name is the
  // log's origin. Empty: no signed heads (GetSignedHead is
  // FAILED_PRECONDITION) and snapshots without a checkpoint.
  std::string signing_key;
  // Set `follow.primary` to run as a read replica of that primary.
  FollowerOptions follow;
};

class LedgerServer {
 public:
  // Opens the log (replaying it) and starts serving. FAILED_PRECONDITION for
  // plaintext on an address that is not loopback (CheckListenAddress),
  // INVALID_ARGUMENT for incomplete TLS options, both before the log is
  // opened, as is INVALID_ARGUMENT for a malformed signing_key; UNAVAILABLE
  // when the address cannot be bound (or gRPC refuses the
  // TLS certificate or key); the log's errors otherwise.
  static absl::StatusOr<std::unique_ptr<LedgerServer>> Start(
      const LedgerServerOptions& options);

  // Shutdown(absl::Seconds(5)).
  ~LedgerServer();
  LedgerServer(const LedgerServer&) = delete;
  LedgerServer& operator=(const LedgerServer&) = delete;

  // The bound port.
  int port() const { return port_; }
  // "127.0.0.1:<port>" style address for clients on this machine.
  std::string address() const;
  EventLog& log() { return *log_; }
  // Who may call what; Reload() it to take up an edited auth config.
  Authorizer& authorizer() { return *authorizer_; }
  Projector& projector() { return *projector_; }
  // Null unless the server follows a primary.
  Follower* follower() { return follower_.get(); }
  // The bound port of the metrics endpoint; 0 without metrics_listen.
  int metrics_port() const {
    return metrics_http_ == nullptr ? 0 : metrics_http_->port();
  }
  // The verifier key of options.signing_key (note format); empty without.
  std::string verifier_key() const;

  // Stops taking calls and reports NOT_SERVING, ends Subscribe streams, lets
  // the calls in flight finish (an Append stream's batch being appended
  // completes and is answered) for up to `grace`, then cancels the rest and
  // closes the log cleanly. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  LedgerServer() = default;

  // The watcher thread: reports NOT_SERVING once the log stops accepting
  // appends or replication stops, and hands the heap's freed memory back
  // once the log and the projector stood still (services/idle_release.h).
  void WatchLog();

  std::string host_;
  int port_ = 0;
  // Borrowed by the services, so it outlives them.
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<Projector> projector_;
  // Null on a primary; borrows the log.
  std::unique_ptr<Follower> follower_;
  // Null without metrics_listen. The registry's gauges read the log and the
  // projector; the endpoint reads the registry.
  std::unique_ptr<MetricsRegistry> metrics_registry_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<MetricsHttpServer> metrics_http_;
  // Null without a signing key; borrows the log.
  std::unique_ptr<HeadSigner> head_signer_;
  std::unique_ptr<LedgerServiceImpl> ledger_service_;
  std::unique_ptr<RealisationServiceImpl> realisation_service_;
  std::unique_ptr<QuotaServiceImpl> quota_service_;
  std::unique_ptr<RegisterServiceImpl> register_service_;
  std::unique_ptr<SnapshotServiceImpl> snapshot_service_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  std::unique_ptr<AdminServiceImpl> admin_service_;
  std::unique_ptr<grpc::Server> server_;

  absl::Mutex shutdown_mutex_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mutex_) = false;

  std::function<void()> on_memory_released_;
  absl::Mutex watch_mutex_ ABSL_ACQUIRED_AFTER(shutdown_mutex_);
  bool stop_watching_ ABSL_GUARDED_BY(watch_mutex_) = false;
  std::thread watcher_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_LEDGER_SERVER_H_
