// Reading protobuf's wire format by hand, in the plain form its serializer
// writes (and the canonical encoding, ledger/codec.cc's WireWriter): varint
// and length-delimited fields only. For the hot decodes (EventFromWire, the
// append stream's requests), each of which hands anything else to
// protobuf's parser, which knows the rest of the format and its rules.
#ifndef BANEN_LEDGER_WIRE_READER_H_
#define BANEN_LEDGER_WIRE_READER_H_

#include <cstdint>
#include <string_view>

namespace banen {

// One field of protobuf's wire format, as WireWriter writes them: a varint
// or a length-delimited run of bytes.
struct WireField {
  uint32_t number = 0;
  bool delimited = false;
  uint64_t varint = 0;
  std::string_view bytes;
};

// Takes a varint of at most `max_bytes` bytes off the front of `in`; false
// when it is malformed, longer or cut. protobuf's parser reads a field's
// value in up to ten bytes, its tag and a length in up to five.
inline bool TakeVarint(std::string_view& in, uint64_t& value,
                       int max_bytes = 10) {
  value = 0;
  for (int i = 0; i < max_bytes && !in.empty(); ++i) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    // A tenth byte holds the 64th bit only: protobuf's parser decides the
    // rest.
    if (i == 9 && byte > 1) return false;
    value |= uint64_t{byte & 0x7fu} << (7 * i);
    if (byte < 0x80) return true;
  }
  return false;
}
constexpr int kMaxTagOrLengthBytes = 5;

// Takes the next field off the front of `in`; false when its wire type is
// neither of WireWriter's or it is malformed.
inline bool TakeField(std::string_view& in, WireField& field) {
  uint64_t tag = 0;
  if (!TakeVarint(in, tag, kMaxTagOrLengthBytes) || tag >> 3 == 0 ||
      tag >> 3 > 0x1fffffff) {
    return false;
  }
  field.number = static_cast<uint32_t>(tag >> 3);
  switch (tag & 7) {
    case 0:
      field.delimited = false;
      return TakeVarint(in, field.varint);
    case 2: {
      uint64_t length = 0;
      if (!TakeVarint(in, length, kMaxTagOrLengthBytes) || length > in.size()) {
        return false;
      }
      field.delimited = true;
      field.bytes = in.substr(0, length);
      in.remove_prefix(length);
      return true;
    }
    default:
      return false;
  }
}

// Calls read(field) for each field of the message `bytes`; false when one
// is malformed, a field number below 64 comes twice, or read() refuses one.
template <typename Read>
bool ReadFields(std::string_view bytes, Read read) {
  uint64_t seen = 0;
  WireField field;
  while (!bytes.empty()) {
    if (!TakeField(bytes, field)) return false;
    if (field.number < 64) {
      const uint64_t bit = uint64_t{1} << field.number;
      if ((seen & bit) != 0) return false;
      seen |= bit;
    }
    if (!read(field)) return false;
  }
  return true;
}

// Whether every byte is below 0x80: such a string is valid UTF-8 (what
// protobuf checks of a proto3 string), and nothing else needs checking.
inline bool IsAscii(std::string_view text) {
  uint8_t any = 0;
  for (const char c : text) any |= static_cast<uint8_t>(c);
  return any < 0x80;
}

}  // namespace banen

#endif  // BANEN_LEDGER_WIRE_READER_H_
