// A throw-away PKI for the TLS tests and the TLS benchmark, made at run time
// with the `openssl` command (P-256 keys, valid for two days): a CA, a server
// certificate for localhost and 127.0.0.1 (subjectAltName), a client
// certificate whose subject is CN=<principal>, and a second, unrelated CA with
// a client certificate of the same subject, which a server trusting the first
// CA must refuse.
#ifndef BANEN_TESTS_SERVICES_TEST_CERTS_H_
#define BANEN_TESTS_SERVICES_TEST_CERTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace banen::test {

// A PEM file: where it is, for a program's flags, and what it holds, for the
// options of an in-process server or client.
struct PemFile {
  std::string path;
  std::string pem;
};

struct TestCerts {
  PemFile ca;
  PemFile server_cert;
  PemFile server_key;
  PemFile client_cert;
  PemFile client_key;
  PemFile other_ca;
  PemFile other_client_cert;
  PemFile other_client_key;
};

// Writes the files into `dir` (which must exist). INTERNAL with openssl's
// own messages when a step fails.
absl::StatusOr<TestCerts> MakeTestCerts(const std::string& dir,
                                        const std::string& client_principal);

}  // namespace banen::test

#endif  // BANEN_TESTS_SERVICES_TEST_CERTS_H_
