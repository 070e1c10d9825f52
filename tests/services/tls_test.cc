// banen-ledgerd's transport over loopback with certificates made by openssl
// for each test (test_certs.h): TLS and mTLS calls that work, and the
// clients each must refuse (plaintext, no client certificate, a certificate
// of another CA), each with its exact status; and the loopback rule at the
// start of LedgerServer and of the binary.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/ledger_server.h"
#include "services/transport_security.h"
#include "tests/ledger/test_util.h"
#include "tests/services/auth_test_util.h"
#include "tests/services/probe_server.h"
#include "tests/services/test_certs.h"
#include "tools/client.h"

namespace banen::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

constexpr char kPrincipal[] = "employer-hr-0001";

class TlsTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    const std::string pki = dir_ + "/pki";
    std::filesystem::create_directory(pki);
    ASSERT_OK_AND_ASSIGN(certs_, MakeTestCerts(pki, kPrincipal));
  }

  TransportOptions Tls() const {
    TransportOptions transport;
    transport.tls_cert_pem = certs_.server_cert.pem;
    transport.tls_key_pem = certs_.server_key.pem;
    return transport;
  }
  TransportOptions Mtls() const {
    TransportOptions transport = Tls();
    transport.client_ca_pem = certs_.ca.pem;
    return transport;
  }

  // Starts the ledger's server on a free loopback port.
  void StartServer(const TransportOptions& transport) {
    LedgerServerOptions options;
    options.data_dir = log_dir();
    options.listen = "127.0.0.1:0";
    options.sync = false;
    options.transport = transport;
    ASSERT_OK_AND_ASSIGN(server_, LedgerServer::Start(options));
  }

  // A client trusting the test CA, with the client certificate when asked.
  client::ConnectOptions TlsClient(bool with_certificate) const {
    client::ConnectOptions options;
    options.tls_ca_pem = certs_.ca.pem;
    if (with_certificate) {
      options.tls_cert_pem = certs_.client_cert.pem;
      options.tls_key_pem = certs_.client_key.pem;
    }
    return options;
  }

  // One GetHead over a fresh channel to `address`.
  static grpc::Status GetHead(const std::string& address,
                              const client::ConnectOptions& options) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        client::Connect(address, options);
    if (!channel.ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          channel.status().ToString());
    }
    auto context = client::CallContext(absl::Seconds(30));
    v1::GetHeadResponse head;
    return v1::LedgerService::NewStub(*channel)->GetHead(
        context.get(), v1::GetHeadRequest(), &head);
  }

  // A principal of every role (auth_test_util.h), in a file.
  std::string WriteAuthConfig() const {
    const std::string path = dir_ + "/auth.textproto";
    std::ofstream(path) << EveryRoleConfig();
    return path;
  }

  TestCerts certs_;
  std::unique_ptr<LedgerServer> server_;
};

