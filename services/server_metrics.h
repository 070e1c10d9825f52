// ServerMetrics: what banen-ledgerd reports on its metrics endpoint, over a
// MetricsRegistry (services/metrics.h).
//
//   banen_events_appended_total{kind}      events stored (duplicates not)
//   banen_append_batches_total             batches accepted (stored or all
//                                          duplicates)
//   banen_append_rejections_total{code}    batches refused, by status code
//   banen_duplicate_events_total           events answered as duplicates
//   banen_append_latency_seconds           batch received (parsed) to its
//                                          answer, accepted or refused
//   banen_append_batch_events              events per accepted batch
//   banen_query_latency_seconds{rpc}       unary rpcs other than AppendBatch
//   banen_head_seq, banen_projection_lag_seqs, banen_subscribers,
//   banen_rocksdb_live_data_bytes, banen_rocksdb_pending_compaction_bytes,
//   banen_rocksdb_memory_bytes{kind}, banen_rocksdb_block_cache_capacity_bytes,
//   banen_event_id_index_bytes, banen_event_ids_hashed,
//   process_resident_memory_bytes          gauges, read at the scrape
//
// Cost on the append path: per batch a few relaxed atomic adds (one per
// kind present in the batch), no lock. Query latency and the subscriber
// count come from a gRPC interceptor (InterceptorFactory) attached only to
// unary banen rpcs and to Subscribe; Append streams run without it.
//
// Thread safety: all methods may be called concurrently. Ownership: borrows
// the registry, the log and the projector, which must outlive it (and the
// gRPC server its interceptors run in).
#ifndef BANEN_SERVICES_SERVER_METRICS_H_
#define BANEN_SERVICES_SERVER_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ledger/event_log.h"
#include "projections/projector.h"
#include "services/metrics.h"

namespace banen {

class ServerMetrics {
 public:
  ServerMetrics(MetricsRegistry& registry, const EventLog& log,
                const Projector& projector);
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // A batch the log accepted, `latency` after it was received.
  void RecordAppended(const AppendBatch& batch, const AppendResult& result,
                      absl::Duration latency);
  // A batch refused with `code`.
  void RecordRejected(absl::StatusCode code, absl::Duration latency);

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

  // The query latency histogram of `rpc` ("/banen.v1.X/Method"), registered
  // on its first call (a registry lookup under its mutex: once per query,
  // never per append).
  Histogram& QueryLatency(const std::string& rpc);
  void SubscriberStarted() { subscribers_.fetch_add(1); }
  void SubscriberEnded() { subscribers_.fetch_sub(1); }

 private:
  MetricsRegistry& registry_;
  std::array<Counter*, kEventKindCount> appended_by_kind_{};
  // Indexed by absl::StatusCode, 0..16.
  std::array<Counter*, 17> rejections_by_code_{};
  Counter& batches_;
  Counter& duplicates_;
  Histogram& append_latency_;
  Histogram& batch_events_;
  std::atomic<int64_t> subscribers_{0};
};

}  // namespace banen

#endif  // BANEN_SERVICES_SERVER_METRICS_H_
