// The main of every test program: GoogleTest's, with OpenSSL's clean-up left
// to the operating system.
//
// OpenSSL's atexit handler deletes its thread-local keys. A gRPC thread that
// ends while the process exits, after that handler, then loses its OpenSSL
// error queue (904 bytes), and LeakSanitizer reports the test as leaking
// (a TLS test under ASan in CI; grpc/grpc#38539).
// OPENSSL_INIT_NO_ATEXIT keeps the keys, so every thread frees its own queue.

#include <openssl/crypto.h>

#include "gtest/gtest.h"

int main(int argc, char** argv) {
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
