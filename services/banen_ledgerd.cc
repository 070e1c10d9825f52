// banen-ledgerd: serves the Banenafspraak ledger over gRPC until SIGTERM or
// SIGINT, then finishes the batches in flight and closes the store. SIGHUP
// reads the --auth-config file again.
#include <signal.h>
#include <sys/stat.h>

#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/backup.h"
#include "ledger/status_macros.h"
#include "services/auth.h"
#include "services/command_line.h"
#include "services/ledger_server.h"
#include "services/log.h"
#include "services/transport_security.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on, host:port (port 0: any free port)");
ABSL_FLAG(std::string, tls_cert, "",
          "Serve TLS with this certificate chain (PEM file); needs --tls-key");
ABSL_FLAG(std::string, tls_key, "", "The private key (PEM file) of --tls-cert");
ABSL_FLAG(std::string, client_ca, "",
          "With TLS: require client certificates signed by this CA (PEM "
          "file) and verify them (mTLS)");
ABSL_FLAG(bool, insecure_plaintext, false,
          "Allow plaintext on an address that is not loopback (refused "
          "otherwise): anyone who can reach it can read and forge calls");
ABSL_FLAG(std::string, data_dir, "",
          "Directory of the ledger's store; created if missing (required)");
ABSL_FLAG(int, grace_seconds, 5,
          "On shutdown, how long calls in flight may take to finish");
ABSL_FLAG(int, max_batch_events, banen::LedgerServiceOptions().max_batch_events,
          "Most events one batch may hold; a larger batch is refused with "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_message_bytes,
          banen::LedgerServerOptions().max_message_bytes,
          "Largest request message accepted, in bytes; a larger one is "
          "refused with RESOURCE_EXHAUSTED");

ABSL_FLAG(std::string, auth_config, "",
          "The principals, their roles and the SHA-256 of their tokens "
          "(text format of proto/banen/v1/auth.proto); SIGHUP reloads it. "
          "Without it the server runs in the open mode: every call allowed, "
          "on loopback only");

ABSL_FLAG(std::string, signing_key, "",
          "Sign the log's heads (AuditService.GetSignedHead) and every "
          "snapshot's head with the signer key in this file (made by "
          "banenctl keys new; keep it mode 0600); its name is the log's "
          "origin. Without it heads are not signed");

ABSL_FLAG(int, max_id_bytes, banen::kMaxIdBytes,
          "Longest event_id, job_id, employer_id, lender or parent id of an "
          "appended event, in bytes; longer is INVALID_ARGUMENT");
ABSL_FLAG(int, max_text_bytes, banen::kMaxTextBytes,
          "Longest name, reason or source of an appended event, in bytes; "
          "longer is INVALID_ARGUMENT");
ABSL_FLAG(std::string, metrics_listen, "",
          "Serve Prometheus metrics over HTTP at http://HOST:PORT/metrics "
          "(e.g. 127.0.0.1:9464); empty: no metrics endpoint");
ABSL_FLAG(bool, log_rpcs, true,
          "Log one line per rpc (event=rpc: request id, method, status code, "
          "duration, peer); false: only the server's own events");
ABSL_FLAG(std::string, backup_dir, "",
          "Directory on this host where AdminService.CreateBackup puts its "
          "backups (created if missing); empty: backups are refused");
ABSL_FLAG(std::string, restore_from, "",
          "Before serving, restore a backup from this backup directory into "
          "--data-dir, which must be missing or empty");
ABSL_FLAG(uint32_t, restore_backup_id, 0,
          "With --restore-from: the backup to restore; 0: the latest");
ABSL_FLAG(std::string, follow, "",
          "Run as a read replica of the primary banen-ledgerd at this "
          "host:port: store what its Subscribe sends, after checking the "
          "chain; refuse writes until banenctl admin promote");
ABSL_FLAG(std::string, follow_token_file, "",
          "With --follow: a file holding the bearer token to subscribe to "
          "the primary with (an auditor or admin principal of its auth "
          "config)");
ABSL_FLAG(std::string, follow_tls_ca, "",
          "With --follow: connect to the primary over TLS, verifying its "
          "certificate with these CA certificates (PEM file)");

