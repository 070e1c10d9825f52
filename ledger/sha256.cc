#include "ledger/internal/sha256.h"

#include <openssl/evp.h>

#include <memory>

namespace banen {

Hash Sha256(std::initializer_list<std::string_view> parts) {
  // OpenSSL 3's one-shot SHA256() looks the algorithm up on every call; this
  // runs a few times per appended event, so fetch it once and reuse a context.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>
      kContext(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  Hash hash;
  unsigned int size = 0;
  EVP_DigestInit_ex2(kContext.get(), kSha256, nullptr);
  for (const std::string_view part : parts) {
    EVP_DigestUpdate(kContext.get(), part.data(), part.size());
  }
  EVP_DigestFinal_ex(kContext.get(), hash.data(), &size);
  return hash;
}

}  // namespace banen
