#include "tools/client.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/client_interceptor.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace banen::client {
namespace {

namespace experimental = grpc::experimental;

// Adds the bearer token to the initial metadata of every call, so no call
// site can forget it. Call credentials would do the same, but gRPC refuses
// them on plaintext channels, which loopback servers use.
class BearerTokenInterceptor final : public experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(std::string header)
      : header_(std::move(header)) {}

  void Intercept(experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", header_);
    }
    methods->Proceed();
  }

 private:
  const std::string header_;
};

class BearerTokenInterceptorFactory final
    : public experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenInterceptorFactory(const std::string& token)
      : header_(absl::StrCat("Bearer ", token)) {}

  experimental::Interceptor* CreateClientInterceptor(
      experimental::ClientRpcInfo* /*info*/) override {
    return new BearerTokenInterceptor(header_);
  }

 private:
  const std::string header_;
};

// A token travels as an HTTP/2 header value: visible ASCII only. (RFC 6750's
// b64token is narrower still; the server decides what it accepts.)
bool IsHeaderSafe(absl::string_view token) {
  for (const char c : token) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(
    const std::string& address, const ConnectOptions& options) {
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate (--tls-cert) needs its private key (--tls-key), "
        "and the reverse");
  }
  if (!options.tls_cert_pem.empty() && options.tls_ca_pem.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate (--tls-cert) is sent over TLS only: give the "
        "server's CA too (--tls-ca)");
  }
  if (!IsHeaderSafe(options.token)) {
    // Which character and where would tell part of the token.
    return absl::InvalidArgumentError(
        "the token holds a space, control or non-ASCII character, which an "
        "authorization header cannot carry");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls_ca_pem.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = options.tls_ca_pem;
    tls.pem_private_key = options.tls_key_pem;
    tls.pem_cert_chain = options.tls_cert_pem;
    credentials = grpc::SslCredentials(tls);
  }
  std::vector<std::unique_ptr<experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  if (!options.token.empty()) {
    interceptors.push_back(
        std::make_unique<BearerTokenInterceptorFactory>(options.token));
  }
  return experimental::CreateCustomChannelWithInterceptors(
      address, credentials, options.arguments, std::move(interceptors));
}

std::shared_ptr<grpc::Channel> Connect(
    const std::string& address, const grpc::ChannelArguments& arguments) {
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   arguments);
}

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      what.empty()
                          ? status.error_message()
                          : absl::StrCat(what, ": ", status.error_message()));
}

std::unique_ptr<grpc::ClientContext> CallContext(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

absl::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         absl::Duration timeout) {
  // Debian packages no generated grpc.health.v1 stubs, and the messages are
  // small enough to spell as bytes: the request is empty (the whole
  // server), the response is field 1, a varint ServingStatus (proto3 leaves
  // out 0, UNKNOWN).
  static constexpr const char* kStatusNames[] = {
      "UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  grpc::GenericStub stub(channel);
  const std::unique_ptr<grpc::ClientContext> context = CallContext(timeout);
  grpc::Slice empty;
  const grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(context.get(), "/grpc.health.v1.Health/Check",
                 grpc::StubOptions(), &request, &response,
                 [&status, &done](grpc::Status call_status) {
                   status = std::move(call_status);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) return FromGrpc(status, "health");
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) {
    return absl::InternalError("health: unreadable response");
  }
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  int serving_status = 0;
  if (bytes.size() == 2 && bytes[0] == '\x08' && bytes[1] >= 0 &&
      bytes[1] <= 3) {
    serving_status = bytes[1];
  } else if (!bytes.empty()) {
    return absl::InternalError("health: response is not a HealthCheckResponse");
  }
  if (serving_status == 1) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("health: ", kStatusNames[serving_status]));
}

}  // namespace banen::client
