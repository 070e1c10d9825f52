// Fields packed bit after bit in a byte array, for the tables of millions of
// small numbers whose widths are known only at run time (issue 15: the
// event_id index's sorted keys and seqs, the projection's references per
// seq). A field of up to 57 bits is read and written as one unaligned
// 8-byte word, so an array needs 8 bytes to spare past its last field.
#ifndef BANEN_LEDGER_PACKED_BITS_H_
#define BANEN_LEDGER_PACKED_BITS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace banen {

// The bytes of an array of `bits` bits of fields, with the 8 to spare.
inline size_t PackedBytesFor(uint64_t bits) {
  return (bits + 7) / 8 + sizeof(uint64_t);
}

// The `width` (<= 57) bits at bit `at` of `bytes`.
inline uint64_t ReadPackedBits(const char* bytes, uint64_t at, int width) {
  uint64_t word = 0;
  std::memcpy(&word, bytes + at / 8, sizeof(word));
  return (word >> (at % 8)) & ((uint64_t{1} << width) - 1);
}

// Writes `value` (below 2^57) at bit `at` of `bytes`, whose bits there are
// all zero.
inline void WritePackedBits(char* bytes, uint64_t at, uint64_t value) {
  uint64_t word = 0;
  std::memcpy(&word, bytes + at / 8, sizeof(word));
  word |= value << (at % 8);
  std::memcpy(bytes + at / 8, &word, sizeof(word));
}

}  // namespace banen

#endif  // BANEN_LEDGER_PACKED_BITS_H_
