// The client library's channels (tools/client.h): the bearer token on every
// call, over plaintext and TLS, never in an error; incomplete TLS options
// refused; and a server without an auth config ignoring the token.
#include "tools/client.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "banen/v1/ledger.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/ledger_server.h"
#include "tests/ledger/test_util.h"
#include "tests/services/probe_server.h"
#include "tests/services/test_certs.h"

namespace banen::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kToken[] = "Zm9vYmFy-token.0123456789_abcdef";

// One GetHead over `channel`.
grpc::Status GetHead(const std::shared_ptr<grpc::Channel>& channel) {
  auto context = client::CallContext(absl::Seconds(30));
  v1::GetHeadResponse head;
  return v1::LedgerService::NewStub(channel)->GetHead(
      context.get(), v1::GetHeadRequest(), &head);
}

TEST(Connect, SendsTheBearerTokenWithEveryCall) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProbeServer> probe,
                       ProbeServer::Start(TransportOptions()));
  client::ConnectOptions options;
  options.token = kToken;
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                       client::Connect(probe->address(), options));
  for (int call = 0; call < 2; ++call) {
    ASSERT_TRUE(GetHead(channel).ok());
    EXPECT_THAT(probe->authorization(),
                ElementsAre(std::string("Bearer ") + kToken))
        << "call " << call;
  }
}

TEST(Connect, SendsNoAuthorizationWithoutToken) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProbeServer> probe,
                       ProbeServer::Start(TransportOptions()));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<grpc::Channel> channel,
      client::Connect(probe->address(), client::ConnectOptions()));
  ASSERT_TRUE(GetHead(channel).ok());
  EXPECT_THAT(probe->authorization(), IsEmpty());
}

class ConnectTlsTest : public TempDirTest {};

TEST_F(ConnectTlsTest, SendsTheBearerTokenOverMtls) {
  ASSERT_OK_AND_ASSIGN(const TestCerts certs,
                       MakeTestCerts(dir_, "reader-0001"));
  TransportOptions transport;
  transport.tls_cert_pem = certs.server_cert.pem;
  transport.tls_key_pem = certs.server_key.pem;
  transport.client_ca_pem = certs.ca.pem;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProbeServer> probe,
                       ProbeServer::Start(transport));
  client::ConnectOptions options;
  options.tls_ca_pem = certs.ca.pem;
  options.tls_cert_pem = certs.client_cert.pem;
  options.tls_key_pem = certs.client_key.pem;
  options.token = kToken;
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                       client::Connect(probe->address(), options));
  const grpc::Status status = GetHead(channel);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(probe->authorization(),
              ElementsAre(std::string("Bearer ") + kToken));
  EXPECT_EQ(probe->common_name(), "reader-0001");
}

TEST(Connect, RefusesATokenAHeaderCannotCarryWithoutShowingIt) {
  client::ConnectOptions options;
  options.token = "s3cr3t-part other-part";
  const absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      client::Connect("127.0.0.1:1", options);
  EXPECT_THAT(channel, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(channel.status().message(), Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(channel.status().message(), Not(HasSubstr("other-part")));
}

TEST(Connect, RefusesAClientCertificateWithoutItsKey) {
  client::ConnectOptions options;
  options.tls_ca_pem = "ca";
  options.tls_cert_pem = "cert";
  EXPECT_THAT(client::Connect("127.0.0.1:1", options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Connect, RefusesAClientCertificateWithoutTls) {
  client::ConnectOptions options;
  options.tls_cert_pem = "cert";
  options.tls_key_pem = "key";
  EXPECT_THAT(client::Connect("127.0.0.1:1", options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

class ConnectLedgerTest : public TempDirTest {};

TEST_F(ConnectLedgerTest, ServerWithoutAuthConfigIgnoresTheToken) {
  LedgerServerOptions server_options;
  server_options.data_dir = log_dir();
  server_options.listen = "127.0.0.1:0";
  server_options.sync = false;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LedgerServer> server,
                       LedgerServer::Start(server_options));
  client::ConnectOptions options;
  options.token = kToken;
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                       client::Connect(server->address(), options));
  const grpc::Status status = GetHead(channel);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace banen::test
