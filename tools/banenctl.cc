// banenctl: a command-line client of banen-ledgerd.
//
//   banenctl [--server=127.0.0.1:50051] report [--quarter=2024Q4]
//            [--to-quarter=...] [--measure=PEILDATUM]
//            [--sectors=GEMEENTEN,RIJK]
//            [--as-of=2025-03-01T00:00:00Z] [--employers]
//   banenctl load-demo   stores the built-in demo history (once)
//   banenctl head        the head of the log
//   banenctl verify      recomputes the hash chain on the server
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "banen/v1/realisation.grpc.pb.h"
#include "ledger/codec.h"
#include "ledger/status_macros.h"
#include "services/command_line.h"
#include "services/wire.h"
#include "tools/demo.h"
#include "tools/realisation_report.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "banen-ledgerd address");
ABSL_FLAG(std::string, quarter, "2024Q4", "report: first quarter");
ABSL_FLAG(std::string, to_quarter, "",
          "report: last quarter (default: --quarter)");
ABSL_FLAG(std::string, measure, "PEILDATUM",
          "report: PEILDATUM, KWARTAALGEMIDDELDE or MAANDUREN");
ABSL_FLAG(std::vector<std::string>, sectors, {},
          "report: sectors, e.g. GEMEENTEN,RIJK (default: all + aggregates)");
ABSL_FLAG(std::string, as_of, "",
          "report: only events recorded by then, RFC 3339 (default: all)");
ABSL_FLAG(bool, employers, false, "report: also one row per employer");
ABSL_FLAG(int, timeout_seconds, 30, "deadline of each call");

namespace banen {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

class Client {
 public:
  explicit Client(const std::string& address)
      : channel_(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        ledger_(v1::LedgerService::NewStub(channel_)),
        realisation_(v1::RealisationService::NewStub(channel_)) {}

  absl::Status Report() {
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
      v1::Sector sector;
      if (!v1::Sector_Parse(
              absl::StrCat("SECTOR_", absl::AsciiStrToUpper(name)), &sector)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--sectors: unknown sector ", name));
      }
      request.add_sectors(sector);
    }
    if (const std::string as_of = absl::GetFlag(FLAGS_as_of); !as_of.empty()) {
      absl::Time time;
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, as_of, &time, &error)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--as-of: ", as_of, ": ", error));
      }
      TimeToProto(time, request.mutable_as_of());
    }
    request.set_include_employers(absl::GetFlag(FLAGS_employers));
    v1::RealisationTable table;
    auto context = Context();
    RETURN_IF_ERROR(
        FromGrpc(realisation_->GetRealisation(context.get(), request, &table)));
    std::fputs(RealisationReport(table).c_str(), stdout);
    return absl::OkStatus();
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

  absl::Status Head() {
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

  absl::Status Verify() {
    v1::VerifyChainResponse verification;
    auto context = Context();
    RETURN_IF_ERROR(FromGrpc(ledger_->VerifyChain(
        context.get(), v1::VerifyChainRequest(), &verification)));
    if (!verification.ok()) {
      return absl::DataLossError(absl::StrCat("chain broken at seq ",
                                              verification.first_bad_seq(),
                                              ": ", verification.reason()));
    }
    std::printf("chain ok: %llu events checked\n",
                static_cast<unsigned long long>(verification.events_checked()));
    return absl::OkStatus();
  }

 private:
  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(
        absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds))));
    return context;
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
};

absl::Status Run(const std::string& command) {
  Client client(absl::GetFlag(FLAGS_server));
  if (command == "report") return client.Report();
  if (command == "load-demo") return client.LoadDemo();
  if (command == "head") return client.Head();
  if (command == "verify") return client.Verify();
  return absl::InvalidArgumentError(
      absl::StrCat("unknown command \"", command,
                   "\": use report, load-demo, head or verify"));
}

}  // namespace
}  // namespace banen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "banenctl [--server=host:port] report|load-demo|head|verify [flags]");
  banen::UnderscoreFlagNames(argc, argv);
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) {
    std::fprintf(stderr, "usage: %s\n",
                 std::string(absl::ProgramUsageMessage()).c_str());
    return 2;
  }
  if (const absl::Status status = banen::Run(args[1]); !status.ok()) {
    std::fprintf(stderr, "banenctl: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
