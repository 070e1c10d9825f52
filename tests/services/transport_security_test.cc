// The rules of services/transport_security.h without a network: which
// listening addresses are loopback, when plaintext is refused, and which TLS
// options are incomplete.
#include "services/transport_security.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ledger/test_util.h"

namespace banen::test {
namespace {

using ::testing::HasSubstr;

TEST(IsLoopbackListenAddress, AcceptsLoopbackAddresses) {
  for (const char* listen :
       {"127.0.0.1:50051", "127.8.9.10:0", "[::1]:50051", "localhost:50051",
        "LocalHost:0", "[::ffff:127.0.0.1]:50051", "unix:/run/banen.sock",
        "unix-abstract:banen"}) {
    EXPECT_TRUE(IsLoopbackListenAddress(listen)) << listen;
  }
}

TEST(IsLoopbackListenAddress, RejectsWildcardsAndOtherHosts) {
  for (const char* listen :
       {"0.0.0.0:50051", "[::]:50051", ":50051", "10.0.0.5:50051",
        "128.0.0.1:50051", "[::2]:50051", "[::ffff:10.0.0.1]:50051",
        "ledger.example.nl:50051", "localhost.example.nl:50051",
        "127.0.0.1.example.nl:50051", "[::1"}) {
    EXPECT_FALSE(IsLoopbackListenAddress(listen)) << listen;
  }
}

TEST(CheckListenAddress, RefusesPlaintextOffLoopback) {
  const absl::Status status =
      CheckListenAddress("0.0.0.0:50051", TransportOptions(),
                         /*open_mode=*/false);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("plaintext on 0.0.0.0:50051"));
  EXPECT_THAT(status.message(), HasSubstr("--insecure-plaintext"));
}

TEST(CheckListenAddress, AllowsPlaintextOnLoopback) {
  EXPECT_OK(CheckListenAddress("127.0.0.1:50051", TransportOptions(),
                               /*open_mode=*/true));
}

TEST(CheckListenAddress, AllowsPlaintextOffLoopbackWhenInsecurePlaintext) {
  TransportOptions transport;
  transport.insecure_plaintext = true;
  EXPECT_OK(
      CheckListenAddress("0.0.0.0:50051", transport, /*open_mode=*/false));
}

TEST(CheckListenAddress, AllowsTlsOffLoopback) {
  TransportOptions transport;
  transport.tls_cert_pem = "cert";
  transport.tls_key_pem = "key";
  EXPECT_OK(
      CheckListenAddress("0.0.0.0:50051", transport, /*open_mode=*/false));
}

TEST(CheckListenAddress, RefusesOpenModeOffLoopbackEvenWithTls) {
  TransportOptions transport;
  transport.tls_cert_pem = "cert";
  transport.tls_key_pem = "key";
  const absl::Status status =
      CheckListenAddress("0.0.0.0:50051", transport, /*open_mode=*/true);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(),
              HasSubstr("0.0.0.0:50051, which is not a loopback address, in "
                        "the open mode"));
  EXPECT_THAT(status.message(), HasSubstr("--auth-config"));
}

TEST(ServerCredentials, RefusesCertificateWithoutKey) {
  TransportOptions transport;
  transport.tls_cert_pem = "cert";
  EXPECT_THAT(ServerCredentials(transport),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ServerCredentials, RefusesClientCaWithoutTls) {
  TransportOptions transport;
  transport.client_ca_pem = "ca";
  EXPECT_THAT(ServerCredentials(transport),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TransportDescription, NamesEachTransport) {
  TransportOptions transport;
  EXPECT_EQ(TransportDescription(transport), "plaintext");
  transport.tls_cert_pem = "cert";
  transport.tls_key_pem = "key";
  EXPECT_EQ(TransportDescription(transport), "TLS");
  transport.client_ca_pem = "ca";
  EXPECT_EQ(TransportDescription(transport),
            "TLS, client certificates required");
}

}  // namespace
}  // namespace banen::test