namespace {

// The transport the flags ask for, with the PEM files they name read.
absl::StatusOr<banen::TransportOptions> TransportFromFlags() {
  banen::TransportOptions transport;
  transport.insecure_plaintext = absl::GetFlag(FLAGS_insecure_plaintext);
  RETURN_IF_ERROR(banen::ReadFilesNamedByFlags({
      {"tls-cert", absl::GetFlag(FLAGS_tls_cert), &transport.tls_cert_pem},
      {"tls-key", absl::GetFlag(FLAGS_tls_key), &transport.tls_key_pem},
      {"client-ca", absl::GetFlag(FLAGS_client_ca), &transport.client_ca_pem},
  }));
  return transport;
}

// A signer key others can read lets them sign heads as this log: said, as
// ssh says of a private key, though not refused (the file may sit on a
// volume without modes).
void WarnIfOthersMayRead(const std::string& path) {
  struct stat status;
  if (path.empty() || stat(path.c_str(), &status) != 0 ||
      (status.st_mode & (S_IRWXG | S_IRWXO)) == 0) {
    return;
  }
  const std::string mode =
      absl::StrFormat("%04o", static_cast<unsigned>(status.st_mode & 07777));
  banen::Log(banen::LogLevel::kWarning, "signing_key_readable",
             absl::StrCat("--signing-key=", path, " has mode ", mode,
                          ": others than its owner may read it and sign "
                          "heads as this log (chmod 600 it)"),
             {{"path", path}, {"mode", mode}});
}

// A start that fails: the status names the cause (a path, a flag, an
// address), never a request's data.
void LogStartFailed(std::string_view event, const absl::Status& status) {
  banen::Log(banen::LogLevel::kError, event, status.ToString(),
             {{"code", absl::StatusCodeToString(status.code())}});
}

// The SIGHUP handler's work: an edited config takes effect, a broken one
// leaves the old one in force.
void ReloadAuthConfig(banen::Authorizer& authorizer) {
  if (authorizer.open_mode()) {
    banen::Log(banen::LogLevel::kInfo, "auth_reload",
               "SIGHUP ignored: open mode");
    return;
  }
  if (const absl::Status status = authorizer.Reload(); !status.ok()) {
    banen::Log(banen::LogLevel::kError, "auth_reload",
               absl::StrCat("SIGHUP: auth config not reloaded, the old one "
                            "stays in force: ",
                            status.ToString()),
               {{"path", authorizer.path()},
                {"code", absl::StatusCodeToString(status.code())}});
    return;
  }
  banen::Log(
      banen::LogLevel::kInfo, "auth_reload",
      absl::StrCat("SIGHUP: auth config ", authorizer.path(), " reloaded, ",
                   authorizer.principal_count(), " principals"),
      {{"path", authorizer.path()},
       {"principals", absl::StrCat(authorizer.principal_count())}});
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves the Banenafspraak ledger: banen-ledgerd --data-dir=DIR "
      "[--listen=127.0.0.1:50051] [--tls-cert=PEM --tls-key=PEM "
      "[--client-ca=PEM]] [--insecure-plaintext] [--auth-config=FILE] "
      "[--signing-key=FILE] [--metrics-listen=127.0.0.1:9464] "
      "[--backup-dir=DIR] [--restore-from=BACKUP_DIR] [--follow=PRIMARY "
      "[--follow-token-file=FILE] [--follow-tls-ca=PEM]]");
  banen::ParseFlags(argc, argv);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) {
    banen::Log(banen::LogLevel::kError, "bad_flags", "--data-dir is required");
    return 2;
  }

  if (absl::GetFlag(FLAGS_max_batch_events) < 1 ||
      absl::GetFlag(FLAGS_max_message_bytes) < 1 ||
      absl::GetFlag(FLAGS_max_id_bytes) < 1 ||
      absl::GetFlag(FLAGS_max_text_bytes) < 0) {
    banen::Log(banen::LogLevel::kError, "bad_flags",
               "--max-batch-events, --max-message-bytes and --max-id-bytes "
               "must be positive, --max-text-bytes not negative");
    return 2;
  }

  if (const std::string backup = absl::GetFlag(FLAGS_restore_from);
      !backup.empty()) {
    const absl::StatusOr<banen::BackupInfo> restored = banen::RestoreBackup(
        backup, absl::GetFlag(FLAGS_restore_backup_id), data_dir);
    if (!restored.ok()) {
      LogStartFailed("restore_failed", restored.status());
      return 1;
    }
    const std::string hash = absl::BytesToHexString(absl::string_view(
        reinterpret_cast<const char*>(restored->head_hash.data()),
        restored->head_hash.size()));
    banen::Log(banen::LogLevel::kInfo, "restored",
               absl::StrCat("restored backup ", restored->id, " of ", backup,
                            " into ", data_dir, ": head seq ",
                            restored->head_seq, ", hash ", hash),
               {{"backup_id", absl::StrCat(restored->id)},
                {"backup_dir", backup},
                {"data_dir", data_dir},
                {"head_seq", absl::StrCat(restored->head_seq)},
                {"head_hash", hash}});
  }

  // Blocked before any thread starts, so every thread inherits the mask and
  // the signals reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  banen::LedgerServerOptions options;
  options.data_dir = data_dir;
  options.listen = absl::GetFlag(FLAGS_listen);
  absl::StatusOr<banen::TransportOptions> transport = TransportFromFlags();
  if (!transport.ok()) {
    LogStartFailed("bad_flags", transport.status());
    return 2;
  }
  options.transport = *std::move(transport);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.ledger_service.max_batch_events =
      absl::GetFlag(FLAGS_max_batch_events);
  options.field_limits.max_id_bytes = absl::GetFlag(FLAGS_max_id_bytes);
  options.field_limits.max_text_bytes = absl::GetFlag(FLAGS_max_text_bytes);
  options.auth_config = absl::GetFlag(FLAGS_auth_config);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.log_rpcs = absl::GetFlag(FLAGS_log_rpcs);
  options.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  options.follow.primary = absl::GetFlag(FLAGS_follow);
  if (const absl::Status status = banen::ReadFilesNamedByFlags(
          {{"signing-key", absl::GetFlag(FLAGS_signing_key),
            &options.signing_key},
           {"follow-token-file", absl::GetFlag(FLAGS_follow_token_file),
            &options.follow.token},
           {"follow-tls-ca", absl::GetFlag(FLAGS_follow_tls_ca),
            &options.follow.tls_ca_pem}});
      !status.ok()) {
    LogStartFailed("bad_flags", status);
    return 2;
  }
  // As banenctl reads its --token-file: the line's end is not the token's.
  absl::StripAsciiWhitespace(&options.follow.token);
  auto server = banen::LedgerServer::Start(options);
  if (!server.ok()) {
    LogStartFailed("start_failed", server.status());
    return 1;
  }
  if (!options.transport.tls() &&
      !banen::IsLoopbackListenAddress(options.listen)) {
    banen::Log(banen::LogLevel::kWarning, "insecure_plaintext",
               absl::StrCat("serving plaintext on ", options.listen,
                            ", which is not a loopback address "
                            "(--insecure-plaintext): anyone who can reach it "
                            "can read and forge calls"),
               {{"listen", options.listen}});
  }
  const banen::Head head = (*server)->log().GetHead();
  const std::string transport_name =
      banen::TransportDescription(options.transport);
  banen::Log(
      banen::LogLevel::kInfo, "serving",
      absl::StrCat("serving on ", (*server)->address(), " (", transport_name,
                   "), data in ", data_dir, ", head seq ", head.seq),
      {{"address", (*server)->address()},
       {"transport", transport_name},
       {"data_dir", data_dir},
       {"head_seq", absl::StrCat(head.seq)},
       {"version", std::string(banen::Version())},
       {"git_commit", std::string(banen::GitCommit())}});
  if (const banen::Follower* follower = (*server)->follower()) {
    banen::Log(banen::LogLevel::kInfo, "following",
               absl::StrCat("read replica of ", follower->primary(),
                            ", following from seq ", head.seq + 1,
                            "; writes are refused"),
               {{"primary", follower->primary()},
                {"from_seq", absl::StrCat(head.seq + 1)}});
  }
  if ((*server)->metrics_port() != 0) {
    banen::Log(banen::LogLevel::kInfo, "metrics",
               absl::StrCat("metrics on port ", (*server)->metrics_port()),
               {{"metrics_port", absl::StrCat((*server)->metrics_port())}});
  }
  if (const std::string key = (*server)->verifier_key(); key.empty()) {
    banen::Log(banen::LogLevel::kInfo, "signing",
               "no --signing-key: heads are not signed");
  } else {
    banen::Log(banen::LogLevel::kInfo, "signing",
               absl::StrCat("signing heads as ", key), {{"verifier_key", key}});
    WarnIfOthersMayRead(absl::GetFlag(FLAGS_signing_key));
  }
  banen::Authorizer& authorizer = (*server)->authorizer();
  if (authorizer.open_mode()) {
    banen::Log(banen::LogLevel::kWarning, "auth",
               "OPEN MODE: no --auth-config, so every call is allowed and "
               "recorded by nobody");
  } else {
    banen::Log(banen::LogLevel::kInfo, "auth",
               absl::StrCat("auth config ", authorizer.path(), ", ",
                            authorizer.principal_count(), " principals"),
               {{"path", authorizer.path()},
                {"principals", absl::StrCat(authorizer.principal_count())}});
  }

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    ReloadAuthConfig(authorizer);
  }
  const std::string signal_name =
      signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
  banen::Log(banen::LogLevel::kInfo, "shutdown",
             absl::StrCat(signal_name, ", shutting down"),
             {{"signal", signal_name}});
  (*server)->Shutdown(absl::Seconds(absl::GetFlag(FLAGS_grace_seconds)));
  banen::Log(banen::LogLevel::kInfo, "stopped", "store closed");
  return 0;
}
