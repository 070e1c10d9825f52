// The auth config (services/auth_config.h) and what services/auth.h derives
// from a principal, without a server.
#include "services/auth_config.h"

#include <grpcpp/security/auth_context.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/auth.h"
#include "tests/services/auth_test_util.h"

namespace banen::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

// sha256("abc"), the FIPS 180-2 example.
constexpr char kAbcDigest[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(AuthConfig, DigestTokenIsSha256InLowercaseHex) {
  EXPECT_EQ(DigestHex(DigestToken("abc")), kAbcDigest);
}

TEST(AuthConfig, NewTokensAre43Base64UrlCharactersAndDiffer) {
  const absl::StatusOr<std::string> first = NewToken();
  const absl::StatusOr<std::string> second = NewToken();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->size(), 43);
  EXPECT_EQ(first->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
                                     "nopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_NE(*first, *second);
}

TEST(AuthConfig, NewTokenForAnEmployerIsAnEntryWithItsScopeAndDigest) {
  const absl::StatusOr<NewTokenEntry> entry =
      NewTokenFor("hr-acme", "Employer", {"acme", "acme-nl"});
  ASSERT_TRUE(entry.ok()) << entry.status();
  const absl::StatusOr<v1::AuthConfig> config =
      ParseAuthConfig(entry->config_text);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->principals_size(), 1);
  const v1::Principal& principal = config->principals(0);
  EXPECT_EQ(principal.id(), "hr-acme");
  EXPECT_EQ(principal.role(), v1::ROLE_EMPLOYER);
  EXPECT_THAT(principal.employer_ids(), ElementsAre("acme", "acme-nl"));
  EXPECT_THAT(principal.token_sha256(),
              ElementsAre(DigestHex(DigestToken(entry->token))));
  EXPECT_THAT(entry->config_text, Not(HasSubstr(entry->token)));
}

TEST(AuthConfig, NewTokenWithoutARoleIsTheDigestLineAlone) {
  const absl::StatusOr<NewTokenEntry> entry = NewTokenFor("hr-acme", "", {});
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->config_text,
            absl::StrCat("token_sha256: \"",
                         DigestHex(DigestToken(entry->token)), "\""));
}

