// crash_client: the client side of scripts/crash_loop.sh, which SIGKILLs a
// real banen-ledgerd while clients stream into it, restarts it, and checks.
//
//   crash_client load  --server=ADDR --state-dir=DIR --client=K
//   crash_client check --server=ADDR --state-dir=DIR --clients=N
//
// `load` streams batches over LedgerService.Append until the stream breaks
// (the server was killed) and records each acknowledged batch in
// DIR/client-K.acked as "batch seq seq ...". Batch b of client K is a pure
// function of (K, b), so after a restart the client resends its first
// unacknowledged batch (which the server may or may not have stored: a retry
// across a crash) and goes on from there; no batch is sent before the batch
// three back is acknowledged, because it ends and changes that batch's jobs.
//
// `check` proves what the crash loop promises, against what the clients saw:
// every acknowledged event is stored exactly once at the acknowledged seq, no
// batch is torn (all of its events or none), no event_id is stored twice,
// VerifyChain passes over the whole log, and the server's figures equal a
// full rebuild: the events read back folded on this side by the projections
// library. Exit status 0 when all holds, 1 with the first failure otherwise.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "banen/v1/realisation.grpc.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "projections/projection_state.h"
#include "projections/realisation.h"
#include "services/command_line.h"
#include "services/wire.h"
#include "tools/client.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "banen-ledgerd address");
ABSL_FLAG(std::string, state_dir, "", "where the acknowledgements are kept");
ABSL_FLAG(int, client, 0, "load: this client's number");
ABSL_FLAG(int, clients, 4, "check: how many clients loaded");
ABSL_FLAG(int, hires_per_batch, 10, "load: new jobs per batch");
ABSL_FLAG(int, window, 2, "load: batches in flight on the stream");
ABSL_FLAG(int, batch_interval_ms, 30,
          "load: pause between batches, which keeps the log (and so each "
          "restart and check) small over a hundred kills");

