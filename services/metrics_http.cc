#include "services/metrics_http.h"

#include <civetweb.h>

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace banen {
namespace {

// The content type of the text exposition format, version 0.0.4.
constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

int ServeMetrics(mg_connection* connection, void* server) {
  const std::string text =
      static_cast<const MetricsHttpServer*>(server)->registry().Render();
  mg_send_http_ok(connection, kContentType,
                  static_cast<long long>(text.size()));
  mg_write(connection, text.data(), text.size());
  return 200;
}

// civetweb logs to stderr by default, every request and error; the server's
// own log stays for the ledger's events.
int Quiet(const mg_connection*, const char*) { return 1; }

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& listen, const MetricsRegistry& registry) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-listen ", listen, ": not host:port"));
  }
  mg_init_library(0);
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer(registry));
  mg_callbacks callbacks{};
  callbacks.log_message = Quiet;
  callbacks.log_access = Quiet;
  // A scrape is one small response: two threads answer Prometheus and a
  // person with curl at once.
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads",
                           "2", nullptr};
  server->context_ = mg_start(&callbacks, nullptr, options);
  if (server->context_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen));
  }
  mg_set_request_handler(server->context_, "/metrics$", ServeMetrics,
                         server.get());
  mg_server_port ports[1]{};
  if (mg_get_server_ports(server->context_, 1, ports) != 1) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen, ": no port bound"));
  }
  server->port_ = ports[0].port;
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  if (context_ != nullptr) mg_stop(context_);
}

}  // namespace banen
