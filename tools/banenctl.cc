// banenctl: a command-line client of banen-ledgerd.
//
// Every command takes the connection flags [--server=127.0.0.1:50051]
// [--tls-ca=PEM [--tls-cert=PEM --tls-key=PEM]] [--token-file=FILE] (or the
// token in $BANEN_TOKEN).
//
//   banenctl report [--quarter=2024Q4]
//            [--to-quarter=...] [--measure=PEILDATUM]
//            [--sectors=GEMEENTEN,RIJK]
//            [--as-of=2025-03-01T00:00:00Z] [--employers [--roll-up]]
//            [--incl-sroi] [--view=both|sector|monitor]
//            [--format=text|letter|csv|json|html] [--out=FILE]
//   banenctl report --regime=WBA_2026 [--quarter=2024Q4] [--to-quarter=...]
//            [--sectors=...] [--as-of=...] [--format=text|csv|json|html]
//                        the Wet banenafspraak's realisation: paid hours per
//                        sector and calendar year, inleen for the lender
//   banenctl report quota [--year=2024] [--regime=WFSV_2015|WBA_2026]
//            [--sectors=OVERHEID] [--as-of=...] [--employers]
//            [--format=text|csv|json|html] [--out=FILE]
//                        quota, shortfall and levy per employer (Wfsv §4a)
//   banenctl report register [--quarter=2024Q4] [--to-quarter=...]
//            [--as-of=...] [--format=text|csv|json|html] [--out=FILE]
//                        the register dashboard (doelgroepregister)
//   banenctl import FILE... [--on-error=stop|skip] [--batch-size=1000]
//                        CSV or NDJSON events (tools/event_file.h), resumable
//   banenctl snapshot create --quarter=2024Q4 | list [QUARTER] |
//            show KEY | diff KEY | rederive KEY
//                                    (list QUARTER: that quarter's only)
//   banenctl tail [--from-seq=N] [--format=text|ndjson]
//                        prints events as they are committed
//   banenctl load-demo   stores the built-in demo history (once)
//   banenctl head        the head of the log
//   banenctl head --signed [--tree-size=N]
//                        the signed head (a checkpoint note) of the head or
//                        of the first N events: what an auditor publishes
//   banenctl verify      replays the whole log and recomputes the hash chain
//                        here, against the server's head and every snapshot
//   banenctl backup create | list | verify [ID]
//                        online backups into the server's --backup-dir, on
//                        the server host (admin role); verify: the latest
//                        without ID
//   banenctl admin promote
//                        turns a read replica (banen-ledgerd --follow) into
//                        a primary; refused while its primary still answers
//                        (admin role)
//   banenctl verify --published=FILE --verifier-key=KEY
//                        checks signed heads published elsewhere: their
//                        signatures, that the server's current signed head
//                        extends each (consistency proofs), then the chain
//                        and the Merkle root of every event up to it
//   banenctl prove --event-id=ID --head=FILE --verifier-key=KEY
//                        proves one event is in a published signed head
//   banenctl snapshot rederive KEY [--verifier-key=KEY]
//                        recomputes a snapshot's figures here from the
//                        events up to its head, checking its signed head
//   banenctl auth new-token --principal=ID [--role=employer --scope=ACME,..]
//                        a fresh token and the auth config line to add
//                        (its SHA-256); talks to no server
//   banenctl keys new --name=ORIGIN --out=FILE
//                        a fresh Ed25519 key for banen-ledgerd --signing-key:
//                        writes the signer key to FILE (mode 0600, never over
//                        an existing file) and prints the verifier key
//                        (ledger/signed_note.h); talks to no server
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "banen/v1/admin.grpc.pb.h"
#include "banen/v1/audit.grpc.pb.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "banen/v1/quota.grpc.pb.h"
#include "banen/v1/realisation.grpc.pb.h"
#include "banen/v1/register.grpc.pb.h"
#include "banen/v1/snapshot.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/codec.h"
#include "ledger/signed_note.h"
#include "ledger/status_macros.h"
#include "services/auth_config.h"
#include "services/command_line.h"
#include "tools/audit_proofs.h"
#include "tools/chain_audit.h"
#include "tools/client.h"
#include "tools/demo.h"
#include "tools/importer.h"
#include "tools/realisation_report.h"
#include "tools/report_formats.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "banen-ledgerd address");
ABSL_FLAG(std::string, tls_ca, "",
          "Connect with TLS, trusting server certificates signed by this CA "
          "(PEM file); without it: plaintext");
ABSL_FLAG(std::string, tls_cert, "",
          "With --tls-ca: present this client certificate (PEM file) to a "
          "server that requires one (mTLS); needs --tls-key");
ABSL_FLAG(std::string, tls_key, "", "The private key (PEM file) of --tls-cert");
ABSL_FLAG(std::string, token_file, "",
          "Send the bearer token in this file with every call (default: the "
          "BANEN_TOKEN environment variable, if set)");
ABSL_FLAG(std::string, quarter, "2024Q4", "report: first quarter");
ABSL_FLAG(std::string, to_quarter, "",
          "report: last quarter (default: --quarter)");
ABSL_FLAG(std::string, measure, "PEILDATUM",
          "report: PEILDATUM, KWARTAALGEMIDDELDE or MAANDUREN");
ABSL_FLAG(std::vector<std::string>, sectors, {},
          "report: sectors, e.g. GEMEENTEN,RIJK (default: all + aggregates)");
ABSL_FLAG(std::string, as_of, "",
          "report: only events recorded by then, RFC 3339 (default: all)");
ABSL_FLAG(bool, employers, false,
          "report: also one row per employer (report quota --format=text: "
          "the employers' lines above the sector totals)");
ABSL_FLAG(bool, roll_up, false,
          "report --employers: each employer row with its children "
          "(parent_employer_id), e.g. a ministry with its agencies");
