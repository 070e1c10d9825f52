// banen-ledgerd's log: one line per event on stderr, in key=value form
// (logfmt), so that journald, docker and a log shipper keep each event whole
// and can filter on its keys:
//
//   ts=2026-11-30T16:30:00.123456Z level=info event=rpc request_id=... ...
//
// Every line has ts (UTC), level, event and msg (the human sentence); values
// holding a space, '=', '"' or '\' are quoted, '"' and '\' escaped. Each rpc
// ends in one `event=rpc` line (RequestLogInterceptorFactory) naming its
// request id, method, status code, duration and peer; a Health check that
// answers OK is left out (probes ask every few seconds).
//
// Nothing logged may hold a person_ref or a token: callers pass ids the
// server chose, counts, codes and paths, never a request's fields or an
// error's message about one (which may quote a person_ref).
//
// Thread safety: Log may be called from any thread; each line is written
// with one stdio call, so lines from threads do not interleave.
#ifndef BANEN_SERVICES_LOG_H_
#define BANEN_SERVICES_LOG_H_

#include <grpcpp/support/server_interceptor.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace banen {

enum class LogLevel { kInfo, kWarning, kError };

struct LogField {
  std::string_view key;
  std::string value;
};

// The line (without its newline) Log writes for these, at `time`.
std::string FormatLogLine(absl::Time time, LogLevel level,
                          std::string_view event, std::string_view message,
                          std::initializer_list<LogField> fields);

// Writes FormatLogLine(now, ...) and a newline to stderr.
void Log(LogLevel level, std::string_view event, std::string_view message,
         std::initializer_list<LogField> fields = {});

// The metadata key of a call's request id: taken from the client's initial
// metadata when it is 1-64 characters of [A-Za-z0-9._:-], generated
// otherwise (16 random hex digits), and sent back in the server's initial
// metadata. A client that sends one must not put a person_ref in it.
inline constexpr char kRequestIdKey[] = "x-request-id";

// For grpc::ServerBuilder::experimental().SetInterceptorCreators: logs each
// rpc's end as above (LedgerServerOptions::log_rpcs, --log-rpcs).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RequestLogInterceptorFactory();

}  // namespace banen

#endif  // BANEN_SERVICES_LOG_H_
