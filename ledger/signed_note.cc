#include "ledger/signed_note.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "ledger/absl_compat.h"
#include "ledger/status_macros.h"

namespace banen {
namespace {

constexpr uint8_t kAlgEd25519 = 1;
constexpr absl::string_view kSignerPrefix = "PRIVATE+KEY+";
constexpr absl::string_view kSignaturePrefix = "\u2014 ";  // em dash, space
// Go's note.Open refuses more, so that parsing a note stays cheap.
constexpr int kMaxSignatures = 100;
constexpr absl::string_view kChainHashPrefix = "chain-hash ";
constexpr absl::string_view kRecordedAtPrefix = "recorded-at ";
constexpr char kRecordedAtFormat[] = "%Y-%m-%d%ET%H:%M:%E6SZ";

void InitSodium() {
  // sodium_init picks the fastest implementations and seeds randombytes; it
  // is idempotent and thread-safe, and fails only without a random source.
  static const bool kInitialised = sodium_init() >= 0;
  if (!kInitialised) {
    std::fprintf(stderr, "libsodium failed to initialise\n");
    std::abort();
  }
}

// The next UTF-8 sequence of `text` at `pos` decoded into `rune`; its length,
// or 0 when it is not valid UTF-8 (overlong, a surrogate, past U+10FFFF,
// truncated), as Go's utf8.DecodeRune reports RuneError.
size_t DecodeRune(absl::string_view text, size_t pos, char32_t* rune) {
  const auto byte = [&](size_t i) {
    return static_cast<uint8_t>(text[pos + i]);
  };
  const uint8_t lead = byte(0);
  if (lead < 0x80) {
    *rune = lead;
    return 1;
  }
  size_t length;
  char32_t min;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, *rune = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, *rune = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, *rune = lead & 0x07;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    *rune = (*rune << 6) | (byte(i) & 0x3F);
  }
  if (*rune < min || *rune > 0x10FFFF || (*rune >= 0xD800 && *rune <= 0xDFFF)) {
    return 0;
  }
  return length;
}

// Unicode White_Space, as Go's unicode.IsSpace.
bool IsSpace(char32_t rune) {
  return (rune >= '\t' && rune <= '\r') || rune == ' ' || rune == 0x85 ||
         rune == 0xA0 || rune == 0x1680 || (rune >= 0x2000 && rune <= 0x200A) ||
         rune == 0x2028 || rune == 0x2029 || rune == 0x202F || rune == 0x205F ||
         rune == 0x3000;
}

// Go's isValidName: non-empty UTF-8 without spaces or '+'.
bool IsValidName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t pos = 0; pos < name.size();) {
    char32_t rune;
    const size_t length = DecodeRune(name, pos, &rune);
    if (length == 0 || IsSpace(rune) || rune == '+') return false;
    pos += length;
  }
  return true;
}

// OK when `text` is UTF-8 with no control characters but newline.
absl::Status CheckNoteCharacters(absl::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    char32_t rune;
    const size_t length = DecodeRune(text, pos, &rune);
    if (length == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed note: not UTF-8 at byte ", pos));
    }
    if (rune < 0x20 && rune != '\n') {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed note: control character at byte ", pos));
    }
    pos += length;
  }
  return absl::OkStatus();
}

