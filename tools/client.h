// The client side of banen-ledgerd's gRPC services, shared by banenctl, its
// import and audit, the benchmarks, the crash client and the tests: where a
// channel is made, with its TLS credentials and bearer token, and how a gRPC
// status becomes an absl::Status. No server code: a client linking this does
// not link RocksDB or banen_services.
#ifndef BANEN_TOOLS_CLIENT_H_
#define BANEN_TOOLS_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace banen::client {

// How a channel reaches the server and who it says it is.
struct ConnectOptions {
  // The CA certificates (PEM) that sign the server's certificate. Set: TLS,
  // and the server must present a certificate for the address's host that
  // they verify; empty: plaintext (banen-ledgerd allows that on loopback
  // only).
  std::string tls_ca_pem;
  // A client certificate chain and its private key (PEM), for a server that
  // requires one (mTLS); both or neither, and only with tls_ca_pem.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  // Sent with every call on the channel as "authorization: Bearer <token>";
  // empty: no such header. A server without an auth config ignores it.
  std::string token;
  // gRPC channel arguments, e.g. a larger receive limit.
  grpc::ChannelArguments arguments;
};

// A channel to banen-ledgerd at `address` (host:port). INVALID_ARGUMENT when
// the options are incomplete (a client key without its certificate, a client
// certificate without TLS) or the token holds a character a header cannot
// carry; the message never shows the token.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(
    const std::string& address, const ConnectOptions& options);

// A plaintext channel without a token, for servers on loopback (the tests,
// the benchmarks).
std::shared_ptr<grpc::Channel> Connect(
    const std::string& address,
    const grpc::ChannelArguments& arguments = grpc::ChannelArguments());

// The same code and message; gRPC's and absl's codes share their numbers.
// A non-empty `what` prefixes the message ("import: ...").
absl::Status FromGrpc(const grpc::Status& status, absl::string_view what = "");

// A context for one call whose deadline is `timeout` from now.
std::unique_ptr<grpc::ClientContext> CallContext(absl::Duration timeout);

// grpc.health.v1.Health/Check of the whole server (service ""), as the
// container's HEALTHCHECK and Kubernetes' grpc probes ask it: OK when
// SERVING; UNAVAILABLE naming the status otherwise; the call's own error
// when it fails.
absl::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         absl::Duration timeout);

}  // namespace banen::client

#endif  // BANEN_TOOLS_CLIENT_H_