ABSL_FLAG(int, timeout_seconds, 30, "deadline of each call");
ABSL_FLAG(bool, incl_sroi, false,
          "report --format=html: stack SROI on top of the realisation in the "
          "charts (the tables always show SROI apart)");
ABSL_FLAG(std::string, format, "text",
          "report: text, letter (the ministers' table), csv, json or html; "
          "tail: text or ndjson");
ABSL_FLAG(std::string, view, "both",
          "report: both (the by-sector rows, then the national monitor's "
          "split of MARKT, OVERHEID and NATIONAAL), sector, or monitor (only "
          "the national monitor; --format=letter prints the SZW letters' "
          "table, with the change against a year earlier when "
          "--quarter..--to-quarter includes it)");
ABSL_FLAG(std::string, out, "-",
          "report: output file; - for stdout. keys new: the signer key's "
          "file (required)");
ABSL_FLAG(int, year, 2024, "report quota: the calendar year");
ABSL_FLAG(std::string, regime, "WFSV_2015",
          "report, report quota: WFSV_2015 (today's law: a quota percentage "
          "for overheid and one for markt, inleen counts for the hirer) or "
          "WBA_2026 (Wet banenafspraak: one national target and percentage, "
          "the realisation in paid hours per calendar year, inleen counts "
          "for the lender)");
ABSL_FLAG(std::string, on_error, "stop",
          "import: stop at the first bad line, or skip it and go on");
ABSL_FLAG(int, batch_size, static_cast<int>(banen::ImportOptions().batch_size),
          "import: events per batch");
ABSL_FLAG(uint64_t, from_seq, 0, "tail: first seq (default: after the head)");
ABSL_FLAG(std::string, principal, "", "auth new-token: the principal's id");
ABSL_FLAG(std::string, name, "",
          "keys new: the key's name, which is the log's origin in its signed "
          "heads (e.g. banen.example.nl/ledger)");
ABSL_FLAG(std::string, role, "",
          "auth new-token: employer, register, steward, auditor, snapshot, "
          "reader or admin, for a new principal's entry (default: only the "
          "token_sha256 line, for an existing principal)");
ABSL_FLAG(std::string, published, "",
          "verify: a file of signed heads published elsewhere (checkpoints "
          "as GetSignedHead returns them, one after another)");
ABSL_FLAG(std::string, verifier_key, "",
          "verify --published, prove, snapshot rederive: the log's verifier "
          "key, NAME+KEYID+BASE64 as `banenctl keys new` printed it; known "
          "from elsewhere than the server");
ABSL_FLAG(bool, signed, false,
          "head: print the server's signed head (checkpoint note) instead");
ABSL_FLAG(uint64_t, tree_size, 0,
          "head --signed: of the first N events (default: the head)");
ABSL_FLAG(std::string, head, "",
          "prove: the file of the published signed head to prove in");
ABSL_FLAG(std::string, event_id, "", "prove: the event_id of the event");
ABSL_FLAG(std::vector<std::string>, scope, {},
          "auth new-token --role=employer: the employer ids it acts for");

namespace banen {
namespace {

using client::FromGrpc;

// Who recorded an event, as printed: "-" for nobody (the open mode, and
// events stored before recorded_by existed).
std::string RecordedBy(const std::string& principal) {
  return principal.empty() ? "-" : principal;
}

absl::StatusOr<v1::Sector> SectorFlag(const std::string& name) {
  v1::Sector sector;
  if (!v1::Sector_Parse(absl::StrCat("SECTOR_", absl::AsciiStrToUpper(name)),
                        &sector)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--sectors: unknown sector ", name));
  }
  return sector;
}

class Client {
 public:
  explicit Client(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)),
        ledger_(v1::LedgerService::NewStub(channel_)),
        realisation_(v1::RealisationService::NewStub(channel_)),
        quota_(v1::QuotaService::NewStub(channel_)),
        register_(v1::RegisterService::NewStub(channel_)),
        snapshots_(v1::SnapshotService::NewStub(channel_)),
        admin_(v1::AdminService::NewStub(channel_)),
        audit_(v1::AuditService::NewStub(channel_)) {}

