// Built only under TSan (tests/CMakeLists.txt): tsan_grpc_handoff.cc must
// make TSan see the order in which gRPC runs a stream's callbacks, and must
// not hide a real race in them. A report makes the program exit with TSan's
// code 66, so the first test fails by reporting, and the last expects the
// report in a child process.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sanitizer/tsan_interface.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace banen::test {
namespace {

constexpr char kEchoMethod[] = "/test.Echo/Echo";

// Written by a test's own thread and read by the server's reactor, ordered
// by nothing: what TSan must report.
int unordered = 0;

// Echoes each message of a stream. Its members are written in one callback
// and read in the next, which gRPC may run on another thread: ordered only
// by gRPC's hand-over of the batch between them.
class EchoReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit EchoReactor(bool read_unordered) : read_unordered_(read_unordered) {
    StartRead(&message_);
  }

  void OnReadDone(bool ok) override {
    HandOverToOnDone();
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    if (read_unordered_) seen_ += unordered;
    ++echoed_;
    StartWrite(&message_);
  }
  void OnWriteDone(bool ok) override {
    HandOverToOnDone();
    if (!ok || echoed_ == 0) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL, "write failed"));
      return;
    }
    StartRead(&message_);
  }
  void OnDone() override {
    __tsan_acquire(this);
    delete this;
  }

 private:
  // OnDone runs once the call's last reference is let go, which for this
  // generic handler (compiled into libgrpc++, uninstrumented) TSan does not
  // see: what gRPC wrote into message_ before a callback is handed to OnDone
  // here. Only OnDone: the callbacks themselves stay ordered by the batches
  // alone, which is what this test checks.
  void HandOverToOnDone() { __tsan_release(this); }

  const bool read_unordered_;
  grpc::ByteBuffer message_;
  int echoed_ = 0;
  int seen_ = 0;
};

class EchoService final : public grpc::CallbackGenericService {
 public:
  explicit EchoService(bool read_unordered) : read_unordered_(read_unordered) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    if (context->method() != kEchoMethod) {
      return grpc::CallbackGenericService::CreateReactor(context);
    }
    return new EchoReactor(read_unordered_);
  }

 private:
  const bool read_unordered_;
};

// Sends `count` messages, each after the echo of the one before.
class EchoClient final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  EchoClient(grpc::GenericStub& stub, int count) : left_(count) {
    const grpc::Slice slice("ping");
    message_ = grpc::ByteBuffer(&slice, 1);
    stub.PrepareBidiStreamingCall(&context_, kEchoMethod, {}, this);
    StartWrite(&message_);
    StartCall();
  }

  // The stream's status once it ended, and how many echoes came back.
  grpc::Status Await() {
    done_.WaitForNotification();
    return status_;
  }
  int echoes() const { return echoes_; }

  void OnWriteDone(bool ok) override {
    if (ok) StartRead(&echo_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    ++echoes_;
    if (--left_ > 0) {
      StartWrite(&message_);
    } else {
      StartWritesDone();
    }
  }
  void OnDone(const grpc::Status& status) override {
    status_ = status;
    done_.Notify();
  }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer message_;
  grpc::ByteBuffer echo_;
  int left_;
  int echoes_ = 0;
  grpc::Status status_;
  absl::Notification done_;
};

// Runs one stream of `count` echoes through an in-process server; returns
// how many came back.
int EchoThroughAServer(bool read_unordered, int count) {
  EchoService service(read_unordered);
  grpc::ServerBuilder builder;
  builder.RegisterCallbackGenericService(&service);
  const std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  grpc::GenericStub stub(server->InProcessChannel(grpc::ChannelArguments()));
  EchoClient client(stub, count);
  const grpc::Status status = client.Await();
  server->Shutdown();
  return status.ok() ? client.echoes() : -1;
}

TEST(TsanGrpcHandoff, AStreamsCallbacksAreOrderedByItsBatches) {
  EXPECT_EQ(EchoThroughAServer(/*read_unordered=*/false, 200), 200);
}

// A thread that writes what the reactor reads, and meets gRPC nowhere.
void RaceWithAReactor() {
  std::thread writer([] { unordered = 1; });
  const int echoes = EchoThroughAServer(/*read_unordered=*/true, 20);
  writer.join();
  std::exit(echoes == 20 ? 0 : 1);
}

TEST(TsanGrpcHandoffDeathTest, AWriteThatNoBatchOrdersIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(RaceWithAReactor(), testing::ExitedWithCode(66),
              "ThreadSanitizer: data race");
}

}  // namespace
}  // namespace banen::test
