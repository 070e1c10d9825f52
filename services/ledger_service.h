// banen.v1.LedgerService over an EventLog: proto -> domain -> proto.
//
// Append streams answer their batches in order. A stream reads its next batch
// while the ones before are appended (up to kAppendStreamBatchesInFlight),
// and each is appended on the service's append threads, never on a gRPC
// thread: it is handed to the log once the batch before holds its place in
// the log's order, so it is staged while that one's group is written
// (EventLog::Append group-commits the batches of all streams). The unary
// AppendBatch appends on the gRPC thread. ReadEvents and Subscribe read the log
// in chunks at the client's pace; parked subscribers wait in a SubscriptionHub.
// VerifyChain runs on the shared WorkerPool, a chunk of seqs at a time, and
// stops when its call is cancelled or its deadline passes.
//
// Memory per Subscribe stream, however slowly its client reads: at most one
// chunk of events read ahead from the log (256 events, each bounded by
// ledger/validation.h to a few KiB, so < 1 MiB) plus the one message being
// written; gRPC takes the next message only when the previous one is sent,
// which HTTP/2 flow control allows only as far as the client's receive window.
// A client that never reads therefore costs the server no more than that,
// however much is appended meanwhile. An Append stream holds at most
// kAppendStreamBatchesInFlight decoded batches (each of at most
// max_batch_events events) and their answers: it reads no further until the
// first answer is sent.
//
// Every handler first asks the Authorizer whether its caller may make the
// call (services/auth.h); appends carry the caller's AppendAuthority, and an
// employer's ReadEvents is narrowed to its own employers. An Append stream
// is authorized again for each batch and a Subscribe stream for each chunk
// it reads, so a revoked token stops them.
//
// Thread safety: gRPC calls the handlers concurrently; the service keeps no
// state of its own besides the hub. Ownership: borrows `log` and
// `authorizer`, which must outlive the service and the server it is
// registered with.
#ifndef BANEN_SERVICES_LEDGER_SERVICE_H_
#define BANEN_SERVICES_LEDGER_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <functional>

#include "banen/v1/ledger.grpc.pb.h"
#include "ledger/event_log.h"
#include "services/auth.h"
#include "services/follower.h"
#include "services/server_metrics.h"
#include "services/subscription_hub.h"
#include "services/worker_pool.h"

namespace banen {

// The batches an Append stream reads ahead of its answers, at most: their
// appends overlap, the first in its group's write while the next are staged.
// With 3, a stream in file order left a sixth of the two cores idle, its
// stager waiting for reads while a group was written; with 8 the
// import_bench server ingest rose from 190-227 k to 216-269 k events/s (six
// alternating pairs). It bounds a stream's memory (above).
inline constexpr size_t kAppendStreamBatchesInFlight = 8;

struct LedgerServiceOptions {
  // A batch with more events is refused with RESOURCE_EXHAUSTED: it would be
  // held, decoded, in memory and validated under the log's write lock.
  int max_batch_events = 10000;
  // VerifyChain looks at its call's cancellation and deadline after every
  // this many seqs, so a call nobody waits for stops within one chunk's work.
  // Positive.
  uint64_t verify_chunk_seqs = 65536;
  // Where accepted and refused batches are counted; null: nowhere. Borrowed.
  ServerMetrics* metrics = nullptr;
  // Set on a read replica: appends are refused with its CheckWritable()
  // (FAILED_PRECONDITION naming the primary) until it is promoted. Borrowed.
  const Follower* follower = nullptr;
  // Test hook: called on the worker after each chunk VerifyChain checked.
  std::function<void(const grpc::CallbackServerContext&)> after_verify_chunk;
  // Test hook: called on the append pool when a streamed batch's answer
  // starts nothing (an answer before it in its stream is still unsent),
  // after the stream's lock is let go and before the reaction returns; the
  // stream may end, and its reactor go, meanwhile.
  std::function<void()> after_answer_starts_nothing;
  // Test hook: called on a gRPC thread for each batch an Append stream has
  // read and decoded, before it is handed to the append pool.
  std::function<void()> on_stream_batch_read;
};

// The generated CallbackService with Append as a raw method: its stream's
// requests and answers are bytes that the service reads and writes itself
// (AppendStreamReactor). A method added to the service goes in here too.
using LedgerCallbackService = v1::LedgerService::WithRawCallbackMethod_Append<
    v1::LedgerService::WithCallbackMethod_AppendBatch<
        v1::LedgerService::WithCallbackMethod_ReadEvents<
            v1::LedgerService::WithCallbackMethod_Subscribe<
                v1::LedgerService::WithCallbackMethod_GetHead<
                    v1::LedgerService::WithCallbackMethod_VerifyChain<
                        v1::LedgerService::Service>>>>>>;

class LedgerServiceImpl final : public LedgerCallbackService {
 public:
  LedgerServiceImpl(EventLog& log, const Authorizer& authorizer,
                    LedgerServiceOptions options = {});

  // Ends every Subscribe stream (UNAVAILABLE) and refuses new ones; call
  // before shutting the server down, which otherwise waits for them.
  void CloseSubscriptions();

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Append(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* AppendBatch(grpc::CallbackServerContext* context,
                                        const v1::AppendRequest* request,
                                        v1::AppendResponse* response) override;
  grpc::ServerWriteReactor<v1::StoredEvent>* ReadEvents(
      grpc::CallbackServerContext* context,
      const v1::ReadEventsRequest* request) override;
  grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* context,
      const v1::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* GetHead(grpc::CallbackServerContext* context,
                                    const v1::GetHeadRequest* request,
                                    v1::GetHeadResponse* response) override;
  grpc::ServerUnaryReactor* VerifyChain(
      grpc::CallbackServerContext* context,
      const v1::VerifyChainRequest* request,
      v1::VerifyChainResponse* response) override;

 private:
  absl::Status VerifyInChunks(const grpc::CallbackServerContext& context,
                              const v1::VerifyChainRequest& request,
                              v1::VerifyChainResponse* response) const;

  const LedgerServiceOptions options_;
  EventLog& log_;
  const Authorizer& authorizer_;
  SubscriptionHub hub_;
  // Append streams' appends run here; the server waits for its calls, so for
  // these, before the service is destroyed.
  WorkerPool appenders_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_LEDGER_SERVICE_H_