  absl::Status ReportQuota() {
    v1::QuotaRequest request;
    request.set_year(absl::GetFlag(FLAGS_year));
    ASSIGN_OR_RETURN(const v1::Regime regime, RegimeFlag());
    request.set_regime(regime);
    const std::string regime_name = absl::GetFlag(FLAGS_regime);
    const std::vector<std::string> sectors = absl::GetFlag(FLAGS_sectors);
    if (sectors.size() > 1) {
      return absl::InvalidArgumentError(
          "--sectors: report quota takes one sector or aggregate");
    }
    if (!sectors.empty()) {
      ASSIGN_OR_RETURN(const v1::Sector sector, SectorFlag(sectors[0]));
      request.set_sector(sector);
    }
    ASSIGN_OR_RETURN(const std::optional<absl::Time> as_of, AsOfFlag());
    if (as_of.has_value()) TimeToProto(*as_of, request.mutable_as_of());
    v1::QuotaTable table;
    auto context = Context();
    RETURN_IF_ERROR(FromGrpc(quota_->GetQuota(context.get(), request, &table)));
    const std::string format = absl::GetFlag(FLAGS_format);
    std::string text;
    if (format == "text") {
      text = QuotaReport(table, absl::GetFlag(FLAGS_employers));
    } else if (format == "csv") {
      text = QuotaCsv(table);
    } else if (format == "json") {
      ASSIGN_OR_RETURN(text, QuotaJson(table));
    } else if (format == "html") {
      text = QuotaHtml(
          table, absl::StrCat("Banenafspraak: quotum ", request.year(), " (",
                              regime_name, ")"));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--format: ", format,
                       ": report quota takes text, csv, json or html"));
    }
    return WriteOutput(text);
  }

  // --regime=WFSV_2015|WBA_2026, as the wire names it.
  static absl::StatusOr<v1::Regime> RegimeFlag() {
    v1::Regime regime;
    const std::string name = absl::GetFlag(FLAGS_regime);
    if (!v1::Regime_Parse(absl::StrCat("REGIME_", absl::AsciiStrToUpper(name)),
                          &regime)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--regime: ", name, ": use WFSV_2015 or WBA_2026"));
    }
    return regime;
  }

  // report --regime=WBA_2026: the Wet banenafspraak's realisation, per
  // sector and calendar year of --quarter..--to-quarter.
  absl::Status ReportWba() {
    if (absl::GetFlag(FLAGS_employers)) {
      return absl::InvalidArgumentError(
          "--employers: the WBA_2026 realisation has no employer rows; "
          "`report quota --regime=WBA_2026 --employers` has them");
    }
    v1::RealisationRequest request;
    request.set_regime(v1::REGIME_WBA_2026);
    request.set_from_quarter(absl::GetFlag(FLAGS_quarter));
    request.set_to_quarter(absl::GetFlag(FLAGS_to_quarter));
    for (const std::string& name : absl::GetFlag(FLAGS_sectors)) {
      ASSIGN_OR_RETURN(const v1::Sector sector, SectorFlag(name));
      request.add_sectors(sector);
    }
    ASSIGN_OR_RETURN(const std::optional<absl::Time> as_of, AsOfFlag());
    if (as_of.has_value()) TimeToProto(*as_of, request.mutable_as_of());
    v1::RealisationTable table;
    auto context = Context();
    RETURN_IF_ERROR(
        FromGrpc(realisation_->GetRealisation(context.get(), request, &table)));
    const std::string format = absl::GetFlag(FLAGS_format);
    std::string text;
    if (format == "text") {
      text = YearReport(table);
    } else if (format == "csv") {
      text = YearCsv(table);
    } else if (format == "json") {
      ASSIGN_OR_RETURN(text, RealisationJson(table));
    } else if (format == "html") {
      text = YearHtml(table, "Banenafspraak: realisatie (WBA_2026)");
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--format: ", format,
          ": report --regime=WBA_2026 takes text, csv, json or html"));
    }
    return WriteOutput(text);
  }

  absl::Status Report() {
    ASSIGN_OR_RETURN(const v1::Regime regime, RegimeFlag());
    if (regime == v1::REGIME_WBA_2026) return ReportWba();
    v1::RealisationRequest request;
    request.set_from_quarter(absl::GetFlag(FLAGS_quarter));
    request.set_to_quarter(absl::GetFlag(FLAGS_to_quarter));
    v1::RealisationMeasure measure;
    if (!v1::RealisationMeasure_Parse(
            absl::StrCat("REALISATION_MEASURE_",
                         absl::AsciiStrToUpper(absl::GetFlag(FLAGS_measure))),
            &measure)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--measure: unknown measure ", absl::GetFlag(FLAGS_measure)));
    }
    request.set_measure(measure);
    for (const std::string& name : absl::GetFlag(FLAGS_sectors)) {
      ASSIGN_OR_RETURN(const v1::Sector sector, SectorFlag(name));
      request.add_sectors(sector);
    }
    ASSIGN_OR_RETURN(const std::optional<absl::Time> as_of, AsOfFlag());
    if (as_of.has_value()) TimeToProto(*as_of, request.mutable_as_of());
    request.set_include_employers(absl::GetFlag(FLAGS_employers));
    request.set_roll_up_children(absl::GetFlag(FLAGS_roll_up));
    const std::string view = absl::GetFlag(FLAGS_view);
    const std::string format = absl::GetFlag(FLAGS_format);
    const bool monitor = view == "monitor";
    if (view != "both" && view != "sector" && !monitor) {
      return absl::InvalidArgumentError(
          absl::StrCat("--view: ", view, ": use both, sector or monitor"));
    }
    if (monitor && format == "csv") {
      return absl::InvalidArgumentError(
          "--view=monitor: the CSV holds the by-sector rows only; use text, "
          "letter, json or html");
    }
    if (monitor) request.set_view(v1::REALISATION_VIEW_NATIONAL_MONITOR);
    v1::RealisationTable table;
    auto context = Context();
    RETURN_IF_ERROR(
        FromGrpc(realisation_->GetRealisation(context.get(), request, &table)));
    if (view == "both" && format != "csv") {
      RETURN_IF_ERROR(AddMonitorRows(request, &table));
    }
    std::string text;
    if (format == "text") {
      text = monitor ? MonitorReport(table) : RealisationReport(table);
    } else if (format == "letter") {
      text = monitor ? MonitorLetter(table) : RealisationLetter(table);
    } else if (format == "csv") {
      text = RealisationCsv(table);
    } else if (format == "json") {
      ASSIGN_OR_RETURN(text, RealisationJson(table));
    } else if (format == "html") {
      ASSIGN_OR_RETURN(const v1::RegisterFigures figures,
                       RegisterFiguresLike(request, table));
      text = RealisationHtml(
          table,
          absl::StrCat("Banenafspraak: realisatie ", request.from_quarter(),
                       request.to_quarter().empty()
                           ? ""
                           : absl::StrCat(" - ", request.to_quarter())),
          absl::GetFlag(FLAGS_incl_sroi), &figures);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--format: ", format, ": use text, letter, csv, json or html"));
    }
    return WriteOutput(text);
  }

  // report register: the register dashboard of --quarter..--to-quarter.
  absl::Status ReportRegister() {
    v1::RegisterFiguresRequest request;
    request.set_from_quarter(absl::GetFlag(FLAGS_quarter));
    request.set_to_quarter(absl::GetFlag(FLAGS_to_quarter));
    ASSIGN_OR_RETURN(const std::optional<absl::Time> as_of, AsOfFlag());
    if (as_of.has_value()) TimeToProto(*as_of, request.mutable_as_of());
    v1::RegisterFigures figures;
    auto context = Context();
    RETURN_IF_ERROR(FromGrpc(
        register_->GetRegisterFigures(context.get(), request, &figures)));
    const std::string format = absl::GetFlag(FLAGS_format);
    std::string text;
    if (format == "text") {
      text = RegisterReport(figures);
    } else if (format == "csv") {
      text = RegisterCsv(figures);
    } else if (format == "json") {
      ASSIGN_OR_RETURN(text, RegisterJson(figures));
    } else if (format == "html") {
      text = RegisterHtml(
          figures,
          absl::StrCat("Banenafspraak: doelgroepregister ",
                       request.from_quarter(),
                       request.to_quarter().empty()
                           ? ""
                           : absl::StrCat(" - ", request.to_quarter())));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--format: ", format,
                       ": report register takes text, csv, json "
                       "or html"));
    }
    return WriteOutput(text);
  }

  // The register dashboard of the realisation's quarters, as of the same
  // moment, for the HTML page.
  absl::StatusOr<v1::RegisterFigures> RegisterFiguresLike(
      const v1::RealisationRequest& realisation,
      const v1::RealisationTable& table) {
    v1::RegisterFiguresRequest request;
    request.set_from_quarter(realisation.from_quarter());
    request.set_to_quarter(realisation.to_quarter());
    if (table.has_as_of()) *request.mutable_as_of() = table.as_of();
    v1::RegisterFigures figures;
    auto context = Context();
    RETURN_IF_ERROR(FromGrpc(
        register_->GetRegisterFigures(context.get(), request, &figures)));
    return figures;
  }

  // --as-of; nullopt without the flag.
  static absl::StatusOr<std::optional<absl::Time>> AsOfFlag() {
    const std::string text = absl::GetFlag(FLAGS_as_of);
    if (text.empty()) return std::nullopt;
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--as-of: ", text, ": ", error));
    }
    return time;
  }

  // Both views side by side: the national monitor's split of the same
  // quarters, as of the same moment, for the aggregates the report names.
  absl::Status AddMonitorRows(v1::RealisationRequest request,
                              v1::RealisationTable* table) {
    request.clear_sectors();
    for (const v1::RealisationRow& row : table->rows()) {
      // What the monitor view splits (projections' IsMonitorSector; this
      // client does not link the projections).
      const bool monitor_sector = row.sector() == v1::SECTOR_MARKT ||
                                  row.sector() == v1::SECTOR_OVERHEID ||
                                  row.sector() == v1::SECTOR_NATIONAAL;
      if (!row.employer_id().empty() || !monitor_sector) continue;
      if (std::find(request.sectors().begin(), request.sectors().end(),
                    row.sector()) == request.sectors().end()) {
        request.add_sectors(row.sector());
      }
    }
    if (request.sectors().empty()) return absl::OkStatus();
    if (table->has_as_of()) *request.mutable_as_of() = table->as_of();
    request.set_include_employers(false);
    request.set_view(v1::REALISATION_VIEW_NATIONAL_MONITOR);
    v1::RealisationTable monitor;
    auto context = Context();
    RETURN_IF_ERROR(FromGrpc(
        realisation_->GetRealisation(context.get(), request, &monitor)));
    *table->mutable_monitor_rows() = monitor.monitor_rows();
    return absl::OkStatus();
  }

  absl::Status Import(const std::vector<std::string>& paths) {
    if (paths.empty()) {
      return absl::InvalidArgumentError("import: name one or more files");
    }
    ImportOptions options;
    const std::string on_error = absl::GetFlag(FLAGS_on_error);
    if (on_error != "stop" && on_error != "skip") {
      return absl::InvalidArgumentError(
          absl::StrCat("--on-error: ", on_error, ": use stop or skip"));
    }
    options.on_error = on_error == "skip" ? OnError::kSkip : OnError::kStop;
    options.batch_size =
        static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_batch_size)));
    const bool terminal = isatty(fileno(stderr));
    options.on_progress = [terminal](const ImportProgress& progress) {
      if (terminal) PrintProgress(progress);
    };
    options.on_bad_line = [terminal](const LineError& error) {
      std::fprintf(stderr, "%s%s\n", terminal ? "\r\033[K" : "",
                   error.ToString().c_str());
    };
    options.interrupted = [] { return interrupted.load(); };
    std::signal(SIGINT, [](int) { interrupted.store(true); });
    std::signal(SIGTERM, [](int) { interrupted.store(true); });
    ASSIGN_OR_RETURN(const ImportSummary summary,
                     ImportFiles(*ledger_, paths, options));
    if (terminal) std::fputs("\n", stderr);
    std::printf(
        "import: %llu events stored, %llu already there, %llu bad "
        "lines\n",
        static_cast<unsigned long long>(summary.stored),
        static_cast<unsigned long long>(summary.duplicates),
        static_cast<unsigned long long>(summary.bad_lines));
    if (summary.interrupted) {
      return absl::CancelledError(
          "import interrupted; run it again to resume (nothing is stored "
          "twice)");
    }
    if (summary.stopped_on_error) {
      return absl::InvalidArgumentError(
          "import stopped at a bad line; fix it and run again to resume, or "
          "use --on-error=skip");
    }
    return absl::OkStatus();
  }

  absl::Status Backup(const std::vector<std::string>& args) {
    const std::string action = args.empty() ? "" : args[0];
    auto context = Context();
    if (action == "create" && args.size() == 1) {
      v1::CreateBackupResponse response;
      RETURN_IF_ERROR(FromGrpc(admin_->CreateBackup(
          context.get(), v1::CreateBackupRequest(), &response)));
      PrintBackup(response.backup());
      return absl::OkStatus();
    }
    if (action == "list" && args.size() == 1) {
      v1::ListBackupsResponse response;
      RETURN_IF_ERROR(FromGrpc(admin_->ListBackups(
          context.get(), v1::ListBackupsRequest(), &response)));
      for (const v1::Backup& backup : response.backups()) PrintBackup(backup);
      return absl::OkStatus();
    }
    if (action == "verify" && args.size() <= 2) {
      v1::VerifyBackupRequest request;
      uint32_t id = 0;
      if (args.size() == 2 && !absl::SimpleAtoi(args[1], &id)) {
        return absl::InvalidArgumentError(
            absl::StrCat("backup verify: \"", args[1], "\" is not an id"));
      }
      request.set_backup_id(id);
      v1::VerifyBackupResponse response;
      RETURN_IF_ERROR(
          FromGrpc(admin_->VerifyBackup(context.get(), request, &response)));
      std::printf("verified: ");
      PrintBackup(response.backup());
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        "backup: use create, list or verify [ID]");
  }

  absl::Status Admin(const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0] != "promote") {
      return absl::InvalidArgumentError("admin: use promote");
    }
    auto context = Context();
    v1::PromoteResponse response;
    RETURN_IF_ERROR(FromGrpc(
        admin_->Promote(context.get(), v1::PromoteRequest(), &response)));
    std::printf(
        "promoted: no longer follows %s; takes appends after seq "
        "%llu, hash %s\n",
        response.former_primary().c_str(),
        static_cast<unsigned long long>(response.head_seq()),
        absl::BytesToHexString(response.head_hash()).c_str());
    return absl::OkStatus();
  }

  static void PrintBackup(const v1::Backup& backup) {
    std::printf(
        "backup %u  seq %llu  hash %s  %llu bytes in %u files  taken %s\n",
        backup.backup_id(), static_cast<unsigned long long>(backup.head_seq()),
        absl::BytesToHexString(backup.head_hash()).c_str(),
        static_cast<unsigned long long>(backup.size_bytes()),
        backup.file_count(),
        absl::FormatTime(TimeFromProto(backup.created_at())).c_str());
  }

  absl::Status Snapshot(const std::vector<std::string>& args) {
    const std::string action = args.empty() ? "" : args[0];
    const std::string key = args.size() > 1 ? args[1] : "";
    auto context = Context();
    if (action == "create") {
      v1::CreateSnapshotRequest request;
      request.set_quarter(absl::GetFlag(FLAGS_quarter));
      v1::Snapshot snapshot;
      RETURN_IF_ERROR(FromGrpc(
          snapshots_->CreateSnapshot(context.get(), request, &snapshot)));
      std::printf("%s\n", snapshot.key().c_str());
      return absl::OkStatus();
    }
    if (action == "list") {
      v1::ListSnapshotsRequest request;
      request.set_quarter(key);  // optional: one quarter's snapshots
      v1::ListSnapshotsResponse list;
      RETURN_IF_ERROR(
          FromGrpc(snapshots_->ListSnapshots(context.get(), request, &list)));
      for (const v1::Snapshot& snapshot : list.snapshots()) {
        std::printf("%s  seq %llu  hash %s  as of %s\n", snapshot.key().c_str(),
                    static_cast<unsigned long long>(snapshot.head_seq()),
                    absl::BytesToHexString(snapshot.head_hash()).c_str(),
                    absl::FormatTime(TimeFromProto(snapshot.as_of())).c_str());
      }
      return absl::OkStatus();
    }
    if (action == "show" && !key.empty()) {
      v1::GetSnapshotRequest request;
      request.set_key(key);
      v1::Snapshot snapshot;
      RETURN_IF_ERROR(
          FromGrpc(snapshots_->GetSnapshot(context.get(), request, &snapshot)));
      v1::RealisationTable table;
      *table.mutable_rows() = snapshot.rows();
      *table.mutable_as_of() = snapshot.as_of();
      table.set_last_seq(snapshot.head_seq());
      std::printf("snapshot %s, head seq %llu hash %s\n",
                  snapshot.key().c_str(),
                  static_cast<unsigned long long>(snapshot.head_seq()),
                  absl::BytesToHexString(snapshot.head_hash()).c_str());
      std::fputs(RealisationReport(table).c_str(), stdout);
      return absl::OkStatus();
    }
    if (action == "diff" && !key.empty()) {
      v1::DiffSnapshotRequest request;
      request.set_key(key);
      v1::SnapshotDiff diff;
      RETURN_IF_ERROR(
          FromGrpc(snapshots_->DiffSnapshot(context.get(), request, &diff)));
      std::printf("snapshot %s (seq %llu) against seq %llu\n",
                  diff.snapshot_key().c_str(),
                  static_cast<unsigned long long>(diff.snapshot_seq()),
                  static_cast<unsigned long long>(diff.current_seq()));
      if (diff.sectors().empty()) std::printf("no changes\n");
      for (const v1::SectorDiff& sector : diff.sectors()) {
        v1::RealisationTable then, now;
        *then.mutable_rows() = sector.snapshot_rows();
        *now.mutable_rows() = sector.current_rows();
        std::printf("\n%s\nthen:\n%snow:\n%schanged by:\n",
                    v1::Sector_Name(sector.sector()).c_str(),
                    RealisationReport(then).c_str(),
                    RealisationReport(now).c_str());
        for (const v1::SnapshotChange& change : sector.changes()) {
          std::printf(
              "  seq %llu  %s  %s  effective %s  recorded %s by %s\n",
              static_cast<unsigned long long>(change.seq()),
              v1::EventKind_Name(change.kind()).c_str(),
              change.event_id().c_str(), change.effective_date().c_str(),
              absl::FormatTime(TimeFromProto(change.recorded_at())).c_str(),
              RecordedBy(change.recorded_by()).c_str());
        }
      }
      return absl::OkStatus();
    }
    if (action == "rederive" && !key.empty()) {
      std::optional<NoteVerifier> verifier;
      if (!absl::GetFlag(FLAGS_verifier_key).empty()) {
        ASSIGN_OR_RETURN(verifier, VerifierFromFlag());
      }
      ASSIGN_OR_RETURN(
          const Rederivation rederived,
          RederiveSnapshot(*ledger_, *snapshots_,
                           verifier.has_value() ? &*verifier : nullptr, key));
      std::printf(
          "snapshot %s re-derived here: %zu rows equal the events up to seq "
          "%llu; chain recomputed%s\n",
          key.c_str(), rederived.rows_compared,
          static_cast<unsigned long long>(rederived.snapshot.head_seq()),
          rederived.signed_head_checked
              ? "; signed head, its chain hash and Merkle root checked"
              : " (no --verifier-key: signed head not checked)");
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        "snapshot: use create, list, show KEY, diff KEY or rederive KEY");
  }

  // Follows the log: prints each event as it is committed, until Ctrl-C.
  absl::Status Tail() {
    const std::string format = absl::GetFlag(FLAGS_format);
    if (format != "text" && format != "ndjson") {
      return absl::InvalidArgumentError("tail: --format is text or ndjson");
    }
    uint64_t from = absl::GetFlag(FLAGS_from_seq);
    if (from == 0) {
      v1::GetHeadResponse head;
      auto context = Context();
      RETURN_IF_ERROR(FromGrpc(
          ledger_->GetHead(context.get(), v1::GetHeadRequest(), &head)));
      from = head.seq() + 1;
    }
    grpc::ClientContext context;
    v1::SubscribeRequest request;
    request.set_from_seq(from);
    auto stream = ledger_->Subscribe(&context, request);
    google::protobuf::util::JsonPrintOptions json;
    json.preserve_proto_field_names = true;
    v1::SubscribeResponse item;
    std::string line;
    while (stream->Read(&item)) {
      if (!item.has_event()) continue;
      const v1::StoredEvent& stored = item.event();
      if (format == "ndjson") {
        line.clear();
        if (!google::protobuf::util::MessageToJsonString(stored, &line, json)
                 .ok()) {
          return absl::InternalError("cannot print an event as JSON");
        }
        std::printf("%s\n", line.c_str());
      } else {
        // A summary line: no person_ref on a terminal.
        const v1::Event& event = stored.event();
        const google::protobuf::FieldDescriptor* payload =
            event.GetDescriptor()->FindFieldByNumber(event.payload_case());
        std::printf(
            "%llu  %s  %s  %s  %s  by %s\n",
            static_cast<unsigned long long>(stored.seq()),
            absl::FormatTime(TimeFromProto(stored.recorded_at())).c_str(),
            payload == nullptr ? "-" : payload->name().c_str(),
            event.event_id().c_str(), event.effective_date().c_str(),
            RecordedBy(stored.recorded_by()).c_str());
      }
      std::fflush(stdout);
    }
    return FromGrpc(stream->Finish());
  }

  absl::Status LoadDemo() {
    ASSIGN_OR_RETURN(const v1::AppendResponse history,
                     Append("demo-history", DemoHistory()));
    const std::vector<Event> events = DemoHistory();
    uint64_t mistaken_seq = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i].event_id == kDemoMistakenEventId) {
        mistaken_seq = history.seqs(static_cast<int>(i));
      }
    }
    ASSIGN_OR_RETURN(const v1::AppendResponse correction,
                     Append("demo-correction", {DemoCorrection(mistaken_seq)}));
    int stored = 0;
    for (const auto* response : {&history, &correction}) {
      for (const bool duplicate : response->duplicate()) stored += !duplicate;
    }
    std::printf("demo: %d events stored, %d already there\n", stored,
                history.seqs_size() + correction.seqs_size() - stored);
    return absl::OkStatus();
  }

  // Exits 0 only while the server reports SERVING: the container's
  // HEALTHCHECK.
  absl::Status Health() {
    RETURN_IF_ERROR(client::CheckHealth(
        channel_, absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds))));
    std::printf("SERVING\n");
    return absl::OkStatus();
  }

  absl::Status Head() {
    if (absl::GetFlag(FLAGS_signed)) {
      v1::GetSignedHeadRequest request;
      request.set_tree_size(absl::GetFlag(FLAGS_tree_size));
      v1::SignedHead head;
      auto context = Context();
      RETURN_IF_ERROR(
          FromGrpc(audit_->GetSignedHead(context.get(), request, &head)));
      std::fputs(head.checkpoint().c_str(), stdout);
      return absl::OkStatus();
    }
    v1::GetHeadResponse head;
    auto context = Context();
    RETURN_IF_ERROR(
        FromGrpc(ledger_->GetHead(context.get(), v1::GetHeadRequest(), &head)));
    std::printf(
        "seq %llu\nhash %s\nrecorded_at %s\n",
        static_cast<unsigned long long>(head.seq()),
        absl::BytesToHexString(head.hash()).c_str(),
        head.has_recorded_at()
            ? absl::FormatTime(TimeFromProto(head.recorded_at())).c_str()
            : "-");
    return absl::OkStatus();
  }

  // The auditor's check: reads every event and recomputes the chain here,
  // trusting no hash the server computed, then compares with the server's
  // head and with the head of every snapshot. With --published, against
  // signed heads published elsewhere instead (tools/audit_proofs.h).
  absl::Status Verify() {
    if (!absl::GetFlag(FLAGS_published).empty()) return VerifyPublished();
    ASSIGN_OR_RETURN(const ChainAudit audit,
                     AuditLedger(*ledger_, *snapshots_));
    if (!audit.ok()) {
      return absl::DataLossError(absl::StrCat("chain broken: first bad seq ",
                                              audit.first_bad_seq(), ": ",
                                              audit.reason()));
    }
    std::printf("chain ok: %llu events recomputed here; head hash %s\n",
                static_cast<unsigned long long>(audit.events_checked()),
                HashHex(audit.hash()).c_str());
    return absl::OkStatus();
  }

  absl::Status VerifyPublished() {
    ASSIGN_OR_RETURN(const NoteVerifier verifier, VerifierFromFlag());
    std::string text;
    RETURN_IF_ERROR(ReadFilesNamedByFlags(
        {{"published", absl::GetFlag(FLAGS_published), &text}}));
    ASSIGN_OR_RETURN(const std::vector<std::string> published,
                     SplitSignedNotes(text));
    ASSIGN_OR_RETURN(
        const PublishedAudit audit,
        AuditPublishedHeads(*ledger_, *audit_, verifier, published));
    std::printf(
        "%zu published heads are prefixes of the current head (tree size "
        "%llu, root %s, signed by %s); chain and Merkle root of %llu events "
        "recomputed here\n",
        audit.heads_checked,
        static_cast<unsigned long long>(audit.current.tree_size),
        HashHex(audit.current.root).c_str(), verifier.name().c_str(),
        static_cast<unsigned long long>(audit.events_checked));
    return absl::OkStatus();
  }

  absl::Status Prove() {
    ASSIGN_OR_RETURN(const NoteVerifier verifier, VerifierFromFlag());
    const std::string event_id = absl::GetFlag(FLAGS_event_id);
    if (event_id.empty()) {
      return absl::InvalidArgumentError("prove: --event-id is required");
    }
    std::string head;
    RETURN_IF_ERROR(
        ReadFilesNamedByFlags({{"head", absl::GetFlag(FLAGS_head), &head}}));
    if (head.empty()) {
      return absl::InvalidArgumentError("prove: --head is required");
    }
    ASSIGN_OR_RETURN(const EventInclusion inclusion,
                     ProveEvent(*ledger_, *audit_, verifier, head, event_id));
    std::printf(
        "event %s (seq %llu) is in the tree of size %llu with root %s, "
        "signed by %s\n",
        event_id.c_str(), static_cast<unsigned long long>(inclusion.seq),
        static_cast<unsigned long long>(inclusion.head.tree_size),
        HashHex(inclusion.head.root).c_str(), verifier.name().c_str());
    return absl::OkStatus();
  }

 private:
  static inline std::atomic<bool> interrupted{false};

  static absl::Status WriteOutput(const std::string& text) {
    const std::string path = absl::GetFlag(FLAGS_out);
    if (path == "-") {
      std::fputs(text.c_str(), stdout);
      return absl::OkStatus();
    }
    std::ofstream file(path, std::ios::binary);
    file << text;
    file.close();
    if (!file) return absl::DataLossError(absl::StrCat("cannot write ", path));
    return absl::OkStatus();
  }

  // One line on the terminal: a bar, events, events/s and the ETA by bytes.
  static void PrintProgress(const ImportProgress& progress) {
    const double done = progress.bytes_total == 0
                            ? 1.0
                            : static_cast<double>(progress.bytes_read) /
                                  static_cast<double>(progress.bytes_total);
    const double seconds = absl::ToDoubleSeconds(progress.elapsed);
    const double rate =
        seconds > 0
            ? static_cast<double>(progress.events_acknowledged) / seconds
            : 0;
    const double eta = done > 0 ? seconds * (1 - done) / done : 0;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(done * kWidth);
    std::fprintf(
        stderr, "\r[%s%s] %3.0f%%  %llu events  %.0f events/s  ETA %s",
        std::string(filled, '#').c_str(),
        std::string(kWidth - filled, ' ').c_str(), done * 100,
        static_cast<unsigned long long>(progress.events_acknowledged), rate,
        absl::FormatDuration(absl::Seconds(static_cast<int64_t>(eta))).c_str());
  }

  static std::string HashHex(const Hash& hash) {
    return absl::BytesToHexString(absl::string_view(
        reinterpret_cast<const char*>(hash.data()), hash.size()));
  }

  static absl::StatusOr<NoteVerifier> VerifierFromFlag() {
    const std::string key = absl::GetFlag(FLAGS_verifier_key);
    if (key.empty()) {
      return absl::InvalidArgumentError(
          "--verifier-key is required: the log's verifier key, known from "
          "elsewhere than the server");
    }
    return NoteVerifier::FromKey(key);
  }

  static std::unique_ptr<grpc::ClientContext> Context() {
    return client::CallContext(
        absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds)));
  }

  absl::StatusOr<v1::AppendResponse> Append(const std::string& batch_id,
                                            const std::vector<Event>& events) {
    v1::AppendRequest request;
    request.set_batch_id(batch_id);
    for (const Event& event : events) EventToProto(event, request.add_events());
    v1::AppendResponse response;
    auto context = Context();
    RETURN_IF_ERROR(
        FromGrpc(ledger_->AppendBatch(context.get(), request, &response)));
    return response;
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::unique_ptr<v1::RealisationService::Stub> realisation_;
  std::unique_ptr<v1::QuotaService::Stub> quota_;
  std::unique_ptr<v1::RegisterService::Stub> register_;
  std::unique_ptr<v1::SnapshotService::Stub> snapshots_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

// The channel the flags ask for. The token comes from --token-file, else
// from $BANEN_TOKEN (a flag's value would show in `ps`), without the
// surrounding white space a file ends with.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectFromFlags() {
  client::ConnectOptions options;
  RETURN_IF_ERROR(ReadFilesNamedByFlags({
      {"tls-ca", absl::GetFlag(FLAGS_tls_ca), &options.tls_ca_pem},
      {"tls-cert", absl::GetFlag(FLAGS_tls_cert), &options.tls_cert_pem},
      {"tls-key", absl::GetFlag(FLAGS_tls_key), &options.tls_key_pem},
      {"token-file", absl::GetFlag(FLAGS_token_file), &options.token},
  }));
  if (absl::GetFlag(FLAGS_token_file).empty()) {
    if (const char* token = std::getenv("BANEN_TOKEN"); token != nullptr) {
      options.token = token;
    }
  }
  absl::StripAsciiWhitespace(&options.token);
  return client::Connect(absl::GetFlag(FLAGS_server), options);
}