std::string Base64(const uint8_t* bytes, size_t size) {
  std::string out(
      sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, size,
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

// Padded RFC 4648 §4 base64, all of `text`, with zero trailing bits (so
// every byte string has one encoding); nullopt otherwise.
std::optional<std::string> FromBase64(absl::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t size = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), text.data(), text.size(),
                        /*ignore=*/nullptr, &size, /*b64_end=*/nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

std::optional<uint32_t> ParseKeyId(absl::string_view hex) {
  // Digits only: SimpleHexAtoi alone would take a sign or "0x".
  uint32_t id = 0;
  if (hex.size() != 8 ||
      !std::all_of(hex.begin(), hex.end(),
                   [](char c) {
                     return absl::ascii_isxdigit(static_cast<unsigned char>(c));
                   }) ||
      !absl::SimpleHexAtoi(hex, &id)) {
    return std::nullopt;
  }
  return id;
}

std::string FormatKeyId(uint32_t id) {
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", id);
  return hex;
}

// First 4 bytes, big-endian, of SHA-256(name || "\n" || 0x01 || public key).
uint32_t KeyId(absl::string_view name, const std::array<uint8_t, 32>& key) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(
      &state, reinterpret_cast<const unsigned char*>(name.data()), name.size());
  const unsigned char separator[] = {'\n', kAlgEd25519};
  crypto_hash_sha256_update(&state, separator, sizeof(separator));
  crypto_hash_sha256_update(&state, key.data(), key.size());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return uint32_t{digest[0]} << 24 | uint32_t{digest[1]} << 16 |
         uint32_t{digest[2]} << 8 | uint32_t{digest[3]};
}

// The parts of an encoded key after any "PRIVATE+KEY+": name, key id and the
// 32 key bytes after the algorithm byte. `what` names the kind of key in
// errors, which never quote the key.
struct KeyParts {
  std::string name;
  uint32_t key_id = 0;
  std::string key;  // 32 bytes
};

absl::StatusOr<KeyParts> ParseKey(absl::string_view encoded,
                                  absl::string_view what) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(encoded, absl::MaxSplits('+', 2));
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", what, ": not <name>+<key id>+<key>"));
  }
  KeyParts key;
  if (!IsValidName(parts[0])) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", what,
                     ": the name is empty, not UTF-8, or has a space or '+'"));
  }
  key.name = std::string(parts[0]);
  const std::optional<uint32_t> key_id = ParseKeyId(parts[1]);
  if (!key_id.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", what, ": the key id is not 8 hex digits"));
  }
  key.key_id = *key_id;
  std::optional<std::string> bytes = FromBase64(parts[2]);
  if (!bytes.has_value() || bytes->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", what, ": the key is not base64"));
  }
  if (static_cast<uint8_t>((*bytes)[0]) != kAlgEd25519) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown algorithm ", static_cast<uint8_t>((*bytes)[0]),
                     " in ", what, " (only 1, Ed25519, is known)"));
  }
  if (bytes->size() != 33) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", what, ": an Ed25519 key is 32 bytes, not ",
                     bytes->size() - 1));
  }
  key.key = bytes->substr(1);
  sodium_memzero(bytes->data(), bytes->size());
  return key;
}

