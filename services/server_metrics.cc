#include "services/server_metrics.h"

#include <unistd.h>

#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "ledger/absl_compat.h"

namespace banen {
namespace {

// 100 µs to 10 s: a synced batch takes a millisecond or more, a slow disk or
// a deep queue seconds.
const std::vector<double>& LatencyBounds() {
  static const auto* bounds = new std::vector<double>{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *bounds;
}

// Batch sizes up to the default --max-batch-events.
const std::vector<double>& BatchEventBounds() {
  static const auto* bounds = new std::vector<double>{
      1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  return *bounds;
}

// The resident set from /proc/self/statm (in pages); 0 where unreadable.
double ResidentBytes() {
  FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int read = std::fscanf(statm, "%llu %llu", &size, &resident);
  std::fclose(statm);
  if (read != 2) return 0;
  return static_cast<double>(resident) * sysconf(_SC_PAGESIZE);
}

constexpr char kSubscribe[] = "/banen.v1.LedgerService/Subscribe";
constexpr char kAppendBatch[] = "/banen.v1.LedgerService/AppendBatch";

// Times a unary call from its creation to the status it sends.
class QueryInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit QueryInterceptor(Histogram& latency) : latency_(latency) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      latency_.Observe(absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  Histogram& latency_;
  const absl::Time start_ = absl::Now();
};

// Counts a Subscribe stream for as long as the call lives.
class SubscriberInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit SubscriberInterceptor(ServerMetrics& metrics) : metrics_(metrics) {
    metrics_.SubscriberStarted();
  }
  ~SubscriberInterceptor() override { metrics_.SubscriberEnded(); }
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  ServerMetrics& metrics_;
};

class Factory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(ServerMetrics& metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const std::string_view method = info->method();
    if (method == kSubscribe) return new SubscriberInterceptor(metrics_);
    if (info->type() != grpc::experimental::ServerRpcInfo::Type::UNARY ||
        !absl::StartsWith(AbslView(method), "/banen.") ||
        method == kAppendBatch) {
      return nullptr;
    }
    return new QueryInterceptor(metrics_.QueryLatency(std::string(method)));
  }

 private:
  ServerMetrics& metrics_;
};

}  // namespace

ServerMetrics::ServerMetrics(MetricsRegistry& registry, const EventLog& log,
                             const Projector& projector)
    : registry_(registry),
      batches_(registry.AddCounter(
          "banen_append_batches_total",
          "Batches accepted: stored, or answered as all duplicates")),
      duplicates_(registry.AddCounter(
          "banen_duplicate_events_total",
          "Events answered as duplicates of stored ones (not stored again)")),
      append_latency_(registry.AddHistogram(
          "banen_append_latency_seconds",
          "From a batch received to its answer, accepted or refused",
          LatencyBounds())),
      batch_events_(registry.AddHistogram("banen_append_batch_events",
                                          "Events per accepted batch",
                                          BatchEventBounds())) {
  for (int kind = 0; kind < kEventKindCount; ++kind) {
    appended_by_kind_[kind] = &registry.AddCounter(
        "banen_events_appended_total", "Events stored, by kind",
        {{"kind", std::string(EventKindName(static_cast<EventKind>(kind)))}});
  }
  for (int code = 1; code < static_cast<int>(rejections_by_code_.size());
       ++code) {
    rejections_by_code_[code] = &registry.AddCounter(
        "banen_append_rejections_total", "Batches refused, by status code",
        {{"code",
          absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}});
  }
  registry.AddGauge("banen_head_seq", "The seq of the last stored event",
                    [&log] { return static_cast<double>(log.GetHead().seq); });
  registry.AddGauge(
      "banen_projection_lag_seqs",
      "Events stored but not yet folded into the realisation figures",
      [&log, &projector] {
        const uint64_t head = log.GetHead().seq;
        const uint64_t projected = projector.projected_seq();
        return static_cast<double>(head > projected ? head - projected : 0);
      });
  registry.AddGauge("banen_subscribers", "Open Subscribe streams", [this] {
    return static_cast<double>(subscribers_.load());
  });
  registry.AddGauge(
      "banen_rocksdb_live_data_bytes",
      "RocksDB's estimate of the live data in the store", [&log] {
        return static_cast<double>(log.GetStorageStats().live_data_bytes);
      });
  registry.AddGauge(
      "banen_rocksdb_pending_compaction_bytes",
      "RocksDB's estimate of the bytes compaction has yet to rewrite", [&log] {
        return static_cast<double>(
            log.GetStorageStats().pending_compaction_bytes);
      });
  // RocksDB's part of the resident memory; the rest is the validation
  // state, the event_id index and the projection state.
  const std::pair<const char*, uint64_t StorageStats::*> rocksdb_memory[] = {
      {"block_cache", &StorageStats::block_cache_usage_bytes},
      {"table_readers", &StorageStats::table_readers_bytes},
      {"memtables", &StorageStats::memtable_bytes}};
  for (const auto& [kind, bytes] : rocksdb_memory) {
    registry.AddGauge(
        "banen_rocksdb_memory_bytes",
        "RocksDB's memory by kind: the block cache's contents, the open "
        "tables' index and filter blocks, the memtables",
        [&log, bytes = bytes] {
          return static_cast<double>(log.GetStorageStats().*bytes);
        },
        {{"kind", kind}});
  }
  registry.AddGauge("banen_rocksdb_block_cache_capacity_bytes",
                    "The block cache's capacity (RocksDB's default, 8 MiB)",
                    [&log] {
                      return static_cast<double>(
                          log.GetStorageStats().block_cache_capacity_bytes);
                    });
  registry.AddGauge(
      "banen_event_id_index_bytes",
      "The event_id index's memory: its sorted arrays and hash maps", [&log] {
        return static_cast<double>(log.GetStorageStats().event_id_index_bytes);
      });
  registry.AddGauge(
      "banen_event_ids_hashed",
      "Event ids the index keeps in hash maps until a state checkpoint folds "
      "them into its arrays",
      [&log] {
        return static_cast<double>(log.GetStorageStats().event_ids_hashed);
      });
  registry.AddGauge("process_resident_memory_bytes",
                    "Resident memory size in bytes", ResidentBytes);
}

void ServerMetrics::RecordAppended(const AppendBatch& batch,
                                   const AppendResult& result,
                                   absl::Duration latency) {
  std::array<uint64_t, kEventKindCount> stored{};
  uint64_t duplicates = 0;
  for (size_t index = 0; index < batch.events.size(); ++index) {
    if (result.duplicate[index]) {
      ++duplicates;
    } else {
      ++stored[static_cast<int>(batch.events[index].kind())];
    }
  }
  for (int kind = 0; kind < kEventKindCount; ++kind) {
    if (stored[kind] != 0) appended_by_kind_[kind]->Add(stored[kind]);
  }
  if (duplicates != 0) duplicates_.Add(duplicates);
  batches_.Add();
  batch_events_.Observe(static_cast<double>(batch.events.size()));
  append_latency_.Observe(absl::ToDoubleSeconds(latency));
}

void ServerMetrics::RecordRejected(absl::StatusCode code,
                                   absl::Duration latency) {
  const int index = static_cast<int>(code);
  if (index > 0 && index < static_cast<int>(rejections_by_code_.size())) {
    rejections_by_code_[index]->Add();
  }
  append_latency_.Observe(absl::ToDoubleSeconds(latency));
}

Histogram& ServerMetrics::QueryLatency(const std::string& rpc) {
  return registry_.AddHistogram(
      "banen_query_latency_seconds",
      "Unary rpcs other than AppendBatch, from the call to its status",
      LatencyBounds(), {{"rpc", rpc}});
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
ServerMetrics::InterceptorFactory() {
  return std::make_unique<Factory>(*this);
}

}  // namespace banen