TEST(AuthConfig, NewTokenForRefusesAnUnknownRoleAndAMisplacedScope) {
  EXPECT_EQ(NewTokenFor("x", "boss", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NewTokenFor("x", "reader", {"acme"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NewTokenFor("x", "employer", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NewTokenFor("has space", "reader", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AuthConfig, EveryRoleConfigParses) {
  const absl::StatusOr<v1::AuthConfig> config =
      ParseAuthConfig(EveryRoleConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->principals_size(), 7);
}

// Each broken config, and what its error must say.
TEST(AuthConfig, BrokenConfigsAreRefusedSayingWhy) {
  const std::string digest = absl::StrCat("token_sha256: \"", kAbcDigest, "\"");
  const std::map<std::string, std::string> broken = {
      {"principals { id: \"a\" }", "principal a: role is missing"},
      {"principals { id: \"a\" role: ROLE_EMPLOYER }",
       "principal a: an employer needs employer_ids (its scope)"},
      {"principals { id: \"a\" role: ROLE_READER employer_ids: \"x\" }",
       "principal a: employer_ids are for role employer only, not reader"},
      {"principals { id: \"a\" role: ROLE_READER } "
       "principals { id: \"a\" role: ROLE_ADMIN }",
       "principals a and a have the same id"},
      {absl::StrCat("principals { id: \"a\" role: ROLE_READER ", digest,
                    " } principals { id: \"b\" role: ROLE_ADMIN ", digest,
                    " }"),
       "principals a and b have the same token_sha256"},
      {"principals { id: \"a\" role: ROLE_ROOT }",
       "line 1, column 38: Unknown enumeration value"},
      {"principals { id: \"\" role: ROLE_READER }", "id must be 1..128"},
  };
  for (const auto& [text, error] : broken) {
    const absl::StatusOr<v1::AuthConfig> config = ParseAuthConfig(text);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument)
        << text;
    EXPECT_THAT(config.status().message(), HasSubstr(error)) << text;
  }
}

TEST(AuthConfig, ATokenPastedForItsDigestIsNotQuotedInTheError) {
  const std::string token = "Zq8Wm3Kx7Pv2Ld9Rt5Hn4Bj6Gc1Tf0Sa3Ue8Ip";
  for (const std::string& text :
       {absl::StrCat("principals { id: \"a\" role: ROLE_READER token_sha256: "
                     "\"",
                     token, "\" }"),
        absl::StrCat("principals { id: \"a\" role: ROLE_READER token_sha256: ",
                     token, " }")}) {
    const absl::StatusOr<v1::AuthConfig> config = ParseAuthConfig(text);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(), Not(HasSubstr("Zq8Wm3Kx7Pv2")))
        << config.status();
  }
}

TEST(AuthConfig, AppendAuthorityOfEachRole) {
  const auto authority_of = [](v1::Role role) {
    Principal principal;
    principal.id = PrincipalOf(role);
    principal.role = role;
    if (role == v1::ROLE_EMPLOYER) principal.employer_ids = {"emp-a"};
    return AppendAuthorityOf(
        Caller{.principal = std::make_shared<const Principal>(principal)});
  };
  using Kind = EventKind;
  const AppendAuthority employer = authority_of(v1::ROLE_EMPLOYER);
  EXPECT_EQ(employer.principal, "p-employer");
  EXPECT_THAT(employer.kinds,
              UnorderedElementsAre(Kind::kJobStarted, Kind::kJobConverted,
                                   Kind::kHoursChanged, Kind::kJobEnded,
                                   Kind::kEventRetracted));
  ASSERT_TRUE(employer.employer_scope.has_value());
  EXPECT_THAT(*employer.employer_scope, UnorderedElementsAre("emp-a"));
  EXPECT_EQ(employer.retractions, AppendAuthority::Retractions::kOwn);

  const AppendAuthority register_ = authority_of(v1::ROLE_REGISTER);
  EXPECT_EQ(register_.principal, "p-register");
  // UWV also reports the employers' paid hours (the polisadministratie).
  EXPECT_THAT(
      register_.kinds,
      UnorderedElementsAre(Kind::kPersonRegistered, Kind::kPersonDeregistered,
                           Kind::kEmployerHoursReported));
  EXPECT_FALSE(register_.employer_scope.has_value());

  const AppendAuthority steward = authority_of(v1::ROLE_STEWARD);
  EXPECT_EQ(steward.principal, "p-steward");
  EXPECT_THAT(steward.kinds,
              UnorderedElementsAre(
                  Kind::kEmployerRegistered, Kind::kEmployerReclassified,
                  Kind::kTargetSet, Kind::kBaselineSet, Kind::kInleenKeySet,
                  Kind::kEmployerHoursReported, Kind::kQuotaPercentageSet,
                  Kind::kEventRetracted));
  EXPECT_FALSE(steward.employer_scope.has_value());
  EXPECT_EQ(steward.retractions, AppendAuthority::Retractions::kAny);

  const AppendAuthority admin = authority_of(v1::ROLE_ADMIN);
  EXPECT_EQ(admin.principal, "p-admin");
  EXPECT_TRUE(admin.kinds.empty());  // every kind
  EXPECT_FALSE(admin.employer_scope.has_value());
  EXPECT_EQ(admin.retractions, AppendAuthority::Retractions::kAny);

  const AppendAuthority open = AppendAuthorityOf(Caller{});
  EXPECT_EQ(open.principal, "");
  EXPECT_TRUE(open.kinds.empty());
}

// An AuthContext as gRPC fills it under mTLS.
class FakeAuthContext final : public grpc::AuthContext {
 public:
  FakeAuthContext(bool authenticated,
                  std::multimap<std::string, std::string> properties)
      : authenticated_(authenticated), properties_(std::move(properties)) {}

  bool IsPeerAuthenticated() const override { return authenticated_; }
  std::vector<grpc::string_ref> GetPeerIdentity() const override {
    return FindPropertyValues("x509_common_name");
  }
  std::string GetPeerIdentityPropertyName() const override {
    return "x509_common_name";
  }
  std::vector<grpc::string_ref> FindPropertyValues(
      const std::string& name) const override {
    std::vector<grpc::string_ref> values;
    const auto [first, last] = properties_.equal_range(name);
    for (auto it = first; it != last; ++it) values.emplace_back(it->second);
    return values;
  }
  grpc::AuthPropertyIterator begin() const override { return Iterator(); }
  grpc::AuthPropertyIterator end() const override { return Iterator(); }
  void AddProperty(const std::string& key,
                   const grpc::string_ref& value) override {
    properties_.emplace(key, std::string(value.data(), value.size()));
  }
  bool SetPeerIdentityPropertyName(const std::string& /*name*/) override {
    return false;
  }

 private:
  // The tests look properties up by name only.
  struct Iterator : grpc::AuthPropertyIterator {};

  bool authenticated_;
  std::multimap<std::string, std::string> properties_;
};

std::shared_ptr<const AuthConfig> CertificateConfig() {
  const absl::StatusOr<v1::AuthConfig> proto = ParseAuthConfig(
      "principals { id: \"hr-acme\" role: ROLE_EMPLOYER employer_ids: "
      "\"acme\" certificate_common_names: \"hr.acme.example\" } "
      "principals { id: \"auditor\" role: ROLE_AUDITOR "
      "certificate_subjects: \"CN=audit,O=Rekenkamer\" }");
  EXPECT_TRUE(proto.ok()) << proto.status();
  absl::StatusOr<std::shared_ptr<const AuthConfig>> config =
      AuthConfig::FromProto(*proto);
  EXPECT_TRUE(config.ok());
  return *config;
}

TEST(AuthConfig, VerifiedCertificateCommonNameIdentifiesItsPrincipal) {
  const FakeAuthContext context(
      true, {{"x509_common_name", "hr.acme.example"},
             {"x509_subject_name", "CN=hr.acme.example,O=Acme"}});
  const std::shared_ptr<const Principal> principal =
      CertificateConfig()->ByCertificate(context);
  ASSERT_NE(principal, nullptr);
  EXPECT_EQ(principal->id, "hr-acme");
}

TEST(AuthConfig, VerifiedCertificateSubjectIdentifiesItsPrincipal) {
  const FakeAuthContext context(
      true, {{"x509_common_name", "audit"},
             {"x509_subject_name", "CN=audit,O=Rekenkamer"}});
  const std::shared_ptr<const Principal> principal =
      CertificateConfig()->ByCertificate(context);
  ASSERT_NE(principal, nullptr);
  EXPECT_EQ(principal->id, "auditor");
}

TEST(AuthConfig, CertificateOfAnUnauthenticatedPeerIdentifiesNobody) {
  const FakeAuthContext context(false,
                                {{"x509_common_name", "hr.acme.example"}});
  EXPECT_EQ(CertificateConfig()->ByCertificate(context), nullptr);
}

TEST(AuthConfig, CertificateOfAnotherNameIdentifiesNobody) {
  const FakeAuthContext context(
      true, {{"x509_common_name", "audit"},
             {"x509_subject_name", "CN=audit,O=Elsewhere"}});
  EXPECT_EQ(CertificateConfig()->ByCertificate(context), nullptr);
}

TEST(AuthConfig, TokenIdentifiesItsPrincipalAndNoOtherDoes) {
  const absl::StatusOr<v1::AuthConfig> proto =
      ParseAuthConfig(EveryRoleConfig());
  ASSERT_TRUE(proto.ok());
  const absl::StatusOr<std::shared_ptr<const AuthConfig>> config =
      AuthConfig::FromProto(*proto);
  ASSERT_TRUE(config.ok());
  for (const v1::Role role : AllRoles()) {
    const std::shared_ptr<const Principal> principal =
        (*config)->ByToken(TokenOf(role));
    ASSERT_NE(principal, nullptr) << RoleName(role);
    EXPECT_EQ(principal->id, PrincipalOf(role));
    EXPECT_EQ(principal->role, role);
  }
  EXPECT_EQ((*config)->ByToken(TokenOf(v1::ROLE_ADMIN) + "x"), nullptr);
  EXPECT_EQ((*config)->ByToken(""), nullptr);
}

}  // namespace
}  // namespace banen::test
