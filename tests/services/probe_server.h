// A gRPC server on a free loopback port whose LedgerService.GetHead only
// records what the call brought: its "authorization" metadata and the common
// name of the client certificate the handshake verified. For tests of what a
// client sends and of what the server's transport reports.
#ifndef BANEN_TESTS_SERVICES_PROBE_SERVER_H_
#define BANEN_TESTS_SERVICES_PROBE_SERVER_H_

#include <grpc/grpc_security_constants.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "ledger/status_macros.h"

namespace banen::test {

class ProbeServer final : public v1::LedgerService::Service {
 public:
  // Listens with `transport`'s credentials (ServerCredentials).
  static absl::StatusOr<std::unique_ptr<ProbeServer>> Start(
      const TransportOptions& transport) {
    ASSIGN_OR_RETURN(const std::shared_ptr<grpc::ServerCredentials> credentials,
                     ServerCredentials(transport));
    std::unique_ptr<ProbeServer> probe(new ProbeServer());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", credentials, &probe->port_);
    builder.RegisterService(probe.get());
    probe->server_ = builder.BuildAndStart();
    if (probe->server_ == nullptr) {
      return absl::UnavailableError("the probe server did not start");
    }
    return probe;
  }

  ~ProbeServer() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  // Every "authorization" value of the last GetHead, in order.
  std::vector<std::string> authorization() const {
    absl::MutexLock lock(&mutex_);
    return authorization_;
  }
  // The verified client certificate's CN of the last GetHead, if any.
  std::optional<std::string> common_name() const {
    absl::MutexLock lock(&mutex_);
    return common_name_;
  }

  grpc::Status GetHead(grpc::ServerContext* context,
                       const v1::GetHeadRequest* /*request*/,
                       v1::GetHeadResponse* /*response*/) override {
    absl::MutexLock lock(&mutex_);
    authorization_.clear();
    const auto [begin, end] =
        context->client_metadata().equal_range("authorization");
    for (auto it = begin; it != end; ++it) {
      authorization_.emplace_back(it->second.data(), it->second.size());
    }
    const std::vector<grpc::string_ref> names =
        context->auth_context()->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
    common_name_.reset();
    if (names.size() == 1)
      common_name_.emplace(names[0].data(), names[0].size());
    return grpc::Status::OK;
  }

 private:
  ProbeServer() = default;

  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable absl::Mutex mutex_;
  std::vector<std::string> authorization_ ABSL_GUARDED_BY(mutex_);
  std::optional<std::string> common_name_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace banen::test

#endif  // BANEN_TESTS_SERVICES_PROBE_SERVER_H_
