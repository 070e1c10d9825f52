// make_test_certs DIR PRINCIPAL: MakeTestCerts (test_certs.h) for the tests
// that are scripts (banenctl_test.sh, client_test.py). Writes ca.pem,
// server.pem/.key, client.pem/.key (CN=PRINCIPAL), other-ca.pem and
// other-client.pem/.key into DIR, which must exist.
#include <cstdio>

#include "tests/services/test_certs.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DIR PRINCIPAL\n", argv[0]);
    return 2;
  }
  const auto certs = banen::test::MakeTestCerts(argv[1], argv[2]);
  if (!certs.ok()) {
    std::fprintf(stderr, "%s\n", certs.status().ToString().c_str());
    return 1;
  }
  return 0;
}
