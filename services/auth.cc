#include "services/auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"
#include "services/command_line.h"

namespace banen {
namespace {

constexpr uint32_t Roles(std::initializer_list<v1::Role> roles) {
  uint32_t bits = 0;
  for (const v1::Role role : roles) bits |= uint32_t{1} << role;
  return bits;
}

struct Grant {
  Rpc rpc;
  absl::string_view name;
  // Besides ROLE_ADMIN, which may call everything.
  uint32_t roles;
};

constexpr uint32_t kWriters =
    Roles({v1::ROLE_EMPLOYER, v1::ROLE_REGISTER, v1::ROLE_STEWARD});

// Who may call what (issue 11 item 3), in the order of Rpc. Appends are
// open to every writer here; which events each may append is its
// AppendAuthority, checked by the EventLog. An employer's reads are further
// narrowed to its scope by ScopeReadEvents and ScopeEmployerRows.
constexpr std::array<Grant, kRpcCount> kGrants = {{
    {Rpc::kAppend, "LedgerService.Append", kWriters},
    {Rpc::kAppendBatch, "LedgerService.AppendBatch", kWriters},
    {Rpc::kReadEvents, "LedgerService.ReadEvents",
     Roles({v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR})},
    {Rpc::kSubscribe, "LedgerService.Subscribe", Roles({v1::ROLE_AUDITOR})},
    {Rpc::kGetHead, "LedgerService.GetHead",
     Roles({v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT, v1::ROLE_READER})},
    {Rpc::kVerifyChain, "LedgerService.VerifyChain", Roles({v1::ROLE_AUDITOR})},
    {Rpc::kGetRealisation, "RealisationService.GetRealisation",
     Roles({v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT,
            v1::ROLE_READER})},
    {Rpc::kGetRealisationEmployers,
     "RealisationService.GetRealisation with include_employers",
     Roles({v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT})},
    {Rpc::kCreateSnapshot, "SnapshotService.CreateSnapshot",
     Roles({v1::ROLE_SNAPSHOT})},
    {Rpc::kGetSnapshot, "SnapshotService.GetSnapshot",
     Roles({v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT})},
    {Rpc::kListSnapshots, "SnapshotService.ListSnapshots",
     Roles({v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT})},
    {Rpc::kDiffSnapshot, "SnapshotService.DiffSnapshot",
     Roles({v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT})},
    // Backups hold every person_ref and write to the server's disk: the
    // admin role only (RoleMayCall grants it everything).
    {Rpc::kCreateBackup, "AdminService.CreateBackup", Roles({})},
    {Rpc::kListBackups, "AdminService.ListBackups", Roles({})},
    {Rpc::kVerifyBackup, "AdminService.VerifyBackup", Roles({})},
    // Makes a replica writable: the admin role only.
    {Rpc::kPromote, "AdminService.Promote", Roles({})},
    // Proofs and signed heads (issue 12), for the roles that read events.
    // An inclusion proof carries its event's canonical bytes, whoever the
    // employer, which would bypass an employer's read scope: the auditor's
    // only. Consistency proofs and signed heads hold hashes and a size.
    {Rpc::kGetInclusionProof, "AuditService.GetInclusionProof",
     Roles({v1::ROLE_AUDITOR})},
    {Rpc::kGetConsistencyProof, "AuditService.GetConsistencyProof",
     Roles({v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR})},
    {Rpc::kGetSignedHead, "AuditService.GetSignedHead",
     Roles({v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR})},
    // Per-employer figures with the levy each would carry: like the
    // realisation's employer rows, for an employer about its own employers
    // (QuotaServiceImpl narrows it) and for the auditor; not for the reader
    // of published sector figures.
    {Rpc::kGetQuota, "QuotaService.GetQuota",
     Roles({v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR})},
    // The register dashboard (issue 14): national aggregates that UWV
    // publishes every quarter, with no employer or person in them, so every
    // role may read them: UWV (the register's keeper), the ministries, the
    // employers, auditors, the snapshot job and readers.
    {Rpc::kGetRegisterFigures, "RegisterService.GetRegisterFigures",
     Roles({v1::ROLE_EMPLOYER, v1::ROLE_REGISTER, v1::ROLE_STEWARD,
            v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT, v1::ROLE_READER})},
}};

constexpr bool GrantsInRpcOrder() {
  for (int i = 0; i < kRpcCount; ++i) {
    if (static_cast<int>(kGrants[i].rpc) != i) return false;
  }
  return true;
}
static_assert(GrantsInRpcOrder(), "kGrants must list every Rpc in order");

constexpr absl::string_view kBearer = "bearer ";

bool IsEmployer(const Caller& caller) {
  return caller.principal != nullptr &&
         caller.principal->role == v1::ROLE_EMPLOYER;
}

// The token of the call's `authorization` metadata: nullopt without one,
// UNAUTHENTICATED when it is not a bearer token.
absl::StatusOr<std::optional<absl::string_view>> BearerToken(
    const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  const auto [first, last] = metadata.equal_range("authorization");
  if (first == last) return std::nullopt;
  if (std::next(first) != last) {
    return absl::UnauthenticatedError(
        "more than one authorization metadata entry");
  }
  const absl::string_view value(first->second.data(), first->second.size());
  if (value.size() <= kBearer.size() ||
      !absl::StartsWithIgnoreCase(value, kBearer)) {
    // Whatever it holds may be a secret of another scheme: not quoted.
    return absl::UnauthenticatedError(
        "the authorization metadata is not \"Bearer <token>\"");
  }
  return value.substr(kBearer.size());
}

}  // namespace

absl::string_view RpcName(Rpc rpc) {
  return kGrants[static_cast<int>(rpc)].name;
}

bool RoleMayCall(v1::Role role, Rpc rpc) {
  return role == v1::ROLE_ADMIN ||
         (kGrants[static_cast<int>(rpc)].roles & Roles({role})) != 0;
}

AppendAuthority AppendAuthorityOf(const Caller& caller) {
  AppendAuthority authority;
  if (caller.principal == nullptr) return authority;
  const Principal& principal = *caller.principal;
  authority.principal = principal.id;
  switch (principal.role) {
    case v1::ROLE_EMPLOYER:
      authority.kinds = {EventKind::kJobStarted, EventKind::kJobConverted,
                         EventKind::kHoursChanged, EventKind::kJobEnded,
                         EventKind::kEventRetracted};
      authority.employer_scope = principal.employer_ids;
      authority.retractions = AppendAuthority::Retractions::kOwn;
      break;
    case v1::ROLE_REGISTER:
      // UWV also keeps the polisadministratie, the source of paid hours.
      authority.kinds = {EventKind::kPersonRegistered,
                         EventKind::kPersonDeregistered,
                         EventKind::kEmployerHoursReported};
      break;
    case v1::ROLE_STEWARD:
      authority.kinds = {
          EventKind::kEmployerRegistered, EventKind::kEmployerReclassified,
          EventKind::kTargetSet,          EventKind::kBaselineSet,
          EventKind::kInleenKeySet,       EventKind::kEmployerHoursReported,
          EventKind::kQuotaPercentageSet, EventKind::kEventRetracted};
      break;
    case v1::ROLE_ADMIN:
      break;  // every kind, any retraction
    default:
      // The table lets no other role append. Should one slip through, it may
      // only retract its own events, of which it has none: nothing.
      authority.kinds = {EventKind::kEventRetracted};
      authority.retractions = AppendAuthority::Retractions::kOwn;
      authority.employer_scope.emplace();
      break;
  }
  return authority;
}

absl::Status ScopeReadEvents(const Caller& caller,
                             v1::ReadEventsRequest* request) {
  if (!IsEmployer(caller)) return absl::OkStatus();
  const Principal& principal = *caller.principal;
  if (request->employer_ids().empty()) {
    for (const std::string& id : principal.employer_ids) {
      request->add_employer_ids(id);
    }
    return absl::OkStatus();
  }
  for (const std::string& id : request->employer_ids()) {
    if (!principal.employer_ids.contains(id)) {
      return absl::PermissionDeniedError(
          absl::StrCat("principal ", principal.id,
                       " (role employer) may not read the "
                       "events of employer ",
                       id, ": it is outside its scope"));
    }
  }
  return absl::OkStatus();
}

void ScopeEmployerRows(const Caller& caller, v1::RealisationTable* table) {
  if (!IsEmployer(caller)) return;
  const auto& scope = caller.principal->employer_ids;
  auto* rows = table->mutable_rows();
  rows->erase(std::remove_if(rows->begin(), rows->end(),
                             [&scope](const v1::RealisationRow& row) {
                               return !row.employer_id().empty() &&
                                      !scope.contains(row.employer_id());
                             }),
              rows->end());
}

absl::StatusOr<std::shared_ptr<const AuthConfig>> AuthConfig::FromProto(
    const v1::AuthConfig& proto) {
  std::shared_ptr<AuthConfig> config(new AuthConfig());
  config->principals_.reserve(proto.principals_size());
  for (const v1::Principal& entry : proto.principals()) {
    const size_t index = config->principals_.size();
    Principal& principal = config->principals_.emplace_back();
    principal.id = entry.id();
    principal.role = entry.role();
    principal.employer_ids.insert(entry.employer_ids().begin(),
                                  entry.employer_ids().end());
    for (const std::string& hex : entry.token_sha256()) {
      const std::string bytes = absl::HexStringToBytes(hex);
      TokenDigest digest;
      if (bytes.size() != digest.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "principal ", entry.id(), ": a token_sha256 is not 64 hex digits"));
      }
      std::copy(bytes.begin(), bytes.end(), digest.begin());
      config->tokens_.emplace_back(digest, index);
    }
    for (const std::string& name : entry.certificate_common_names()) {
      config->common_names_.emplace(name, index);
    }
    for (const std::string& name : entry.certificate_subjects()) {
      config->subjects_.emplace(name, index);
    }
  }
  return config;
}

