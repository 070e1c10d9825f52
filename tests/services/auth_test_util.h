// Principals of every role with fixed tokens, for tests over a server with
// an --auth-config (services/auth.h).
#ifndef BANEN_TESTS_SERVICES_AUTH_TEST_UTIL_H_
#define BANEN_TESTS_SERVICES_AUTH_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "banen/v1/auth.pb.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/auth.h"
#include "services/auth_config.h"

namespace banen::test {

inline std::vector<Rpc> AllRpcs() {
  std::vector<Rpc> rpcs;
  for (int i = 0; i < kRpcCount; ++i) rpcs.push_back(static_cast<Rpc>(i));
  return rpcs;
}

inline std::vector<v1::Role> AllRoles() {
  return {v1::ROLE_EMPLOYER, v1::ROLE_REGISTER, v1::ROLE_STEWARD,
          v1::ROLE_AUDITOR,  v1::ROLE_SNAPSHOT, v1::ROLE_READER,
          v1::ROLE_ADMIN};
}

// "p-employer", ...: one principal per role.
inline std::string PrincipalOf(v1::Role role) {
  return absl::StrCat("p-", RoleName(role));
}

// A token per role, as long as banenctl's and unlike any text the server
// would print by chance.
inline std::string TokenOf(v1::Role role) {
  return absl::StrCat("tok-", RoleName(role), "-Zq8Wm3Kx7Pv2Ld9Rt5Hn4Bj6Gc1");
}

// One principal per role, each with the token of TokenOf(); the employer's
// scope is emp-a. `except`: a role left out (its token revoked).
inline std::string EveryRoleConfig(v1::Role except = v1::ROLE_UNSPECIFIED) {
  std::string text;
  for (const v1::Role role : AllRoles()) {
    if (role == except) continue;
    absl::StrAppend(&text, "principals {\n  id: \"", PrincipalOf(role),
                    "\"\n  role: ", v1::Role_Name(role), "\n");
    if (role == v1::ROLE_EMPLOYER) {
      absl::StrAppend(&text, "  employer_ids: \"emp-a\"\n");
    }
    absl::StrAppend(&text, "  token_sha256: \"",
                    DigestHex(DigestToken(TokenOf(role))), "\"\n}\n");
  }
  return text;
}

// Sends `token` as the call's bearer token; no metadata for "".
inline void WithToken(grpc::ClientContext& context, const std::string& token) {
  if (!token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
}

// The head's seq as the auditor sees it.
inline uint64_t AuditedHeadSeq(v1::LedgerService::Stub& ledger) {
  grpc::ClientContext context;
  WithToken(context, TokenOf(v1::ROLE_AUDITOR));
  v1::GetHeadResponse head;
  EXPECT_TRUE(ledger.GetHead(&context, v1::GetHeadRequest(), &head).ok());
  return head.seq();
}

}  // namespace banen::test

#endif  // BANEN_TESTS_SERVICES_AUTH_TEST_UTIL_H_