namespace banen {
namespace {

constexpr int kLookBack = 3;  // a batch ends and changes the jobs of b - 3

std::string AckPath(const std::string& dir, int client) {
  return absl::StrCat(dir, "/client-", client, ".acked");
}

Date DayAfter(Date date, int days) { return Date{date.days + days}; }

Sector SectorOf(int client) {
  static constexpr Sector kSectors[] = {Sector::kGemeenten, Sector::kRijk,
                                        Sector::kMarkt, Sector::kProvincies};
  return kSectors[client % 4];
}

std::string Tag(int client, int batch) {
  return absl::StrCat("crash-c", client, "-b", batch);
}
std::string PersonRef(int client, int batch, int i) {
  return absl::StrCat("crash-person-c", client, "-b", batch, "-", i);
}
std::string JobId(int client, int batch, int i) {
  return absl::StrCat(Tag(client, batch), "-job", i);
}
std::string EmployerId(int client) {
  return absl::StrCat("crash-emp-", client);
}

// The start of hire i of batch b: spread over 2023-2025 so that the figures
// have many quarters.
Date HireDate(int batch, int i) {
  return DayAfter(*ParseDate("2023-01-01"), (batch * 37 + i * 11) % 900);
}

Event Make(std::string event_id, Date date, EventPayload payload) {
  return Event{.event_id = std::move(event_id),
               .effective_date = date,
               .payload = std::move(payload)};
}

// Batch b of client `client`; a pure function, so a resend is identical.
std::vector<Event> MakeBatch(int client, int batch, int hires) {
  std::vector<Event> events;
  const std::string tag = Tag(client, batch);
  if (batch == 0) {
    events.push_back(Make(tag + "-employer", *ParseDate("2013-01-01"),
                          EmployerRegistered{.employer_id = EmployerId(client),
                                             .name = tag,
                                             .sector = SectorOf(client),
                                             .parent_employer_id = ""}));
    return events;
  }
  static constexpr ContractForm kForms[] = {
      ContractForm::kVast, ContractForm::kTijdelijk,
      ContractForm::kInleenUitzend, ContractForm::kInleenDetachering};
  for (int i = 0; i < hires; ++i) {
    const Date start = HireDate(batch, i);
    const ContractForm form = kForms[(batch + i) % 4];
    events.push_back(
        Make(absl::StrCat(tag, "-reg", i), DayAfter(start, -10),
             PersonRegistered{.person_ref = PersonRef(client, batch, i)}));
    events.push_back(
        Make(absl::StrCat(tag, "-hire", i), start,
             JobStarted{.job_id = JobId(client, batch, i),
                        .employer_id = EmployerId(client),
                        .person_ref = PersonRef(client, batch, i),
                        .form = form,
                        .hours_x100 = 800 + (batch * 131 + i * 977) % 3200,
                        .lender_id = (form == ContractForm::kInleenUitzend ||
                                      form == ContractForm::kInleenDetachering)
                                         ? "crash-lender"
                                         : "",
                        .commissioning_employer_id = ""}));
  }
  const int earlier = batch - kLookBack;
  if (earlier >= 1) {
    for (int i = 0; i < hires; ++i) {
      const Date start = HireDate(earlier, i);
      if (i % 3 == 0) {
        events.push_back(Make(
            absl::StrCat(tag, "-hours", i), DayAfter(start, 40),
            HoursChanged{.job_id = JobId(client, earlier, i),
                         .hours_x100 = 1200 + (batch * 7 + i * 313) % 2800}));
      }
      if (i % 4 == 1) {
        events.push_back(Make(absl::StrCat(tag, "-end", i),
                              DayAfter(start, 120),
                              JobEnded{.job_id = JobId(client, earlier, i),
                                       .reason = OutflowReason::kResignation}));
      }
    }
  }
  return events;
}

// batch -> the seqs acknowledged for its events.
using Acked = std::map<int, std::vector<uint64_t>>;

Acked ReadAcked(const std::string& path) {
  Acked acked;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const std::vector<std::string> fields = absl::StrSplit(line, ' ');
    int batch = 0;
    // A line cut short by a crash of the client cannot happen (the client
    // is never killed), but a malformed line must not pass silently.
    if (fields.size() < 2 || !absl::SimpleAtoi(fields[0], &batch)) {
      std::fprintf(stderr, "crash_client: malformed line in %s\n",
                   path.c_str());
      std::exit(1);
    }
    std::vector<uint64_t>& seqs = acked[batch];
    for (size_t i = 1; i < fields.size(); ++i) {
      uint64_t seq = 0;
      if (!absl::SimpleAtoi(fields[i], &seq)) std::exit(1);
      seqs.push_back(seq);
    }
  }
  return acked;
}

v1::AppendRequest RequestOf(int client, int batch, int hires) {
  v1::AppendRequest request;
  request.set_batch_id(Tag(client, batch));
  for (const Event& event : MakeBatch(client, batch, hires)) {
    EventToProto(event, request.add_events());
  }
  return request;
}

int Load() {
  const std::string dir = absl::GetFlag(FLAGS_state_dir);
  const int client = absl::GetFlag(FLAGS_client);
  const int hires = absl::GetFlag(FLAGS_hires_per_batch);
  const int window = std::min(absl::GetFlag(FLAGS_window), kLookBack);
  const Acked acked = ReadAcked(AckPath(dir, client));
  const int first = acked.empty() ? 0 : acked.rbegin()->first + 1;

  auto stub =
      v1::LedgerService::NewStub(client::Connect(absl::GetFlag(FLAGS_server)));
  grpc::ClientContext context;
  auto stream = stub->Append(&context);
  std::FILE* out = std::fopen(AckPath(dir, client).c_str(), "a");
  if (out == nullptr) return 1;

  // The reader acknowledges in order; the writer keeps `window` in flight.
  absl::Mutex mutex;
  int acked_up_to = first - 1;  // guarded by mutex
  bool stream_over = false;     // guarded by mutex
  int rejected = 0;
  std::thread reader([&] {
    v1::AppendResponse response;
    int batch = first;
    while (stream->Read(&response)) {
      if (response.has_error()) {
        std::fprintf(stderr, "crash_client %d: batch %d rejected: %s\n", client,
                     batch, response.error().message().c_str());
        rejected = 1;
        break;
      }
      if (batch == first && response.first_seq() == 0 && batch > 0) {
        // The batch in flight at the kill had been stored: the retry got
        // the original seqs back.
        std::fprintf(stderr, "crash_client %d: retried batch %d was stored\n",
                     client, batch);
      }
      std::string line = absl::StrCat(batch);
      for (uint64_t seq : response.seqs()) absl::StrAppend(&line, " ", seq);
      std::fprintf(out, "%s\n", line.c_str());
      std::fflush(out);
      absl::MutexLock lock(&mutex);
      acked_up_to = batch++;
    }
    absl::MutexLock lock(&mutex);
    stream_over = true;
  });
  for (int batch = first;; ++batch) {
    {
      absl::MutexLock lock(&mutex);
      const auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
        return stream_over || batch - acked_up_to <= window;
      };
      mutex.Await(absl::Condition(&room));
      if (stream_over) break;
    }
    if (!stream->Write(RequestOf(client, batch, hires))) break;
    absl::SleepFor(absl::Milliseconds(absl::GetFlag(FLAGS_batch_interval_ms)));
  }
  context.TryCancel();
  reader.join();
  stream->Finish().IgnoreError();
  std::fclose(out);
  return rejected;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "crash_client check: FAILED: %s\n", what.c_str());
  return 1;
}

