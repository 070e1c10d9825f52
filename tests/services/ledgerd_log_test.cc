// banen-ledgerd as a process, its stdout and stderr in a file: a full
// session with tokens made by `banenctl auth new-token`, a revocation by a
// real SIGHUP, then a scan of the log for every person_ref and token the
// session used (issue 11 item 5: none may appear).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/log.h"
#include "tests/services/auth_test_util.h"
#include "tests/services/service_test_util.h"

extern char** environ;

namespace banen::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The standard output of `command`, run by the shell; a test failure if it
// does not exit 0.
std::string OutputOf(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    output += buffer;
  }
  EXPECT_EQ(pipe == nullptr ? -1 : pclose(pipe), 0) << command;
  return output;
}

// `banenctl auth new-token` run as a program: its token and config entry.
NewTokenEntry BanenctlNewToken(const std::string& principal,
                               const std::string& role) {
  const std::string output = OutputOf(absl::StrCat(
      BANENCTL, " auth new-token --principal=", principal, " --role=", role));
  std::vector<std::string> lines;
  for (const absl::string_view line : absl::StrSplit(output, '\n')) {
    if (!line.empty() && line[0] != '#') lines.emplace_back(line);
  }
  EXPECT_EQ(lines.size(), 2) << output;
  if (lines.size() != 2) return {};
  return NewTokenEntry{.token = lines[0], .config_text = lines[1]};
}

// A banen-ledgerd process on a free loopback port.
class LedgerdProcess {
 public:
  LedgerdProcess(const std::string& dir, const std::string& auth_config,
                 const std::vector<std::string>& flags = {})
      : log_path_(dir + "/ledgerd.log") {
    std::vector<std::string> args = {BANEN_LEDGERD,
                                     absl::StrCat("--data-dir=", dir, "/data"),
                                     "--listen=127.0.0.1:0"};
    if (!auth_config.empty()) {
      args.push_back(absl::StrCat("--auth-config=", auth_config));
    }
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    EXPECT_EQ(
        posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ),
        0);
    posix_spawn_file_actions_destroy(&actions);
    const std::string serving = WaitForLog("serving on ");
    const size_t start = serving.find("serving on ") + 11;
    address_ =
        serving.substr(start, serving.find_first_of(" ,", start) - start);
  }

  ~LedgerdProcess() { Stop(); }

  const std::string& address() const { return address_; }

  // The log once it has a line holding `text` (after `skip` such lines),
  // waiting up to 30 s; that line.
  std::string WaitForLog(const std::string& text, int skip = 0) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      int seen = 0;
      for (const absl::string_view line :
           absl::StrSplit(ReadFile(log_path_), '\n')) {
        if (absl::StrContains(line, text) && seen++ == skip) {
          return std::string(line);
        }
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "no \"" << text
                  << "\" in the log: " << ReadFile(log_path_);
    return "";
  }

  void Signal(int signal_number) { kill(pid_, signal_number); }

  // SIGTERM, then the whole log.
  std::string Stop() {
    if (pid_ != 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      pid_ = 0;
    }
    return ReadFile(log_path_);
  }

 private:
  const std::string log_path_;
  pid_t pid_ = 0;
  std::string address_;
};

class LedgerdLogTest : public TempDirTest {
 protected:
  // Hangs up, so that a server shutting down has no client to wait for.
  void Disconnect() {
    ledger_.reset();
    realisation_.reset();
    channel_.reset();
  }

  void Connect(const std::string& address) {
    channel_ = client::Connect(address);
    ledger_ = v1::LedgerService::NewStub(channel_);
    realisation_ = v1::RealisationService::NewStub(channel_);
  }

  grpc::Status Append(const std::string& token,
                      const std::vector<Event>& events) {
    grpc::ClientContext context;
    WithToken(context, token);
    v1::AppendResponse response;
    return ledger_->AppendBatch(&context, AppendRequestOf("b", events),
                                &response);
  }

  grpc::Status Read(const std::string& token,
                    const v1::ReadEventsRequest& request) {
    grpc::ClientContext context;
    WithToken(context, token);
    auto reader = ledger_->ReadEvents(&context, request);
    v1::StoredEvent event;
    while (reader->Read(&event)) {
    }
    return reader->Finish();
  }

