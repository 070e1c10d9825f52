// The body of a state checkpoint (storage_format.h) as its decoders read
// it: a range at a time, each range a stream of its own. A body stored in
// parts is then read as the decode reaches each part, two sections at
// once where two threads decode them, instead of copied whole into fresh
// memory first (at a start at 10 M events the kernel cleared that memory
// for 0.73 s of CPU, issue 15).
#ifndef BANEN_LEDGER_INTERNAL_STATE_BODY_H_
#define BANEN_LEDGER_INTERNAL_STATE_BODY_H_

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <string_view>

#include "google/protobuf/io/zero_copy_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace banen {

class StateBody {
 public:
  virtual ~StateBody() = default;
  virtual uint64_t size() const = 0;
  // The bytes [begin, end), begin <= end <= size(). Thread-compatible: each
  // stream on one thread at a time, streams of one body on several. A
  // stream that cannot read its bytes ends early (the decode then fails on
  // the short bytes), and the body's owner learns why from its own record.
  virtual std::unique_ptr<google::protobuf::io::ZeroCopyInputStream> Range(
      uint64_t begin, uint64_t end) const = 0;
};

// A body in memory, of less than 2 GiB (a protobuf stream's limit). Its
// streams hand out at most `block_size` bytes at a time if positive (tests:
// a decode must not depend on where the stored parts end).
class FlatStateBody final : public StateBody {
 public:
  explicit FlatStateBody(std::string_view bytes, int block_size = -1)
      : bytes_(bytes.substr(0, std::min<size_t>(bytes.size(), INT_MAX))),
        block_size_(block_size) {}
  uint64_t size() const override { return bytes_.size(); }
  std::unique_ptr<google::protobuf::io::ZeroCopyInputStream> Range(
      uint64_t begin, uint64_t end) const override {
    return std::make_unique<google::protobuf::io::ArrayInputStream>(
        bytes_.data() + begin, static_cast<int>(end - begin), block_size_);
  }

 private:
  std::string_view bytes_;
  int block_size_;
};

}  // namespace banen

#endif  // BANEN_LEDGER_INTERNAL_STATE_BODY_H_