int Check() {
  const std::string dir = absl::GetFlag(FLAGS_state_dir);
  const int hires = absl::GetFlag(FLAGS_hires_per_batch);
  auto channel = client::Connect(absl::GetFlag(FLAGS_server));
  auto ledger = v1::LedgerService::NewStub(channel);
  auto realisation = v1::RealisationService::NewStub(channel);

  // Every stored event, read back: event_id -> seq, and the domain events.
  absl::flat_hash_map<std::string, uint64_t> seq_of;
  ProjectionState state;
  {
    grpc::ClientContext context;
    auto reader = ledger->ReadEvents(&context, v1::ReadEventsRequest());
    v1::StoredEvent proto;
    while (reader->Read(&proto)) {
      absl::StatusOr<StoredEvent> stored = StoredEventFromProto(proto);
      if (!stored.ok()) return Fail(std::string(stored.status().message()));
      if (!seq_of.emplace(stored->event.event_id, stored->seq).second) {
        return Fail(absl::StrCat("event_id ", stored->event.event_id,
                                 " is stored twice"));
      }
      state.Apply(*stored);
    }
    const grpc::Status status = reader->Finish();
    if (!status.ok()) return Fail("ReadEvents: " + status.error_message());
  }

  uint64_t acked_events = 0;
  for (int client = 0; client < absl::GetFlag(FLAGS_clients); ++client) {
    const Acked acked = ReadAcked(AckPath(dir, client));
    const int last = acked.empty() ? -1 : acked.rbegin()->first;
    // Batches past the last acknowledged one may have been in flight.
    for (int batch = 0; batch <= last + kLookBack; ++batch) {
      const std::vector<Event> events = MakeBatch(client, batch, hires);
      const auto it = acked.find(batch);
      if (batch <= last && it == acked.end()) {
        return Fail(
            absl::StrCat("client ", client, " batch ", batch, " was skipped"));
      }
      size_t present = 0;
      for (size_t i = 0; i < events.size(); ++i) {
        const auto stored = seq_of.find(events[i].event_id);
        if (stored == seq_of.end()) continue;
        ++present;
        if (it != acked.end() && it->second.at(i) != stored->second) {
          return Fail(absl::StrCat(events[i].event_id, " acknowledged as seq ",
                                   it->second.at(i), ", stored as ",
                                   stored->second));
        }
      }
      if (it != acked.end()) {
        if (it->second.size() != events.size() || present != events.size()) {
          return Fail(absl::StrCat("client ", client, " batch ", batch,
                                   ": acknowledged, but ", present, " of ",
                                   events.size(), " events are stored"));
        }
        acked_events += events.size();
      } else if (present != 0 && present != events.size()) {
        return Fail(absl::StrCat("client ", client, " batch ", batch,
                                 " is torn: ", present, " of ", events.size(),
                                 " events are stored"));
      }
    }
  }

  {
    grpc::ClientContext context;
    v1::VerifyChainResponse verified;
    const grpc::Status status =
        ledger->VerifyChain(&context, v1::VerifyChainRequest(), &verified);
    if (!status.ok()) return Fail("VerifyChain: " + status.error_message());
    if (!verified.ok() || verified.events_checked() != seq_of.size()) {
      return Fail(
          absl::StrCat("VerifyChain: first bad seq ", verified.first_bad_seq(),
                       ": ", verified.reason(), " (", verified.events_checked(),
                       " checked of ", seq_of.size(), ")"));
    }
  }

  for (const auto measure : {v1::REALISATION_MEASURE_PEILDATUM,
                             v1::REALISATION_MEASURE_KWARTAALGEMIDDELDE}) {
    v1::RealisationRequest request;
    request.set_from_quarter("2023Q1");
    request.set_to_quarter("2025Q4");
    request.set_measure(measure);
    request.set_include_employers(true);
    grpc::ClientContext context;
    v1::RealisationTable served;
    const grpc::Status status =
        realisation->GetRealisation(&context, request, &served);
    if (!status.ok()) return Fail("GetRealisation: " + status.error_message());
    absl::StatusOr<RealisationQuery> query = RealisationQueryFromProto(request);
    if (!query.ok()) return Fail(std::string(query.status().message()));
    v1::RealisationTable rebuilt;
    RealisationTableToProto(ComputeRealisation(state, *query), &rebuilt);
    std::string difference;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&difference);
    if (!differencer.Compare(rebuilt, served)) {
      return Fail("the served figures differ from a full rebuild: " +
                  difference.substr(0, 2000));
    }
  }
  std::printf(
      "crash_client check: %zu events stored, %llu acknowledged, "
      "chain and figures verified\n",
      seq_of.size(), static_cast<unsigned long long>(acked_events));
  return 0;
}

}  // namespace
}  // namespace banen

int main(int argc, char** argv) {
  banen::UnderscoreFlagNames(argc, argv);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_state_dir).empty() || args.size() != 2) {
    std::fprintf(stderr,
                 "usage: crash_client load|check --server=ADDR "
                 "--state-dir=DIR [--client=K] [--clients=N]\n");
    return 2;
  }
  const std::string command = args[1];
  if (command == "load") return banen::Load();
  if (command == "check") return banen::Check();
  std::fprintf(stderr, "crash_client: unknown command %s\n", command.c_str());
  return 2;
}