std::shared_ptr<const Principal> AuthConfig::Shared(size_t index) const {
  return std::shared_ptr<const Principal>(shared_from_this(),
                                          &principals_[index]);
}

std::shared_ptr<const Principal> AuthConfig::ByToken(
    absl::string_view token) const {
  const TokenDigest presented = DigestToken(token);
  // Every digest is compared, so the time taken does not tell which one (or
  // whether any) matched.
  size_t match = principals_.size();
  for (const auto& [digest, index] : tokens_) {
    const bool equal =
        CRYPTO_memcmp(digest.data(), presented.data(), digest.size()) == 0;
    match = equal ? index : match;
  }
  return match == principals_.size() ? nullptr : Shared(match);
}

std::shared_ptr<const Principal> AuthConfig::ByCertificate(
    const grpc::AuthContext& auth_context) const {
  if (!auth_context.IsPeerAuthenticated()) return nullptr;
  const auto find = [&auth_context, this](
                        const char* property,
                        const absl::flat_hash_map<std::string, size_t>& names)
      -> std::shared_ptr<const Principal> {
    for (const grpc::string_ref& value :
         auth_context.FindPropertyValues(property)) {
      const auto it = names.find(absl::string_view(value.data(), value.size()));
      if (it != names.end()) return Shared(it->second);
    }
    return nullptr;
  };
  if (auto principal = find("x509_subject_name", subjects_)) return principal;
  return find("x509_common_name", common_names_);
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::Load(std::string path) {
  ASSIGN_OR_RETURN(std::shared_ptr<const AuthConfig> config, Read(path));
  std::unique_ptr<Authorizer> authorizer(new Authorizer(std::move(path)));
  {
    absl::MutexLock lock(&authorizer->mu_);
    authorizer->config_ = std::move(config);
  }
  return authorizer;
}

absl::StatusOr<std::shared_ptr<const AuthConfig>> Authorizer::Read(
    const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text,
                   ReadFileNamedByFlag("auth-config", path));
  absl::StatusOr<v1::AuthConfig> proto = ParseAuthConfig(text);
  if (!proto.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", proto.status().message()));
  }
  return AuthConfig::FromProto(*proto);
}

