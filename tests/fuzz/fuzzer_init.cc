// What every fuzz target does once before its first input.
#include "google/protobuf/stubs/logging.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Parse errors of hostile input are expected; logging each one would
  // slow the fuzzer down to the speed of its stderr.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}
