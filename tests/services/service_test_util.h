// A real LedgerServer in-process on a free loopback port, with a temporary
// data directory, and client stubs talking to it over TCP.
#ifndef BANEN_TESTS_SERVICES_SERVICE_TEST_UTIL_H_
#define BANEN_TESTS_SERVICES_SERVICE_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "banen/v1/admin.grpc.pb.h"
#include "banen/v1/audit.grpc.pb.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "banen/v1/quota.grpc.pb.h"
#include "banen/v1/realisation.grpc.pb.h"
#include "banen/v1/register.grpc.pb.h"
#include "banen/v1/snapshot.grpc.pb.h"
#include "gtest/gtest.h"
#include "ledger/codec.h"
#include "services/ledger_server.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"
#include "tools/client.h"

namespace banen::test {

// The wire request for one batch.
inline v1::AppendRequest AppendRequestOf(std::string batch_id,
                                         const std::vector<Event>& events) {
  v1::AppendRequest request;
  request.set_batch_id(std::move(batch_id));
  for (const Event& event : events) EventToProto(event, request.add_events());
  return request;
}

// An employer, a registered person and a hire of 25.5 h (one baan) from
// 2024-02-01: `tag` makes the ids unique per call.
inline std::vector<Event> HireHistory(const std::string& tag) {
  const std::string person = "person-ref-" + tag + "-00000000";
  return {
      EmployerRegisteredEvent(tag + "-emp", "2024-01-01", "emp-" + tag),
      PersonRegisteredEvent(tag + "-person", "2024-01-01", person),
      JobStartedEvent(tag + "-hire", "2024-02-01", "job-" + tag, "emp-" + tag,
                      person, ContractForm::kVast, 2550),
  };
}

// The BatchError a failed unary call carries in its status details; a default
// one (event_index 0) if the details do not hold one.
inline v1::BatchError BatchErrorOf(const grpc::Status& status) {
  v1::ErrorStatus details;
  v1::BatchError error;
  if (details.ParseFromString(status.error_details()) &&
      details.details_size() == 1) {
    details.details(0).UnpackTo(&error);
  }
  return error;
}

class ServiceTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    StartServer();
  }
  void TearDown() override {
    server_.reset();
    TempDirTest::TearDown();
  }

  // Lets a fixture change the options its server starts with.
  virtual void AdjustOptions(LedgerServerOptions& /*options*/) {}

  void StartServer() {
    LedgerServerOptions options;
    options.data_dir = log_dir();
    options.listen = "127.0.0.1:0";
    options.sync = false;  // durability is the ledger tests' subject
    AdjustOptions(options);
    options.file_system = file_system_;
    absl::StatusOr<std::unique_ptr<LedgerServer>> server =
        LedgerServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = client::Connect(server_->address());
    ledger_ = v1::LedgerService::NewStub(channel_);
    realisation_ = v1::RealisationService::NewStub(channel_);
    quota_ = v1::QuotaService::NewStub(channel_);
    register_ = v1::RegisterService::NewStub(channel_);
    snapshots_ = v1::SnapshotService::NewStub(channel_);
    admin_ = v1::AdminService::NewStub(channel_);
    audit_ = v1::AuditService::NewStub(channel_);
  }

  // Appends one batch with the unary call; fails the test if rejected.
  v1::AppendResponse MustAppend(const std::string& batch_id,
                                const std::vector<Event>& events) {
    grpc::ClientContext context;
    v1::AppendResponse response;
    const grpc::Status status = ledger_->AppendBatch(
        &context, AppendRequestOf(batch_id, events), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::GetHeadResponse Head() {
    grpc::ClientContext context;
    v1::GetHeadResponse head;
    EXPECT_TRUE(ledger_->GetHead(&context, v1::GetHeadRequest(), &head).ok());
    return head;
  }

  // The store's file system for the next StartServer(); null: the default.
  std::shared_ptr<rocksdb::FileSystem> file_system_;
  std::unique_ptr<LedgerServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::unique_ptr<v1::RealisationService::Stub> realisation_;
  std::unique_ptr<v1::QuotaService::Stub> quota_;
  std::unique_ptr<v1::RegisterService::Stub> register_;
  std::unique_ptr<v1::SnapshotService::Stub> snapshots_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

}  // namespace banen::test

#endif  // BANEN_TESTS_SERVICES_SERVICE_TEST_UTIL_H_
