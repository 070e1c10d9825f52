// Transport security of banen-ledgerd: the credentials its port listens with
// (plaintext, TLS, or TLS with required client certificates) and the rule
// that plaintext stays on loopback. The one place where the server's
// credentials are made; who a verified client certificate names is read by
// services/auth.h.
#ifndef BANEN_SERVICES_TRANSPORT_SECURITY_H_
#define BANEN_SERVICES_TRANSPORT_SECURITY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace banen {

struct TransportOptions {
  // The server's certificate chain and private key, PEM. Both empty:
  // plaintext; one without the other is INVALID_ARGUMENT.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  // With TLS: the CA certificates (PEM) that sign client certificates. Set,
  // every client must present a certificate they verify (mTLS), or its
  // handshake fails; empty, no client certificate is asked for.
  std::string client_ca_pem;
  // Plaintext on an address that is not loopback: refused unless this is
  // set, because anyone on the network could then read and forge calls.
  bool insecure_plaintext = false;

  bool tls() const { return !tls_cert_pem.empty() || !tls_key_pem.empty(); }
};

// Whether a gRPC listening address ("host:port", "[v6]:port", "unix:path")
// is reachable from this machine only: an IPv4 address in 127.0.0.0/8, ::1
// (also as ::ffff:127.x.y.z), "localhost", or a Unix domain socket. Wildcards
// (0.0.0.0, [::], an empty host) and every other name are not.
bool IsLoopbackListenAddress(absl::string_view listen);

// FAILED_PRECONDITION, naming the address and the flags that allow it, when
// `listen` is not loopback and either `transport` is plaintext without
// insecure_plaintext, or the server is in the open mode (no auth config:
// every caller may do everything, so only this machine may call); OK
// otherwise.
absl::Status CheckListenAddress(absl::string_view listen,
                                const TransportOptions& transport,
                                bool open_mode);

// The credentials the port listens with. INVALID_ARGUMENT when a certificate
// comes without its key (or the reverse), or a client CA without TLS.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const TransportOptions& transport);

// "plaintext", "TLS" or "TLS, client certificates required": for the
// server's start line.
std::string TransportDescription(const TransportOptions& transport);

}  // namespace banen

#endif  // BANEN_SERVICES_TRANSPORT_SECURITY_H_
