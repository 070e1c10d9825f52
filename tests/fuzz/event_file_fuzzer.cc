// Fuzz target: the event files of `banenctl import` (tools/event_file.h), read
// line by line as the importer reads them.
//
// Input: one format byte ('c': CSV, anything else: NDJSON), then the file.
// The reader takes a path (the format follows its extension), so the file is
// written to a temp dir first, on tmpfs where there is one.
//
// Checked beyond "no crash, no UB": an event the reader accepts passes
// ValidateFields (the reader's promise), and its wire form converts back to
// the same event; a bad line says why; and an NDJSON line is taken, with the
// same event, exactly when protobuf's own JSON parser takes it (the reader's
// faster path must not differ from it).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "banen/v1/events.pb.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "ledger/validation.h"
#include "tests/tools/protobuf_event_json.h"
#include "tools/event_file.h"

namespace banen {
namespace {

const std::filesystem::path& TempDir() {
  static const auto* dir = [] {
    const std::filesystem::path base =
        std::filesystem::exists("/dev/shm")
            ? std::filesystem::path("/dev/shm")
            : std::filesystem::temp_directory_path();
    auto* path = new std::filesystem::path(
        base / ("event_file_fuzzer-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*path);
    std::atexit([] { std::filesystem::remove_all(TempDir()); });
    return path;
  }();
  return *dir;
}

std::string WriteFile(std::string_view name, const uint8_t* data, size_t size) {
  const std::string path = (TempDir() / name).string();
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr || std::fwrite(data, 1, size, file) != size ||
      std::fclose(file) != 0) {
    std::abort();
  }
  return path;
}

void CheckEvent(const Event& event) {
  if (!ValidateFields(event, 0, DateOf(absl::Now())).ok()) std::abort();
  v1::Event proto;
  EventToProto(event, &proto);
  const absl::StatusOr<Event> again = EventFromProto(proto, 0);
  if (!again.ok() || *again != event) std::abort();
}

// `line` of an NDJSON file, read by the reader as `read` (and `event`).
void CheckAgainstProtobuf(std::string_view line, EventFileReader::Read read,
                          const Event& event) {
  const std::optional<Event> expected =
      ProtobufReadsEventJson(line, DateOf(absl::Now()));
  if (read == EventFileReader::Read::kEvent
          ? !expected.has_value() || *expected != event
          : expected.has_value()) {
    std::abort();
  }
}

}  // namespace
}  // namespace banen

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string path = banen::WriteFile(
      data[0] == 'c' ? "input.csv" : "input.ndjson", data + 1, size - 1);
  absl::StatusOr<std::unique_ptr<banen::EventFileReader>> reader =
      banen::EventFileReader::Open(path);
  if (!reader.ok()) return 0;
  // The file's lines as the reader splits them, for the NDJSON check.
  const bool ndjson = data[0] != 'c';
  std::vector<std::string_view> lines;
  for (std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
       ;) {
    const size_t newline = rest.find('\n');
    lines.push_back(rest.substr(0, newline));
    if (newline == std::string_view::npos) break;
    rest.remove_prefix(newline + 1);
  }
  banen::Event event;
  banen::LineError error;
  while (true) {
    const banen::EventFileReader::Read read = (*reader)->Next(&event, &error);
    if (read == banen::EventFileReader::Read::kEnd) break;
    if (ndjson) {
      std::string_view line = lines.at((*reader)->line() - 1);
      if (line.ends_with('\r')) line.remove_suffix(1);
      banen::CheckAgainstProtobuf(line, read, event);
    }
    if (read == banen::EventFileReader::Read::kEvent) {
      banen::CheckEvent(event);
    } else if (error.reason.empty() || error.ToString().empty()) {
      std::abort();
    }
  }
  return 0;
}
