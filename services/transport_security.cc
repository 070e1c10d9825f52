#include "services/transport_security.h"

#include <arpa/inet.h>
#include <grpc/grpc_security_constants.h>
#include <netinet/in.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace banen {
namespace {

// The host part of "host:port" or "[host]:port"; the whole text when it has
// no port.
absl::string_view HostOf(absl::string_view listen) {
  if (absl::StartsWith(listen, "[")) {
    const size_t close = listen.find(']');
    return close == absl::string_view::npos ? listen
                                            : listen.substr(1, close - 1);
  }
  const size_t colon = listen.rfind(':');
  return colon == absl::string_view::npos ? listen : listen.substr(0, colon);
}

bool IsLoopbackIp(const std::string& host) {
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6) ||
           (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

}  // namespace

bool IsLoopbackListenAddress(absl::string_view listen) {
  // A Unix domain socket is reached through the file system of this machine.
  if (absl::StartsWith(listen, "unix:") ||
      absl::StartsWith(listen, "unix-abstract:")) {
    return true;
  }
  const absl::string_view host = HostOf(listen);
  return absl::EqualsIgnoreCase(host, "localhost") ||
         IsLoopbackIp(std::string(host));
}

absl::Status CheckListenAddress(absl::string_view listen,
                                const TransportOptions& transport,
                                bool open_mode) {
  if (IsLoopbackListenAddress(listen)) return absl::OkStatus();
  if (!transport.tls() && !transport.insecure_plaintext) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve plaintext on ", listen,
        ", which is not a loopback address: anyone who can reach it could read "
        "and forge calls; serve TLS (--tls-cert and --tls-key), listen on "
        "127.0.0.1, or accept the risk with --insecure-plaintext"));
  }
  if (open_mode) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve ", listen,
        ", which is not a loopback address, in the open mode: without "
        "--auth-config every caller may do everything; name the principals "
        "with --auth-config, or listen on 127.0.0.1"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const TransportOptions& transport) {
  if (transport.tls_cert_pem.empty() != transport.tls_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate (--tls-cert) and its private key "
        "(--tls-key)");
  }
  if (!transport.tls()) {
    if (!transport.client_ca_pem.empty()) {
      return absl::InvalidArgumentError(
          "a client CA (--client-ca) verifies client certificates, which "
          "only TLS carries: give --tls-cert and --tls-key too");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions options(
      transport.client_ca_pem.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = transport.client_ca_pem;
  options.pem_key_cert_pairs.push_back(
      {transport.tls_key_pem, transport.tls_cert_pem});
  return grpc::SslServerCredentials(options);
}

std::string TransportDescription(const TransportOptions& transport) {
  if (!transport.tls()) return "plaintext";
  return transport.client_ca_pem.empty() ? "TLS"
                                         : "TLS, client certificates required";
}

}  // namespace banen
