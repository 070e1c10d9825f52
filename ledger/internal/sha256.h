// SHA-256 over the concatenation of byte strings, for the chain hash and the
// Merkle hashes. Internal to ledger/.
#ifndef BANEN_LEDGER_INTERNAL_SHA256_H_
#define BANEN_LEDGER_INTERNAL_SHA256_H_

#include <initializer_list>
#include <string_view>

#include "ledger/event.h"

namespace banen {

Hash Sha256(std::initializer_list<std::string_view> parts);

// The bytes of a hash, to pass it as one of the parts.
inline std::string_view HashBytes(const Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

}  // namespace banen

#endif  // BANEN_LEDGER_INTERNAL_SHA256_H_