absl::Status CheckKeyId(const KeyParts& parts,
                        const std::array<uint8_t, 32>& public_key,
                        absl::string_view what) {
  const uint32_t expected = KeyId(parts.name, public_key);
  if (parts.key_id != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", parts.name, "+", FormatKeyId(parts.key_id),
                     ": the key id does not match the key (its key id is ",
                     FormatKeyId(expected), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NoteSigner> NoteSigner::Generate(std::string_view std_name) {
  const absl::string_view name = AbslView(std_name);
  InitSodium();
  if (!IsValidName(name)) {
    return absl::InvalidArgumentError(
        "a key name must be non-empty UTF-8 without spaces or '+'");
  }
  NoteSigner signer;
  signer.name_ = std::string(name);
  crypto_sign_keypair(signer.public_key_.data(), signer.secret_key_.data());
  signer.key_id_ = KeyId(signer.name_, signer.public_key_);
  return signer;
}

absl::StatusOr<NoteSigner> NoteSigner::FromKey(std::string_view std_key) {
  const absl::string_view signer_key = AbslView(std_key);
  InitSodium();
  if (!absl::StartsWith(signer_key, kSignerPrefix)) {
    return absl::InvalidArgumentError(
        "malformed signer key: it does not start with PRIVATE+KEY+");
  }
  ASSIGN_OR_RETURN(
      KeyParts parts,
      ParseKey(signer_key.substr(kSignerPrefix.size()), "signer key"));
  NoteSigner signer;
  crypto_sign_seed_keypair(
      signer.public_key_.data(), signer.secret_key_.data(),
      reinterpret_cast<const unsigned char*>(parts.key.data()));
  sodium_memzero(parts.key.data(), parts.key.size());
  RETURN_IF_ERROR(CheckKeyId(parts, signer.public_key_, "signer key"));
  signer.name_ = std::move(parts.name);
  signer.key_id_ = parts.key_id;
  return signer;
}

NoteSigner::~NoteSigner() {
  sodium_memzero(secret_key_.data(), secret_key_.size());
}

std::string NoteSigner::SignerKey() const {
  std::array<uint8_t, 33> key;
  key[0] = kAlgEd25519;
  std::copy(secret_key_.begin(), secret_key_.begin() + 32, key.begin() + 1);
  std::string encoded =
      absl::StrCat(kSignerPrefix, name_, "+", FormatKeyId(key_id_), "+",
                   Base64(key.data(), key.size()));
  sodium_memzero(key.data(), key.size());
  return encoded;
}

std::string NoteSigner::VerifierKey() const {
  std::array<uint8_t, 33> key;
  key[0] = kAlgEd25519;
  std::copy(public_key_.begin(), public_key_.end(), key.begin() + 1);
  return absl::StrCat(name_, "+", FormatKeyId(key_id_), "+",
                      Base64(key.data(), key.size()));
}

absl::StatusOr<std::string> NoteSigner::Sign(std::string_view std_text) const {
  const absl::string_view text = AbslView(std_text);
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError(
        "malformed note: its text does not end in a newline");
  }
  RETURN_IF_ERROR(CheckNoteCharacters(text));
  std::array<uint8_t, 4 + crypto_sign_BYTES> signature;
  signature[0] = static_cast<uint8_t>(key_id_ >> 24);
  signature[1] = static_cast<uint8_t>(key_id_ >> 16);
  signature[2] = static_cast<uint8_t>(key_id_ >> 8);
  signature[3] = static_cast<uint8_t>(key_id_);
  crypto_sign_detached(signature.data() + 4, /*siglen_p=*/nullptr,
                       reinterpret_cast<const unsigned char*>(text.data()),
                       text.size(), secret_key_.data());
  return absl::StrCat(text, "\n", kSignaturePrefix, name_, " ",
                      Base64(signature.data(), signature.size()), "\n");
}

absl::StatusOr<NoteVerifier> NoteVerifier::FromKey(std::string_view std_key) {
  const absl::string_view verifier_key = AbslView(std_key);
  InitSodium();
  ASSIGN_OR_RETURN(KeyParts parts, ParseKey(verifier_key, "verifier key"));
  NoteVerifier verifier;
  std::copy(parts.key.begin(), parts.key.end(), verifier.public_key_.begin());
  RETURN_IF_ERROR(CheckKeyId(parts, verifier.public_key_, "verifier key"));
  verifier.name_ = std::move(parts.name);
  verifier.key_id_ = parts.key_id;
  return verifier;
}

absl::StatusOr<std::string> NoteVerifier::Open(
    std::string_view std_note) const {
  const absl::string_view note = AbslView(std_note);
  RETURN_IF_ERROR(CheckNoteCharacters(note));
  const size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "malformed note: no blank line before the signatures");
  }
  const absl::string_view text = note.substr(0, split + 1);
  absl::string_view signatures = note.substr(split + 2);
  if (signatures.empty() || signatures.back() != '\n') {
    return absl::InvalidArgumentError(
        "malformed note: the signatures do not end in a newline");
  }
  bool verified = false;
  std::vector<std::string> others;  // the keys that signed, for the error
  for (int line_number = 1; !signatures.empty(); ++line_number) {
    if (line_number > kMaxSignatures) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed note: more than ", kMaxSignatures, " signatures"));
    }
    const size_t end = signatures.find('\n');
    absl::string_view line = signatures.substr(0, end);
    signatures.remove_prefix(end + 1);
    const std::string where = absl::StrCat("signature line ", line_number);
    if (!absl::ConsumePrefix(&line, kSignaturePrefix)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed note: ", where, " does not start with an em dash"));
    }
    const std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    const std::optional<std::string> signature =
        parts.size() == 2 ? FromBase64(parts[1]) : std::nullopt;
    if (!signature.has_value() || signature->size() < 5 ||
        !IsValidName(parts[0])) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed note: ", where,
                       " is not \"— <name> <base64 signature>\""));
    }
    const auto* bytes = reinterpret_cast<const uint8_t*>(signature->data());
    const uint32_t key_id = uint32_t{bytes[0]} << 24 |
                            uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 |
                            uint32_t{bytes[3]};
    if (parts[0] != name_ || key_id != key_id_) {
      others.push_back(absl::StrCat(parts[0], "+", FormatKeyId(key_id)));
      continue;
    }
    // A repeated signature by the same key is skipped, as Go does.
    if (verified) continue;
    if (signature->size() != 4 + crypto_sign_BYTES ||
        crypto_sign_verify_detached(
            bytes + 4, reinterpret_cast<const unsigned char*>(text.data()),
            text.size(), public_key_.data()) != 0) {
      return absl::DataLossError(absl::StrCat(
          "bad signature: ", where, " by ", name_, "+", FormatKeyId(key_id_),
          " does not verify: the text or the signature was altered"));
    }
    verified = true;
  }
  if (!verified) {
    return absl::NotFoundError(
        absl::StrCat("unknown key: no signature by ", name_, "+",
                     FormatKeyId(key_id_), "; signed by ",
                     others.empty() ? "nobody" : absl::StrJoin(others, ", ")));
  }
  return std::string(text);
}

