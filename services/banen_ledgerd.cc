// banen-ledgerd: serves the Banenafspraak ledger over gRPC until SIGTERM or
// SIGINT, then finishes the batches in flight and closes the store. SIGHUP
// reads the --auth-config file again.
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "ledger/backup.h"
#include "ledger/status_macros.h"
#include "services/auth.h"
#include "services/command_line.h"
#include "services/ledger_server.h"
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
  std::fprintf(stderr,
               "banen-ledgerd: WARNING: --signing-key=%s has mode %04o: "
               "others than its owner may read it and sign heads as this "
               "log (chmod 600 it)\n",
               path.c_str(), static_cast<unsigned>(status.st_mode & 07777));
}

// The SIGHUP handler's work: an edited config takes effect, a broken one
// leaves the old one in force.
void ReloadAuthConfig(banen::Authorizer& authorizer) {
  if (authorizer.open_mode()) {
    std::fprintf(stderr, "banen-ledgerd: SIGHUP ignored: open mode\n");
    return;
  }
  if (const absl::Status status = authorizer.Reload(); !status.ok()) {
    std::fprintf(stderr,
                 "banen-ledgerd: SIGHUP: auth config not reloaded, the old "
                 "one stays in force: %s\n",
                 status.ToString().c_str());
    return;
  }
  std::fprintf(stderr,
               "banen-ledgerd: SIGHUP: auth config %s reloaded, %zu "
               "principals\n",
               authorizer.path().c_str(), authorizer.principal_count());
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
    std::fprintf(stderr, "banen-ledgerd: --data-dir is required\n");
    return 2;
  }

  if (absl::GetFlag(FLAGS_max_batch_events) < 1 ||
      absl::GetFlag(FLAGS_max_message_bytes) < 1 ||
      absl::GetFlag(FLAGS_max_id_bytes) < 1 ||
      absl::GetFlag(FLAGS_max_text_bytes) < 0) {
    std::fprintf(stderr,
                 "banen-ledgerd: --max-batch-events, --max-message-bytes and "
                 "--max-id-bytes must be positive, --max-text-bytes not "
                 "negative\n");
    return 2;
  }

  if (const std::string backup = absl::GetFlag(FLAGS_restore_from);
      !backup.empty()) {
    const absl::StatusOr<banen::BackupInfo> restored = banen::RestoreBackup(
        backup, absl::GetFlag(FLAGS_restore_backup_id), data_dir);
    if (!restored.ok()) {
      std::fprintf(stderr, "banen-ledgerd: %s\n",
                   restored.status().ToString().c_str());
      return 1;
    }
    std::fprintf(stderr,
                 "banen-ledgerd: restored backup %u of %s into %s: head seq "
                 "%llu, hash %s\n",
                 restored->id, backup.c_str(), data_dir.c_str(),
                 static_cast<unsigned long long>(restored->head_seq),
                 absl::BytesToHexString(
                     absl::string_view(reinterpret_cast<const char*>(
                                           restored->head_hash.data()),
                                       restored->head_hash.size()))
                     .c_str());
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
    std::fprintf(stderr, "banen-ledgerd: %s\n",
                 transport.status().ToString().c_str());
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
    std::fprintf(stderr, "banen-ledgerd: %s\n", status.ToString().c_str());
    return 2;
  }
  // As banenctl reads its --token-file: the line's end is not the token's.
  absl::StripAsciiWhitespace(&options.follow.token);
  auto server = banen::LedgerServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "banen-ledgerd: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  if (!options.transport.tls() &&
      !banen::IsLoopbackListenAddress(options.listen)) {
    std::fprintf(stderr,
                 "banen-ledgerd: WARNING: serving plaintext on %s, which is "
                 "not a loopback address (--insecure-plaintext): anyone who "
                 "can reach it can read and forge calls\n",
                 options.listen.c_str());
  }
  const banen::Head head = (*server)->log().GetHead();
  std::fprintf(stderr,
               "banen-ledgerd: serving on %s (%s), data in %s, head seq %llu\n",
               (*server)->address().c_str(),
               banen::TransportDescription(options.transport).c_str(),
               data_dir.c_str(), static_cast<unsigned long long>(head.seq));
  if (const banen::Follower* follower = (*server)->follower()) {
    std::fprintf(stderr,
                 "banen-ledgerd: read replica of %s, following from seq %llu; "
                 "writes are refused\n",
                 follower->primary().c_str(),
                 static_cast<unsigned long long>(head.seq + 1));
  }
  if ((*server)->metrics_port() != 0) {
    std::fprintf(stderr, "banen-ledgerd: metrics on port %d\n",
                 (*server)->metrics_port());
  }
  if (const std::string key = (*server)->verifier_key(); key.empty()) {
    std::fprintf(stderr,
                 "banen-ledgerd: no --signing-key: heads are not signed\n");
  } else {
    std::fprintf(stderr, "banen-ledgerd: signing heads as %s\n", key.c_str());
    WarnIfOthersMayRead(absl::GetFlag(FLAGS_signing_key));
  }
  banen::Authorizer& authorizer = (*server)->authorizer();
  if (authorizer.open_mode()) {
    std::fprintf(stderr,
                 "banen-ledgerd: OPEN MODE: no --auth-config, so every call "
                 "is allowed and recorded by nobody\n");
  } else {
    std::fprintf(stderr, "banen-ledgerd: auth config %s, %zu principals\n",
                 authorizer.path().c_str(), authorizer.principal_count());
  }

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    ReloadAuthConfig(authorizer);
  }
  std::fprintf(stderr, "banen-ledgerd: %s, shutting down\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Shutdown(absl::Seconds(absl::GetFlag(FLAGS_grace_seconds)));
  std::fprintf(stderr, "banen-ledgerd: store closed\n");
  return 0;
}
