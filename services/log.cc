#include "services/log.h"

#include <grpcpp/server_context.h>

#include <cstdio>
#include <string>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "ledger/absl_compat.h"

namespace banen {
namespace {

namespace experimental = grpc::experimental;

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void AppendValue(std::string& line, std::string_view value) {
  const bool quoted =
      value.empty() || value.find_first_of(" =\"\\\t\n") != value.npos;
  if (!quoted) {
    line.append(value);
    return;
  }
  line.push_back('"');
  for (const char c : value) {
    if (c == '"' || c == '\\') line.push_back('\\');
    line.push_back(c == '\n' || c == '\t' ? ' ' : c);
  }
  line.push_back('"');
}

void AppendField(std::string& line, std::string_view key,
                 std::string_view value) {
  if (!line.empty()) line.push_back(' ');
  line.append(key);
  line.push_back('=');
  AppendValue(line, value);
}

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

std::string NewRequestId() {
  thread_local absl::BitGen bits;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(bits));
}

// One per call: takes or makes its request id, sends it back, and logs the
// call's end.
class RequestLogInterceptor final : public experimental::Interceptor {
 public:
  explicit RequestLogInterceptor(experimental::ServerRpcInfo* info)
      : info_(info) {}

  void Intercept(experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const auto* metadata = methods->GetRecvInitialMetadata();
      const auto it = metadata->find(kRequestIdKey);
      if (it != metadata->end()) {
        const std::string_view id(it->second.data(), it->second.size());
        if (IsAcceptableRequestId(id)) request_id_ = std::string(id);
      }
    }
    if (methods->QueryInterceptionHookPoint(
            experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdKey, RequestId());
    }
    if (methods->QueryInterceptionHookPoint(
            experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      LogEnd(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  const std::string& RequestId() {
    if (request_id_.empty()) request_id_ = NewRequestId();
    return request_id_;
  }

  void LogEnd(grpc::StatusCode code) {
    const std::string_view method = info_->method();
    if (method == kHealthCheck && code == grpc::StatusCode::OK) return;
    const std::string code_name = absl::StatusCodeToString(
        static_cast<absl::StatusCode>(static_cast<int>(code)));
    const std::string peer = info_->server_context() != nullptr
                                 ? info_->server_context()->peer()
                                 : "";
    Log(code == grpc::StatusCode::OK || code == grpc::StatusCode::CANCELLED
            ? LogLevel::kInfo
            : LogLevel::kWarning,
        "rpc", absl::StrCat(AbslView(method), " ", code_name),
        {{"request_id", RequestId()},
         {"method", std::string(method)},
         {"code", code_name},
         {"duration_ms", absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(
                                                     absl::Now() - start_))},
         {"peer", peer}});
  }

  experimental::ServerRpcInfo* const info_;
  const absl::Time start_ = absl::Now();
  std::string request_id_;
};

class RequestLogFactory final
    : public experimental::ServerInterceptorFactoryInterface {
 public:
  experimental::Interceptor* CreateServerInterceptor(
      experimental::ServerRpcInfo* info) override {
    return new RequestLogInterceptor(info);
  }
};

}  // namespace

std::string FormatLogLine(absl::Time time, LogLevel level,
                          std::string_view event, std::string_view message,
                          std::initializer_list<LogField> fields) {
  std::string line;
  AppendField(
      line, "ts",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone()));
  AppendField(line, "level", LevelName(level));
  AppendField(line, "event", event);
  for (const LogField& field : fields) {
    AppendField(line, field.key, field.value);
  }
  AppendField(line, "msg", message);
  return line;
}

void Log(LogLevel level, std::string_view event, std::string_view message,
         std::initializer_list<LogField> fields) {
  const std::string line =
      FormatLogLine(absl::Now(), level, event, message, fields) + "\n";
  std::fputs(line.c_str(), stderr);
}

std::unique_ptr<experimental::ServerInterceptorFactoryInterface>
RequestLogInterceptorFactory() {
  return std::make_unique<RequestLogFactory>();
}

}  // namespace banen
