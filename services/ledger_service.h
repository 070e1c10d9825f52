// banen.v1.LedgerService over an EventLog: proto -> domain -> proto.
//
// Append streams answer their batches one at a time, in order; a batch is
// appended on the gRPC thread that read it (EventLog::Append group-commits
// concurrent streams). ReadEvents and Subscribe read the log in chunks at the
// client's pace; parked subscribers wait in a SubscriptionHub.
//
// Thread safety: gRPC calls the handlers concurrently; the service keeps no
// state of its own besides the hub. Ownership: borrows `log`, which must
// outlive the service and the server it is registered with.
#ifndef BANEN_SERVICES_LEDGER_SERVICE_H_
#define BANEN_SERVICES_LEDGER_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "banen/v1/ledger.grpc.pb.h"
#include "ledger/event_log.h"
#include "services/subscription_hub.h"

namespace banen {

class LedgerServiceImpl final : public v1::LedgerService::CallbackService {
 public:
  explicit LedgerServiceImpl(EventLog& log);

  // Ends every Subscribe stream (UNAVAILABLE) and refuses new ones; call
  // before shutting the server down, which otherwise waits for them.
  void CloseSubscriptions();

  grpc::ServerBidiReactor<v1::AppendRequest, v1::AppendResponse>* Append(
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
  EventLog& log_;
  SubscriptionHub hub_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_LEDGER_SERVICE_H_
