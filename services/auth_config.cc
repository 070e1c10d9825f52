#include "services/auth_config.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "ledger/status_macros.h"

namespace banen {
namespace {

constexpr absl::string_view kRolePrefix = "ROLE_";
// Principal ids are stored with every event they append and named in logs
// and errors: printable, short, without spaces or quotes.
constexpr size_t kMaxPrincipalIdBytes = 128;

bool IsPrincipalIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '-' || c == ':' || c == '@';
}

bool IsDigestHex(absl::string_view hex) {
  if (hex.size() != 2 * TokenDigest().size()) return false;
  for (const char c : hex) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        (c < 'a' || c > 'f')) {
      return false;
    }
  }
  return true;
}

// The parser quotes what it did not expect; a token pasted into the file by
// mistake must not reach a log that way, so long runs of token characters
// are elided.
std::string WithoutLongWords(absl::string_view message) {
  constexpr size_t kLongWord = 16;
  std::string out;
  size_t run = 0;
  for (size_t i = 0; i <= message.size(); ++i) {
    const bool word_char =
        i < message.size() && (absl::ascii_isalnum(message[i]) ||
                               message[i] == '-' || message[i] == '_');
    if (word_char) {
      ++run;
      continue;
    }
    const absl::string_view word = message.substr(i - run, run);
    absl::StrAppend(&out, word.size() >= kLongWord ? "..." : word);
    if (i < message.size()) out.push_back(message[i]);
    run = 0;
  }
  return out;
}

class FirstError final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!error_.empty()) return;
    error_ = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ",
                          WithoutLongWords(message));
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

absl::Status CheckPrincipal(const v1::Principal& principal) {
  const std::string& id = principal.id();
  if (id.empty() || id.size() > kMaxPrincipalIdBytes ||
      !std::all_of(id.begin(), id.end(), IsPrincipalIdChar)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "principal \"", absl::CEscape(id.substr(0, kMaxPrincipalIdBytes)),
        "\": id must be 1..", kMaxPrincipalIdBytes,
        " of the characters A-Z a-z 0-9 . _ - : @"));
  }
  const std::string where = absl::StrCat("principal ", id, ": ");
  if (principal.role() == v1::ROLE_UNSPECIFIED ||
      !v1::Role_IsValid(principal.role())) {
    return absl::InvalidArgumentError(absl::StrCat(where, "role is missing"));
  }
  const bool employer = principal.role() == v1::ROLE_EMPLOYER;
  if (employer && principal.employer_ids().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "an employer needs employer_ids (its scope)"));
  }
  if (!employer && !principal.employer_ids().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "employer_ids are for role employer only, not ",
                     RoleName(principal.role())));
  }
  for (const std::string& employer_id : principal.employer_ids()) {
    if (employer_id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "an employer_id is empty"));
    }
  }
  for (int i = 0; i < principal.token_sha256_size(); ++i) {
    if (!IsDigestHex(principal.token_sha256(i))) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "token_sha256 #", i + 1,
          " is not 64 lowercase hex digits (the SHA-256 of the token, not "
          "the token itself)"));
    }
  }
  return absl::OkStatus();
}

// Each value of a field names one principal only.
class UniqueNames {
 public:
  explicit UniqueNames(absl::string_view field) : field_(field) {}

  absl::Status Add(const std::string& value, const std::string& principal,
                   bool quote_value) {
    const auto [it, inserted] = owners_.try_emplace(value, principal);
    if (inserted) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "principals ", it->second, " and ", principal, " have the same ",
        field_, quote_value ? absl::StrCat(" \"", value, "\"") : ""));
  }

 private:
  absl::string_view field_;
  absl::flat_hash_map<std::string, std::string> owners_;
};

}  // namespace

TokenDigest DigestToken(absl::string_view token) {
  TokenDigest digest;
  unsigned int size = 0;
  EVP_Digest(token.data(), token.size(), digest.data(), &size, EVP_sha256(),
             nullptr);
  return digest;
}

std::string DigestHex(const TokenDigest& digest) {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string RoleName(v1::Role role) {
  std::string name = v1::Role_Name(role);
  if (!absl::StartsWith(name, kRolePrefix)) return "unknown";
  name.erase(0, kRolePrefix.size());
  absl::AsciiStrToLower(&name);
  return name;
}

std::optional<v1::Role> ParseRoleName(absl::string_view name) {
  v1::Role role;
  std::string upper = absl::StrCat(kRolePrefix, name);
  absl::AsciiStrToUpper(&upper);
  if (!v1::Role_Parse(upper, &role) || role == v1::ROLE_UNSPECIFIED) {
    return std::nullopt;
  }
  return role;
}

absl::StatusOr<v1::AuthConfig> ParseAuthConfig(absl::string_view text) {
  v1::AuthConfig config;
  google::protobuf::TextFormat::Parser parser;
  FirstError error;
  parser.RecordErrorsTo(&error);
  if (!parser.ParseFromString(std::string(text), &config)) {
    return absl::InvalidArgumentError(error.error());
  }
  UniqueNames ids("id");
  UniqueNames digests("token_sha256");
  UniqueNames common_names("certificate_common_names");
  UniqueNames subjects("certificate_subjects");
  for (const v1::Principal& principal : config.principals()) {
    RETURN_IF_ERROR(CheckPrincipal(principal));
    const std::string& id = principal.id();
    RETURN_IF_ERROR(ids.Add(id, id, /*quote_value=*/false));
    for (const std::string& digest : principal.token_sha256()) {
      RETURN_IF_ERROR(digests.Add(digest, id, false));
    }
    for (const std::string& name : principal.certificate_common_names()) {
      RETURN_IF_ERROR(common_names.Add(name, id, true));
    }
    for (const std::string& name : principal.certificate_subjects()) {
      RETURN_IF_ERROR(subjects.Add(name, id, true));
    }
  }
  return config;
}

absl::StatusOr<std::string> NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("the random number generator failed");
  }
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

absl::StatusOr<NewTokenEntry> NewTokenFor(
    absl::string_view principal, absl::string_view role,
    const std::vector<std::string>& employer_ids) {
  v1::AuthConfig config;
  v1::Principal& entry = *config.add_principals();
  entry.set_id(std::string(principal));
  if (role.empty()) {
    // Checked as an admin's: only the id matters for a line added to an
    // existing entry.
    entry.set_role(v1::ROLE_ADMIN);
  } else {
    const std::optional<v1::Role> parsed = ParseRoleName(role);
    if (!parsed.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown role \"", role,
          "\": use employer, register, steward, auditor, snapshot, reader or "
          "admin"));
    }
    entry.set_role(*parsed);
  }
  if (role.empty() && !employer_ids.empty()) {
    return absl::InvalidArgumentError(
        "a scope goes with a role: add --role=employer");
  }
  for (const std::string& id : employer_ids) entry.add_employer_ids(id);
  NewTokenEntry result;
  ASSIGN_OR_RETURN(result.token, NewToken());
  entry.add_token_sha256(DigestHex(DigestToken(result.token)));
  RETURN_IF_ERROR(CheckPrincipal(entry));
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  if (role.empty()) {
    result.config_text =
        absl::StrCat("token_sha256: \"", entry.token_sha256(0), "\"");
  } else {
    std::string text;
    printer.PrintToString(config, &text);
    result.config_text = std::string(absl::StripTrailingAsciiWhitespace(text));
  }
  return result;
}

}  // namespace banen
