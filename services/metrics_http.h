// MetricsHttpServer: serves a MetricsRegistry at GET /metrics over plain
// HTTP (civetweb), for Prometheus to scrape; every other path is 404.
//
// The figures are counts and sizes, never person refs or tokens, so the
// endpoint has no authentication; bind it where only the scraper can reach
// it (loopback, or a port the network policy keeps in the cluster).
//
// Thread safety: civetweb answers scrapes on its own threads, each rendering
// the registry (which is thread-safe). Ownership: borrows the registry, which
// must outlive the server; destroying the server waits for scrapes in
// flight.
#ifndef BANEN_SERVICES_METRICS_HTTP_H_
#define BANEN_SERVICES_METRICS_HTTP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/metrics.h"

struct mg_context;

namespace banen {

class MetricsHttpServer {
 public:
  // Listens on `listen`, "host:port" (port 0: any free port). INVALID_ARGUMENT
  // if it is not host:port, UNAVAILABLE if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& listen, const MetricsRegistry& registry);

  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // The bound port.
  int port() const { return port_; }
  const MetricsRegistry& registry() const { return registry_; }

 private:
  explicit MetricsHttpServer(const MetricsRegistry& registry)
      : registry_(registry) {}

  const MetricsRegistry& registry_;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace banen

#endif  // BANEN_SERVICES_METRICS_HTTP_H_
