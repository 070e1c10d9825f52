// The auth config of banen-ledgerd (--auth-config, the text format of
// proto/banen/v1/auth.proto): parsing and checking it, the digests of its
// tokens, and new tokens with their entries. Shared by the server
// (services/auth.h) and `banenctl auth new-token`; no gRPC server or RocksDB,
// so the client links it alone.
#ifndef BANEN_SERVICES_AUTH_CONFIG_H_
#define BANEN_SERVICES_AUTH_CONFIG_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "banen/v1/auth.pb.h"

namespace banen {

// The SHA-256 of a token: what the config stores instead of the token.
using TokenDigest = std::array<uint8_t, 32>;

TokenDigest DigestToken(absl::string_view token);

// Lowercase hex, as token_sha256 holds it.
std::string DigestHex(const TokenDigest& digest);

// "employer", "register", ... ; "unspecified" for ROLE_UNSPECIFIED.
std::string RoleName(v1::Role role);
// The inverse, case-insensitive; nullopt for anything else.
std::optional<v1::Role> ParseRoleName(absl::string_view name);

// The text of a config file, checked: every principal has an id (unique), a
// role, employer_ids exactly when it is an employer, and token digests of 64
// lowercase hex digits; no token digest or certificate name belongs to two
// principals. INVALID_ARGUMENT naming the line or the principal and what is
// wrong; never quoting a token_sha256 value, in case a token was pasted in
// by mistake.
absl::StatusOr<v1::AuthConfig> ParseAuthConfig(absl::string_view text);

// A fresh token: 32 bytes from OpenSSL's CSPRNG, base64url without padding
// (43 characters, safe in metadata and shell arguments). INTERNAL if the
// generator fails.
absl::StatusOr<std::string> NewToken();

// What `banenctl auth new-token` prints.
struct NewTokenEntry {
  std::string token;
  // Without a role: the `token_sha256: "..."` line to add to the principal's
  // existing entry. With one: a whole `principals { ... }` entry.
  std::string config_text;
};

// A fresh token for `principal`; `role` is "" or a role name, `employer_ids`
// its scope (an employer's only, and required for it). INVALID_ARGUMENT when
// the entry would not pass ParseAuthConfig.
absl::StatusOr<NewTokenEntry> NewTokenFor(
    absl::string_view principal, absl::string_view role,
    const std::vector<std::string>& employer_ids);

}  // namespace banen

#endif  // BANEN_SERVICES_AUTH_CONFIG_H_
