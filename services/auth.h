// Authentication and authorization of every rpc of banen-ledgerd.
//
// Authentication: a call carries `authorization: Bearer <token>`; the SHA-256
// of the token is compared, in constant time, with every digest of the auth
// config (services/auth_config.h). A call without that metadata, under mTLS,
// is the principal whose certificate_common_names or certificate_subjects
// hold the verified client certificate's CN or subject. Neither: the call is
// UNAUTHENTICATED. A token never appears in a log or an error.
//
// Authorization: one table (auth.cc, kGrants) says which roles may call each
// rpc; a role outside it gets PERMISSION_DENIED naming the principal, the
// role and the rpc. Within an rpc, an employer's scope narrows what it sees
// (ScopeReadEvents, ScopeEmployerRows) and what it may append
// (AppendAuthorityOf, enforced by the EventLog while staging).
//
// Without a config file the server is in the open mode: every call is
// allowed and recorded by nobody (banen-ledgerd serves it on loopback only).
//
// Thread safety: Authorize() and Reload() may be called concurrently; a
// reload swaps the whole config at once, and a call keeps the principal it
// was authorized as (Caller holds it) until it ends.
#ifndef BANEN_SERVICES_AUTH_H_
#define BANEN_SERVICES_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "banen/v1/auth.pb.h"
#include "banen/v1/ledger.pb.h"
#include "banen/v1/realisation.pb.h"
#include "ledger/event_log.h"
#include "services/auth_config.h"

namespace banen {

// What the table grants: each rpc, and GetRealisation's employer rows apart
// from its sector and aggregate rows.
enum class Rpc {
  kAppend,
  kAppendBatch,
  kReadEvents,
  kSubscribe,
  kGetHead,
  kVerifyChain,
  kGetRealisation,
  kGetRealisationEmployers,  // with include_employers
  kCreateSnapshot,
  kGetSnapshot,
  kListSnapshots,
  kDiffSnapshot,
  kCreateBackup,
  kListBackups,
  kVerifyBackup,
  kPromote,
  kGetInclusionProof,
  kGetConsistencyProof,
  kGetSignedHead,
  kGetQuota,
  kGetRegisterFigures,
};
inline constexpr int kRpcCount = 21;

// "LedgerService.AppendBatch", ...
absl::string_view RpcName(Rpc rpc);

// Whether `role` may call `rpc` at all (its scope may narrow it further).
bool RoleMayCall(v1::Role role, Rpc rpc);

struct Principal {
  std::string id;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  absl::flat_hash_set<std::string> employer_ids;  // an employer's scope
};

// Who is calling, once authorized.
struct Caller {
  // Null in the open mode. Shares ownership of the config it came from, so a
  // reload during the call does not pull it away.
  std::shared_ptr<const Principal> principal;
};

// What `caller` may append: its kinds, the employer scope of its job events
// and the retractions it may make, recorded as the principal's (the open
// mode's default: everything, recorded by nobody).
AppendAuthority AppendAuthorityOf(const Caller& caller);

// For an employer: narrows `request` to the events of its own employers (all
// of them when it names none); PERMISSION_DENIED when it names another
// employer. Others' requests are left as they are.
absl::Status ScopeReadEvents(const Caller& caller,
                             v1::ReadEventsRequest* request);

// For an employer: removes the employer rows of other employers from `table`.
void ScopeEmployerRows(const Caller& caller, v1::RealisationTable* table);

// One loaded config: principals by token digest and certificate name.
class AuthConfig : public std::enable_shared_from_this<AuthConfig> {
 public:
  // `config` as ParseAuthConfig() returns it (checked).
  static absl::StatusOr<std::shared_ptr<const AuthConfig>> FromProto(
      const v1::AuthConfig& config);

  // The principal a token belongs to, or null. Compares the token's digest
  // with every stored digest, all of them whatever matches, each in constant
  // time.
  std::shared_ptr<const Principal> ByToken(absl::string_view token) const;
  // The principal of a verified client certificate, or null.
  std::shared_ptr<const Principal> ByCertificate(
      const grpc::AuthContext& auth_context) const;

  size_t principal_count() const { return principals_.size(); }

 private:
  AuthConfig() = default;

  std::shared_ptr<const Principal> Shared(size_t index) const;

  // Set once by FromProto; the principals are never moved after that, and
  // Shared() hands them out as aliases of the whole config.
  std::vector<Principal> principals_;
  std::vector<std::pair<TokenDigest, size_t>> tokens_;  // -> principals_
  absl::flat_hash_map<std::string, size_t> common_names_;
  absl::flat_hash_map<std::string, size_t> subjects_;
};

class Authorizer {
 public:
  // The open mode.
  Authorizer() = default;
  // Loads `path`; INVALID_ARGUMENT naming the file and what is wrong,
  // NOT_FOUND when it cannot be read.
  static absl::StatusOr<std::unique_ptr<Authorizer>> Load(std::string path);

  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  bool open_mode() const { return path_.empty(); }
  const std::string& path() const { return path_; }

  // Reads the file again (what SIGHUP does). On an error the old config
  // stays in force and the error says why; OK otherwise, after which calls
  // are authorized by the new config. FAILED_PRECONDITION in the open mode.
  absl::Status Reload() ABSL_LOCKS_EXCLUDED(mu_);

  // The number of principals in force (0 in the open mode).
  size_t principal_count() const ABSL_LOCKS_EXCLUDED(mu_);

  // Who is making the call of `context`, if they may call `rpc`.
  // UNAUTHENTICATED for a missing or unknown identity, PERMISSION_DENIED for
  // a role the table does not grant `rpc`.
  absl::StatusOr<Caller> Authorize(const grpc::ServerContextBase& context,
                                   Rpc rpc) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit Authorizer(std::string path) : path_(std::move(path)) {}

  static absl::StatusOr<std::shared_ptr<const AuthConfig>> Read(
      const std::string& path);
  std::shared_ptr<const AuthConfig> config() const ABSL_LOCKS_EXCLUDED(mu_);

  const std::string path_;  // empty: the open mode
  mutable absl::Mutex mu_;
  std::shared_ptr<const AuthConfig> config_ ABSL_GUARDED_BY(mu_);
};

}  // namespace banen

#endif  // BANEN_SERVICES_AUTH_H_
