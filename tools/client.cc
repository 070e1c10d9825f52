#include "tools/client.h"

#include "absl/strings/str_cat.h"

namespace banen::client {

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

}  // namespace banen::client
