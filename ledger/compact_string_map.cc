#include "ledger/compact_string_map.h"

#include "absl/base/internal/endian.h"
#include "sodium.h"

namespace banen {

static_assert(std::tuple_size_v<CompactStringMapSeed> ==
              crypto_shorthash_KEYBYTES);

CompactStringMapSeed NewCompactStringMapSeed() {
  static const bool kInitialised = sodium_init() >= 0;
  (void)kInitialised;
  CompactStringMapSeed seed;
  randombytes_buf(seed.data(), seed.size());
  return seed;
}

uint64_t KeyedHash(const CompactStringMapSeed& seed, absl::string_view text) {
  std::array<unsigned char, crypto_shorthash_BYTES> hash;
  crypto_shorthash(hash.data(),
                   reinterpret_cast<const unsigned char*>(text.data()),
                   text.size(), seed.data());
  return absl::little_endian::Load64(hash.data());
}

}  // namespace banen
