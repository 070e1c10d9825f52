// The client side of banen-ledgerd's gRPC services, shared by banenctl, its
// import and audit, the benchmarks, the crash client and the tests: where a
// channel is made (and where TLS credentials and tokens will be set), and
// how a gRPC status becomes an absl::Status. No server code: a client
// linking this does not link RocksDB or banen_services.
#ifndef BANEN_TOOLS_CLIENT_H_
#define BANEN_TOOLS_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace banen::client {

// A channel to banen-ledgerd at `address` (host:port). `arguments` are
// gRPC channel arguments, e.g. a larger receive limit.
std::shared_ptr<grpc::Channel> Connect(
    const std::string& address,
    const grpc::ChannelArguments& arguments = grpc::ChannelArguments());

// The same code and message; gRPC's and absl's codes share their numbers.
// A non-empty `what` prefixes the message ("import: ...").
absl::Status FromGrpc(const grpc::Status& status, absl::string_view what = "");

// A context for one call whose deadline is `timeout` from now.
std::unique_ptr<grpc::ClientContext> CallContext(absl::Duration timeout);

}  // namespace banen::client

#endif  // BANEN_TOOLS_CLIENT_H_
