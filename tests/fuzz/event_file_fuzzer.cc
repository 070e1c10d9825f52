// Fuzz target: the event files of `banenctl import` (tools/event_file.h), read
// line by line as the importer reads them.
//
// Input: one format byte ('c': CSV, anything else: NDJSON), then the file.
// The reader takes a path (the format follows its extension), so the file is
// written to a temp dir first, on tmpfs where there is one.
//
// Checked beyond "no crash, no UB": an event the reader accepts passes
// ValidateFields (the reader's promise), and its wire form converts back to
// the same event; a bad line says why.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "banen/v1/events.pb.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "ledger/validation.h"
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

}  // namespace
}  // namespace banen

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string path = banen::WriteFile(
      data[0] == 'c' ? "input.csv" : "input.ndjson", data + 1, size - 1);
  absl::StatusOr<std::unique_ptr<banen::EventFileReader>> reader =
      banen::EventFileReader::Open(path);
  if (!reader.ok()) return 0;
  banen::Event event;
  banen::LineError error;
  while (true) {
    const banen::EventFileReader::Read read = (*reader)->Next(&event, &error);
    if (read == banen::EventFileReader::Read::kEnd) break;
    if (read == banen::EventFileReader::Read::kEvent) {
      banen::CheckEvent(event);
    } else if (error.reason.empty() || error.ToString().empty()) {
      std::abort();
    }
  }
  return 0;
}
