// The primitives of the state checkpoint's layout (storage_format.h
// state_body): protobuf's varints, zigzag for signed values, and strings as
// varint length then bytes. Internal to ledger/.
#ifndef BANEN_LEDGER_INTERNAL_CHECKPOINT_CODING_H_
#define BANEN_LEDGER_INTERNAL_CHECKPOINT_CODING_H_

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace banen::checkpoint_coding {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

inline void WriteString(CodedOutputStream& out, std::string_view text) {
  out.WriteVarint64(text.size());
  out.WriteRaw(text.data(), static_cast<int>(text.size()));
}

inline bool ReadString(CodedInputStream& in, std::string& text) {
  uint64_t size = 0;
  return in.ReadVarint64(&size) && size <= INT_MAX &&
         in.ReadString(&text, static_cast<int>(size));
}

inline void WriteSigned(CodedOutputStream& out, int64_t value) {
  out.WriteVarint64(WireFormatLite::ZigZagEncode64(value));
}

inline bool ReadSigned(CodedInputStream& in, int64_t& value) {
  uint64_t encoded = 0;
  if (!in.ReadVarint64(&encoded)) return false;
  value = WireFormatLite::ZigZagDecode64(encoded);
  return true;
}

// Runs `read` (a function of a CodedInputStream&) over the front of `bytes`,
// of which it reads less than 2 GiB (a CodedInputStream's bound), and
// advances `bytes` past what it read. `bytes` may be longer: a state
// checkpoint's body (some 35 bytes an event) is, at 60 M events, while each
// part read this way (the jobs, the persons and the rest) stays far below.
template <typename Read>
auto ReadPrefix(std::string_view& bytes, Read read) {
  CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX)));
  auto result = read(in);
  bytes.remove_prefix(in.CurrentPosition());
  return result;
}

}  // namespace banen::checkpoint_coding

#endif  // BANEN_LEDGER_INTERNAL_CHECKPOINT_CODING_H_