absl::StatusOr<std::string> CheckpointBody(const Checkpoint& checkpoint) {
  if (!IsValidName(checkpoint.origin)) {
    return absl::InvalidArgumentError(
        "checkpoint origin must be non-empty UTF-8 without spaces or '+'");
  }
  return absl::StrCat(
      checkpoint.origin, "\n", checkpoint.tree_size, "\n",
      Base64(checkpoint.root.data(), checkpoint.root.size()), "\n",
      kChainHashPrefix,
      Base64(checkpoint.chain_hash.data(), checkpoint.chain_hash.size()), "\n",
      kRecordedAtPrefix,
      absl::FormatTime(kRecordedAtFormat, checkpoint.recorded_at,
                       absl::UTCTimeZone()),
      "\n");
}

namespace {

absl::Status BadLine(int line, absl::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed checkpoint: line ", line, " ", reason));
}

absl::StatusOr<Hash> ParseHash(absl::string_view text, int line) {
  const std::optional<std::string> bytes = FromBase64(text);
  Hash hash;
  if (!bytes.has_value() || bytes->size() != hash.size()) {
    return BadLine(line, "is not the base64 of a 32-byte hash");
  }
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

}  // namespace

absl::StatusOr<Checkpoint> ParseCheckpointBody(std::string_view std_body) {
  absl::string_view body = AbslView(std_body);
  if (body.empty() || body.back() != '\n') {
    return absl::InvalidArgumentError(
        "malformed checkpoint: it does not end in a newline");
  }
  body.remove_suffix(1);
  const std::vector<absl::string_view> lines = absl::StrSplit(body, '\n');
  if (lines.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed checkpoint: ", lines.size(),
        " lines, not 5 (origin, tree size, root, chain-hash, recorded-at)"));
  }
  Checkpoint checkpoint;
  if (!IsValidName(lines[0])) {
    return BadLine(1, "is not an origin: empty, or with a space or '+'");
  }
  checkpoint.origin = std::string(lines[0]);
  const absl::string_view size = lines[1];
  if (size.empty() || (size.size() > 1 && size[0] == '0') ||
      !std::all_of(size.begin(), size.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(size, &checkpoint.tree_size)) {
    return BadLine(2, "is not a tree size (decimal, no leading zeros)");
  }
  ASSIGN_OR_RETURN(checkpoint.root, ParseHash(lines[2], 3));
  absl::string_view chain_hash = lines[3];
  if (!absl::ConsumePrefix(&chain_hash, kChainHashPrefix)) {
    return BadLine(4, "does not start with \"chain-hash \"");
  }
  ASSIGN_OR_RETURN(checkpoint.chain_hash, ParseHash(chain_hash, 4));
  absl::string_view recorded_at = lines[4];
  std::string error;
  if (!absl::ConsumePrefix(&recorded_at, kRecordedAtPrefix) ||
      !absl::ParseTime(kRecordedAtFormat, recorded_at, absl::UTCTimeZone(),
                       &checkpoint.recorded_at, &error) ||
      absl::FormatTime(kRecordedAtFormat, checkpoint.recorded_at,
                       absl::UTCTimeZone()) != recorded_at) {
    return BadLine(5, "is not \"recorded-at <YYYY-MM-DDThh:mm:ss.ssssssZ>\"");
  }
  return checkpoint;
}

absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                           const NoteSigner& signer) {
  if (checkpoint.origin != signer.name()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint origin ", checkpoint.origin,
                     " is not the signer's name ", signer.name()));
  }
  ASSIGN_OR_RETURN(const std::string body, CheckpointBody(checkpoint));
  return signer.Sign(body);
}

absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view note,
                                          const NoteVerifier& verifier) {
  ASSIGN_OR_RETURN(const std::string body, verifier.Open(note));
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpointBody(body));
  if (checkpoint.origin != verifier.name()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint origin ", checkpoint.origin,
                     " is not the verifier key's name ", verifier.name()));
  }
  return checkpoint;
}

}  // namespace banen