TEST_F(TlsTest, ServesTlsClient) {
  StartServer(Tls());
  const grpc::Status status =
      GetHead(server_->address(), TlsClient(/*with_certificate=*/false));
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(TlsTest, PlaintextClientIsUnavailable) {
  StartServer(Tls());
  EXPECT_EQ(GetHead(server_->address(), client::ConnectOptions()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, ClientTrustingAnotherCaRefusesTheServer) {
  StartServer(Tls());
  client::ConnectOptions options;
  options.tls_ca_pem = certs_.other_ca.pem;
  EXPECT_EQ(GetHead(server_->address(), options).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, ServesMtlsClientWithCertificate) {
  StartServer(Mtls());
  const grpc::Status status =
      GetHead(server_->address(), TlsClient(/*with_certificate=*/true));
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(TlsTest, MtlsClientWithoutCertificateIsUnavailable) {
  StartServer(Mtls());
  EXPECT_EQ(GetHead(server_->address(), TlsClient(/*with_certificate=*/false))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MtlsClientCertificateOfAnotherCaIsUnavailable) {
  StartServer(Mtls());
  client::ConnectOptions options = TlsClient(/*with_certificate=*/false);
  options.tls_cert_pem = certs_.other_client_cert.pem;
  options.tls_key_pem = certs_.other_client_key.pem;
  EXPECT_EQ(GetHead(server_->address(), options).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MtlsCallCarriesTheClientCertificateCommonName) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProbeServer> probe,
                       ProbeServer::Start(Mtls()));
  ASSERT_TRUE(
      GetHead(probe->address(), TlsClient(/*with_certificate=*/true)).ok());
  EXPECT_THAT(probe->common_name(), Optional(std::string(kPrincipal)));
}

TEST_F(TlsTest, MtlsClientCertificateIdentifiesItsPrincipal) {
  const std::string config = dir_ + "/mtls-auth.textproto";
  std::ofstream(config) << "principals { id: \"hr-0001\" role: ROLE_READER "
                        << "certificate_common_names: \"" << kPrincipal
                        << "\" }\n";
  LedgerServerOptions options;
  options.data_dir = log_dir();
  options.listen = "127.0.0.1:0";
  options.sync = false;
  options.transport = Mtls();
  options.auth_config = config;
  ASSERT_OK_AND_ASSIGN(server_, LedgerServer::Start(options));
  const std::string address = absl::StrCat("127.0.0.1:", server_->port());
  const client::ConnectOptions no_token = TlsClient(/*with_certificate=*/true);
  EXPECT_TRUE(GetHead(address, no_token).ok());

  // A reader may not read events: the certificate named a reader.
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                       client::Connect(address, no_token));
  auto context = client::CallContext(absl::Seconds(30));
  auto reader = v1::LedgerService::NewStub(channel)->ReadEvents(
      context.get(), v1::ReadEventsRequest());
  v1::StoredEvent event;
  while (reader->Read(&event)) {
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("hr-0001"));
}

TEST_F(TlsTest, TlsCallWithoutClientCertificateHasNoCommonName) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProbeServer> probe,
                       ProbeServer::Start(Tls()));
  ASSERT_TRUE(
      GetHead(probe->address(), TlsClient(/*with_certificate=*/false)).ok());
  EXPECT_EQ(probe->common_name(), std::nullopt);
}

TEST_F(TlsTest, KeyOfAnotherCertificateIsRefusedAtStart) {
  LedgerServerOptions options;
  options.data_dir = log_dir();
  options.listen = "127.0.0.1:0";
  options.transport = Tls();
  options.transport.tls_key_pem = certs_.client_key.pem;
  EXPECT_THAT(LedgerServer::Start(options),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(TlsTest, PlaintextOffLoopbackIsRefusedBeforeTheLogIsOpened) {
  LedgerServerOptions options;
  options.data_dir = log_dir();
  options.listen = "0.0.0.0:0";
  EXPECT_THAT(LedgerServer::Start(options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(std::filesystem::exists(log_dir()));
}

TEST_F(TlsTest, OpenModeOffLoopbackIsRefusedEvenWithTls) {
  LedgerServerOptions options;
  options.data_dir = log_dir();
  options.listen = "0.0.0.0:0";
  options.transport = Tls();
  EXPECT_THAT(LedgerServer::Start(options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(std::filesystem::exists(log_dir()));
}

TEST_F(TlsTest, TlsWithAuthConfigServesOffLoopback) {
  LedgerServerOptions options;
  options.data_dir = log_dir();
  options.listen = "0.0.0.0:0";
  options.sync = false;
  options.transport = Tls();
  options.auth_config = WriteAuthConfig();
  ASSERT_OK_AND_ASSIGN(server_, LedgerServer::Start(options));
  client::ConnectOptions reader = TlsClient(/*with_certificate=*/false);
  reader.token = TokenOf(v1::ROLE_READER);
  const grpc::Status status =
      GetHead(absl::StrCat("127.0.0.1:", server_->port()), reader);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// Runs `command` in a shell; its exit status and its output (stdout and
// stderr).
std::pair<int, std::string> RunShell(const std::string& command) {
  FILE* pipe = popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  std::string output;
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, read);
  }
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST_F(TlsTest, BinaryRefusesPlaintextOffLoopback) {
  const auto [exit_code, output] = RunShell(absl::StrCat(
      BANEN_LEDGERD, " --data-dir=", log_dir(), " --listen=0.0.0.0:0"));
  EXPECT_EQ(exit_code, 1);
  EXPECT_THAT(output, HasSubstr("FAILED_PRECONDITION: refusing to serve "
                                "plaintext on 0.0.0.0:0"));
}

TEST_F(TlsTest, BinaryWarnsWhenInsecurePlaintextIsOffLoopback) {
  // Started in the background, stopped once its start line is logged.
  const std::string log = dir_ + "/server.log";
  const auto [exit_code, output] = RunShell(absl::StrCat(
      BANEN_LEDGERD, " --data-dir=", log_dir(), " --auth-config=",
      WriteAuthConfig(), " --listen=0.0.0.0:0 --insecure-plaintext 2>", log,
      " & pid=$!; ", "for i in $(seq 600); do grep -q 'serving on' ", log,
      " && break; sleep 0.05; done; kill $pid; wait $pid; cat ", log));
  EXPECT_EQ(exit_code, 0);
  EXPECT_THAT(output, HasSubstr("level=warning event=insecure_plaintext "
                                "listen=0.0.0.0:0 msg=\"serving plaintext on "
                                "0.0.0.0:0, which is not a loopback address "
                                "(--insecure-plaintext)"));
  EXPECT_THAT(output, HasSubstr("(plaintext)"));
}

}  // namespace
}  // namespace banen::test