  grpc::Status GetHead(const std::string& token) {
    grpc::ClientContext context;
    WithToken(context, token);
    v1::GetHeadResponse head;
    return ledger_->GetHead(&context, v1::GetHeadRequest(), &head);
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::unique_ptr<v1::RealisationService::Stub> realisation_;
};

TEST_F(LedgerdLogTest, FullSessionLogsNoPersonRefAndNoToken) {
  const NewTokenEntry admin = BanenctlNewToken("ctl-admin", "admin");
  const NewTokenEntry reader = BanenctlNewToken("ctl-reader", "reader");
  const std::string config = dir_ + "/auth.textproto";
  const std::string every_role = EveryRoleConfig();
  std::ofstream(config) << every_role << admin.config_text << "\n"
                        << reader.config_text << "\n";
  LedgerdProcess server(dir_, config);
  ASSERT_FALSE(server.address().empty());
  Connect(server.address());

  std::vector<std::string> person_refs = {"person-ref-a-00000000",
                                          "person-ref-b-00000000"};
  std::vector<std::string> tokens = {admin.token, reader.token};
  for (const v1::Role role : AllRoles()) tokens.push_back(TokenOf(role));

  // Appends, and refused appends naming persons.
  ASSERT_TRUE(Append(admin.token, HireHistory("a")).ok());
  ASSERT_TRUE(Append(TokenOf(v1::ROLE_ADMIN), HireHistory("b")).ok());
  EXPECT_EQ(
      Append(admin.token, {PersonRegisteredEvent("a-person", "2024-01-01",
                                                 "person-ref-other-00000000")})
          .error_code(),
      grpc::StatusCode::ALREADY_EXISTS);
  person_refs.push_back("person-ref-other-00000000");
  // Hours of 0: malformed, with a person in the request.
  EXPECT_EQ(Append(admin.token,
                   {JobStartedEvent("c-hire", "2024-02-01", "job-c", "emp-a",
                                    "person-ref-unknown-0000000",
                                    ContractForm::kVast, 0)})
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  person_refs.push_back("person-ref-unknown-0000000");
  EXPECT_EQ(Append(TokenOf(v1::ROLE_READER),
                   {PersonRegisteredEvent("r-person", "2024-01-01",
                                          "person-ref-reader-000000")})
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  person_refs.push_back("person-ref-reader-000000");

  // Reads, some filtered on a person, some refused.
  v1::ReadEventsRequest by_person;
  by_person.add_person_refs("person-ref-a-00000000");
  EXPECT_TRUE(Read(TokenOf(v1::ROLE_AUDITOR), by_person).ok());
  EXPECT_TRUE(Read(TokenOf(v1::ROLE_EMPLOYER), by_person).ok());
  EXPECT_EQ(Read(reader.token, by_person).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ReadEventsRequest outside;
  outside.add_employer_ids("emp-b");
  outside.add_person_refs("person-ref-b-00000000");
  EXPECT_EQ(Read(TokenOf(v1::ROLE_EMPLOYER), outside).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  {  // A context keeps its channel, and so the server's shutdown, waiting.
    grpc::ClientContext context;
    WithToken(context, TokenOf(v1::ROLE_EMPLOYER));
    v1::RealisationRequest realisation;
    realisation.set_from_quarter("2024Q1");
    realisation.set_include_employers(true);
    v1::RealisationTable table;
    EXPECT_TRUE(
        realisation_->GetRealisation(&context, realisation, &table).ok());
  }

  // Wrong and malformed credentials.
  const std::string wrong = "wrong-Hq3Vn8Kd2Xs7Lp5Rz9Tb4Mw6Jc1Fy0";
  tokens.push_back(wrong);
  EXPECT_EQ(GetHead(wrong).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Basic ", admin.token));
    v1::GetHeadResponse head;
    EXPECT_EQ(
        ledger_->GetHead(&context, v1::GetHeadRequest(), &head).error_code(),
        grpc::StatusCode::UNAUTHENTICATED);
  }

  // A file broken by a token pasted where its digest belongs: the old
  // config stays, and the log says why without the token.
  const std::string pasted = "pasted-Gk5Tw2Nb8Rx3Qm7Zc4Vh9Lj1Sd6Fp0";
  tokens.push_back(pasted);
  std::ofstream(config, std::ios::trunc)
      << every_role << "principals { id: \"oops\" role: ROLE_READER "
      << "token_sha256: " << pasted << " }\n";
  server.Signal(SIGHUP);
  EXPECT_THAT(server.WaitForLog("SIGHUP"), HasSubstr("not reloaded"));
  EXPECT_TRUE(GetHead(reader.token).ok());

  // Revoking ctl-reader by a real SIGHUP.
  std::ofstream(config, std::ios::trunc)
      << every_role << admin.config_text << "\n";
  server.Signal(SIGHUP);
  EXPECT_THAT(server.WaitForLog("SIGHUP", /*skip=*/1),
              HasSubstr("reloaded, 8 principals"));
  EXPECT_EQ(GetHead(reader.token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(GetHead(admin.token).ok());

  Disconnect();
  const std::string log = server.Stop();
  EXPECT_THAT(log, HasSubstr("auth config"));
  EXPECT_THAT(log, HasSubstr("store closed"));
  for (const std::string& person_ref : person_refs) {
    EXPECT_THAT(log, Not(HasSubstr(person_ref))) << log;
  }
  for (const std::string& token : tokens) {
    EXPECT_THAT(log, Not(HasSubstr(token))) << log;
  }
}

TEST_F(LedgerdLogTest, OpenModeIsAnnouncedAtStart) {
  LedgerdProcess server(dir_, "");
  ASSERT_FALSE(server.address().empty());
  Connect(server.address());
  EXPECT_TRUE(GetHead("").ok());
  Disconnect();
  EXPECT_THAT(server.Stop(),
              HasSubstr("OPEN MODE: no --auth-config, so every call is "
                        "allowed and recorded by nobody"));
}

// The lines of `log` whose event is `event`.
std::vector<std::string> LinesOfEvent(const std::string& log,
                                      const std::string& event) {
  std::vector<std::string> lines;
  for (const absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, absl::StrCat(" event=", event, " "))) {
      lines.emplace_back(line);
    }
  }
  return lines;
}

// The x-request-id the server sent back, and the call's status.
std::pair<std::string, grpc::StatusCode> GetHeadWithRequestId(
    v1::LedgerService::Stub& stub, const std::string& request_id) {
  grpc::ClientContext context;
  if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
  v1::GetHeadResponse head;
  const grpc::Status status =
      stub.GetHead(&context, v1::GetHeadRequest(), &head);
  const auto& metadata = context.GetServerInitialMetadata();
  const auto it = metadata.find("x-request-id");
  return {it == metadata.end()
              ? ""
              : std::string(it->second.data(), it->second.size()),
          status.error_code()};
}

TEST_F(LedgerdLogTest, EachRpcLogsOneLineWithItsRequestId) {
  LedgerdProcess server(dir_, "");
  ASSERT_FALSE(server.address().empty());
  Connect(server.address());
  // The client's id is kept; a missing one, or one with a character a log
  // value must not hold, is replaced by 16 hex digits.
  EXPECT_EQ(GetHeadWithRequestId(*ledger_, "req-42.a:b_c"),
            std::make_pair(std::string("req-42.a:b_c"), grpc::StatusCode::OK));
  const auto [generated, generated_code] = GetHeadWithRequestId(*ledger_, "");
  EXPECT_THAT(generated, ::testing::MatchesRegex("[0-9a-f]{16}"));
  const auto [replaced, replaced_code] =
      GetHeadWithRequestId(*ledger_, "two words");
  EXPECT_THAT(replaced, ::testing::MatchesRegex("[0-9a-f]{16}"));
  {
    grpc::ClientContext context;
    v1::RealisationRequest request;
    request.set_from_quarter("2024Q9");
    v1::RealisationTable table;
    EXPECT_EQ(
        realisation_->GetRealisation(&context, request, &table).error_code(),
        grpc::StatusCode::INVALID_ARGUMENT);
  }
  // A health check that answers SERVING is not logged.
  EXPECT_TRUE(client::CheckHealth(channel_, absl::Seconds(10)).ok());
  Disconnect();
  const std::string log = server.Stop();

  const std::vector<std::string> rpcs = LinesOfEvent(log, "rpc");
  ASSERT_EQ(rpcs.size(), 4) << log;
  const std::string head = "method=/banen.v1.LedgerService/GetHead code=OK ";
  EXPECT_THAT(
      rpcs[0],
      HasSubstr("level=info event=rpc request_id=req-42.a:b_c " + head));
  EXPECT_THAT(rpcs[1],
              HasSubstr("event=rpc request_id=" + generated + " " + head));
  EXPECT_THAT(rpcs[2],
              HasSubstr("event=rpc request_id=" + replaced + " " + head));
  EXPECT_THAT(
      rpcs[3],
      ::testing::MatchesRegex(
          "ts=[0-9T:.-]+Z level=warning event=rpc request_id=[0-9a-f]{16} "
          "method=/banen.v1.RealisationService/GetRealisation "
          "code=INVALID_ARGUMENT duration_ms=[0-9]+\\.[0-9]{3} "
          "peer=ipv4:127.0.0.1:[0-9]+ "
          "msg=\"/banen.v1.RealisationService/GetRealisation "
          "INVALID_ARGUMENT\""));
  // Every line of the session is key=value from ts to msg.
  for (const absl::string_view line : absl::StrSplit(log, '\n')) {
    if (line.empty()) continue;
    EXPECT_THAT(std::string(line),
                ::testing::MatchesRegex("ts=[0-9T:.-]+Z "
                                        "level=(info|warning|error) "
                                        "event=[a-z_]+ .*msg=.+"));
  }
}

TEST_F(LedgerdLogTest, LogRpcsFalseLeavesOutTheRpcLinesAndTheRequestId) {
  LedgerdProcess server(dir_, "", {"--log-rpcs=false"});
  ASSERT_FALSE(server.address().empty());
  Connect(server.address());
  EXPECT_EQ(GetHeadWithRequestId(*ledger_, "req-1"),
            std::make_pair(std::string(), grpc::StatusCode::OK));
  Disconnect();
  const std::string log = server.Stop();
  EXPECT_THAT(LinesOfEvent(log, "rpc"), ::testing::IsEmpty()) << log;
  EXPECT_THAT(LinesOfEvent(log, "stopped"), ::testing::SizeIs(1)) << log;
}

TEST(LogLine, QuotesValuesWithSpacesEqualsQuotesAndBackslashes) {
  EXPECT_EQ(FormatLogLine(absl::FromUnixMicros(1767225600123456),
                          LogLevel::kWarning, "test_event", "a \"b\" \\ c",
                          {{"plain", "p-1:2"},
                           {"spaced", "x y"},
                           {"equals", "k=v"},
                           {"empty", ""}}),
            "ts=2026-01-01T00:00:00.123456Z level=warning event=test_event "
            "plain=p-1:2 spaced=\"x y\" equals=\"k=v\" empty=\"\" "
            "msg=\"a \\\"b\\\" \\\\ c\"");
}

TEST(Version, BothProgramsNameTheProjectVersionAndTheGitCommit) {
  EXPECT_THAT(
      OutputOf(absl::StrCat(BANEN_LEDGERD, " --version")),
      ::testing::MatchesRegex("banen-ledgerd [0-9]+\\.[0-9]+\\.[0-9]+ "
                              "\\(git ([0-9a-f]{12}(-dirty)?|unknown)\\)\n"));
  EXPECT_THAT(
      OutputOf(absl::StrCat(BANENCTL, " --version")),
      ::testing::MatchesRegex("banenctl [0-9]+\\.[0-9]+\\.[0-9]+ "
                              "\\(git ([0-9a-f]{12}(-dirty)?|unknown)\\)\n"));
}

}  // namespace
}  // namespace banen::test