absl::Status Authorizer::Reload() {
  if (open_mode()) {
    return absl::FailedPreconditionError(
        "the open mode has no --auth-config to reload");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const AuthConfig> config, Read(path_));
  absl::MutexLock lock(&mu_);
  config_ = std::move(config);
  return absl::OkStatus();
}

std::shared_ptr<const AuthConfig> Authorizer::config() const {
  absl::MutexLock lock(&mu_);
  return config_;
}

size_t Authorizer::principal_count() const {
  const std::shared_ptr<const AuthConfig> current = config();
  return current == nullptr ? 0 : current->principal_count();
}

absl::StatusOr<Caller> Authorizer::Authorize(
    const grpc::ServerContextBase& context, Rpc rpc) const {
  if (open_mode()) return Caller{};
  const std::shared_ptr<const AuthConfig> current = config();
  ASSIGN_OR_RETURN(const std::optional<absl::string_view> token,
                   BearerToken(context));
  Caller caller;
  if (token.has_value()) {
    caller.principal = current->ByToken(*token);
    if (caller.principal == nullptr) {
      return absl::UnauthenticatedError(
          "unknown or revoked token (the token is not shown)");
    }
  } else {
    // Null only without a transport; plaintext gives an unauthenticated one.
    const std::shared_ptr<const grpc::AuthContext> auth_context =
        context.auth_context();
    if (auth_context != nullptr) {
      caller.principal = current->ByCertificate(*auth_context);
    }
    if (caller.principal == nullptr) {
      return absl::UnauthenticatedError(
          "no credentials: send \"authorization: Bearer <token>\" metadata "
          "or a client certificate the auth config names");
    }
  }
  const Principal& principal = *caller.principal;
  if (!RoleMayCall(principal.role, rpc)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal ", principal.id, " (role ", RoleName(principal.role),
        ") may not call ", RpcName(rpc)));
  }
  return caller;
}

}  // namespace banen
