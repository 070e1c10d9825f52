#include "tests/services/test_certs.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"

namespace banen::test {
namespace {

std::string Contents(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

constexpr char kNewKey[] =
    "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

class Pki {
 public:
  explicit Pki(std::string dir) : dir_(std::move(dir)) {}

  std::string Path(const std::string& name) const {
    return absl::StrCat(dir_, "/", name);
  }

  // Runs `openssl <arguments>` in the directory, its output in openssl.log.
  absl::Status OpenSsl(const std::string& arguments) const {
    const std::string log = Path("openssl.log");
    const std::string command = absl::StrCat("cd '", dir_, "' && openssl ",
                                             arguments, " >'", log, "' 2>&1");
    if (std::system(command.c_str()) == 0) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("openssl ", arguments, " failed: ", Contents(log)));
  }

  // A self-signed CA: <name>.pem and <name>.key.
  absl::Status MakeCa(const std::string& name, const std::string& subject) {
    return OpenSsl(absl::StrCat("req -x509 ", kNewKey, " -days 2 -keyout ",
                                name, ".key -out ", name, ".pem -subj '",
                                subject, "'"));
  }

  // <name>.pem and <name>.key, signed by <ca>, with the extensions given.
  absl::Status MakeLeaf(const std::string& name, const std::string& subject,
                        const std::string& ca, const std::string& extensions) {
    RETURN_IF_ERROR(
        OpenSsl(absl::StrCat("req ", kNewKey, " -keyout ", name, ".key -out ",
                             name, ".csr -subj '", subject, "'")));
    std::ofstream(Path(name + ".ext")) << extensions;
    return OpenSsl(absl::StrCat("x509 -req -in ", name, ".csr -CA ", ca,
                                ".pem -CAkey ", ca, ".key -set_serial ",
                                ++serial_, " -days 2 -extfile ", name,
                                ".ext -out ", name, ".pem"));
  }

  PemFile File(const std::string& name) const {
    return PemFile{Path(name), Contents(Path(name))};
  }

 private:
  const std::string dir_;
  int serial_ = 1;
};

}  // namespace

absl::StatusOr<TestCerts> MakeTestCerts(const std::string& dir,
                                        const std::string& client_principal) {
  Pki pki(dir);
  const std::string client_subject = absl::StrCat("/CN=", client_principal);
  const std::string client_extensions = "extendedKeyUsage=clientAuth\n";
  RETURN_IF_ERROR(pki.MakeCa("ca", "/CN=banen test CA"));
  RETURN_IF_ERROR(pki.MakeLeaf("server", "/CN=localhost", "ca",
                               "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                               "extendedKeyUsage=serverAuth\n"));
  RETURN_IF_ERROR(
      pki.MakeLeaf("client", client_subject, "ca", client_extensions));
  RETURN_IF_ERROR(pki.MakeCa("other-ca", "/CN=unrelated test CA"));
  RETURN_IF_ERROR(pki.MakeLeaf("other-client", client_subject, "other-ca",
                               client_extensions));
  return TestCerts{
      .ca = pki.File("ca.pem"),
      .server_cert = pki.File("server.pem"),
      .server_key = pki.File("server.key"),
      .client_cert = pki.File("client.pem"),
      .client_key = pki.File("client.key"),
      .other_ca = pki.File("other-ca.pem"),
      .other_client_cert = pki.File("other-client.pem"),
      .other_client_key = pki.File("other-client.key"),
  };
}

}  // namespace banen::test