// `auth new-token`: prints the token (the secret, for the client) and the
// config text with its digest (for the server's --auth-config). Needs no
// server: the token exists nowhere but in this output.
absl::Status Auth(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] != "new-token") {
    return absl::InvalidArgumentError(
        "use: banenctl auth new-token --principal=ID [--role=ROLE "
        "[--scope=EMPLOYER_ID,...]]");
  }
  const std::string principal = absl::GetFlag(FLAGS_principal);
  if (principal.empty()) {
    return absl::InvalidArgumentError(
        "auth new-token: --principal is required");
  }
  ASSIGN_OR_RETURN(const NewTokenEntry entry,
                   NewTokenFor(principal, absl::GetFlag(FLAGS_role),
                               absl::GetFlag(FLAGS_scope)));
  std::printf(
      "# token for %s: give it to the client; it is stored nowhere else\n"
      "%s\n"
      "# add to the auth config (--auth-config), then send banen-ledgerd "
      "SIGHUP:\n"
      "%s\n",
      principal.c_str(), entry.token.c_str(), entry.config_text.c_str());
  return absl::OkStatus();
}

// Creates `path` with `contents`, readable by its owner only; ALREADY_EXISTS
// rather than replacing a file (it may hold the key heads are signed with).
absl::Status WriteSecretFile(const std::string& path,
                             const std::string& contents) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                      S_IRUSR | S_IWUSR);
  if (fd < 0) {
    const int error = errno;
    return absl::ErrnoToStatus(
        error,
        absl::StrCat("--out=", path,
                     error == EEXIST ? ": exists, not overwritten" : ""));
  }
  const bool written = write(fd, contents.data(), contents.size()) ==
                           static_cast<ssize_t>(contents.size()) &&
                       fsync(fd) == 0;
  const int error = errno;
  close(fd);
  if (!written) {
    unlink(path.c_str());
    return absl::ErrnoToStatus(error, absl::StrCat("--out=", path));
  }
  return absl::OkStatus();
}

// `keys new`: the signer key goes only to the file; stdout gets the verifier
// key, which auditors are given to check signed heads with.
absl::Status Keys(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (args.size() != 1 || args[0] != "new" || out.empty() || out == "-") {
    return absl::InvalidArgumentError(
        "use: banenctl keys new --name=ORIGIN --out=FILE (the signer key is "
        "written to FILE, never printed)");
  }
  ASSIGN_OR_RETURN(const NoteSigner signer,
                   NoteSigner::Generate(absl::GetFlag(FLAGS_name)));
  RETURN_IF_ERROR(WriteSecretFile(out, signer.SignerKey() + "\n"));
  std::printf("%s\n", signer.VerifierKey().c_str());
  std::fprintf(stderr,
               "banenctl: signer key written to %s (mode 0600): give it to "
               "banen-ledgerd --signing-key=%s; stdout has the verifier key "
               "to publish\n",
               out.c_str(), out.c_str());
  return absl::OkStatus();
}

absl::Status Run(const std::string& command,
                 const std::vector<std::string>& args) {
  if (command == "auth") return Auth(args);
  if (command == "keys") return Keys(args);
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, ConnectFromFlags());
  Client client(std::move(channel));
  if (command == "import") return client.Import(args);
  if (command == "snapshot") return client.Snapshot(args);
  if (command == "backup") return client.Backup(args);
  if (command == "admin") return client.Admin(args);
  if (command == "report" && args.size() == 1 && args[0] == "quota") {
    return client.ReportQuota();
  }
  if (command == "report" && args.size() == 1 && args[0] == "register") {
    return client.ReportRegister();
  }
  if (!args.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(command, ": unexpected argument \"", args[0], "\""));
  }
  if (command == "report") return client.Report();
  if (command == "tail") return client.Tail();
  if (command == "load-demo") return client.LoadDemo();
  if (command == "head") return client.Head();
  if (command == "health") return client.Health();
  if (command == "verify") return client.Verify();
  if (command == "prove") return client.Prove();
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown command \"", command,
      "\": use report, import, snapshot, backup, admin, tail, verify, prove, "
      "head, health, load-demo, auth or keys"));
}

}  // namespace
}  // namespace banen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "banenctl [--server=host:port] [--tls-ca=PEM [--tls-cert=PEM "
      "--tls-key=PEM]] [--token-file=FILE] "
      "report [quota]|import FILE...|snapshot create|list|show KEY|diff KEY|"
      "rederive KEY|backup create|list|verify [ID]|admin promote|tail|"
      "verify [--published=FILE]|prove|head [--signed]|health|load-demo|"
      "auth new-token|keys new [flags]");
  const std::vector<char*> args = banen::ParseFlags(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "usage: %s\n",
                 std::string(absl::ProgramUsageMessage()).c_str());
    return 2;
  }
  if (const absl::Status status = banen::Run(
          args[1], std::vector<std::string>(args.begin() + 2, args.end()));
      !status.ok()) {
    std::fprintf(stderr, "banenctl: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
