// Command lines of the project's programs (banen-ledgerd, banenctl,
// banen-demo-data).
#ifndef BANEN_SERVICES_COMMAND_LINE_H_
#define BANEN_SERVICES_COMMAND_LINE_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace banen {

// absl flags are identifiers (--data_dir) while the documented spelling is
// --data-dir: rewrites, in place, the name part of every "--flag-name[=value]"
// before absl::ParseCommandLine sees it. Values are left alone.
inline void UnderscoreFlagNames(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (arg[0] != '-' || arg[1] != '-') continue;
    for (char* c = arg + 2; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
  }
}

// The project's version, CMake's project(VERSION), e.g. "0.10.0".
std::string_view Version();

// The commit the program was built from, "1a2b3c4d5e6f" (with "-dirty" for
// uncommitted changes to tracked files), or "unknown" outside a git checkout.
std::string_view GitCommit();

// UnderscoreFlagNames, then absl::ParseCommandLine with `--version` printing
// "<program> <Version()> (git <GitCommit()>)". Returns the positional arguments
// (argv[0] first).
std::vector<char*> ParseFlags(int argc, char** argv);

// The contents of the file a flag names (a PEM certificate, a token file).
// NOT_FOUND, or the error number's code, with a message naming the flag and
// the path but never the contents.
absl::StatusOr<std::string> ReadFileNamedByFlag(std::string_view flag,
                                                const std::string& path);

// A flag naming a file ("tls-cert"), its value, and where the file's
// contents go.
struct FileFlag {
  std::string_view flag;
  std::string path;
  std::string* contents;
};

// ReadFileNamedByFlag for each flag given a path (the others are left
// alone); the first error.
absl::Status ReadFilesNamedByFlags(std::initializer_list<FileFlag> files);

}  // namespace banen

#endif  // BANEN_SERVICES_COMMAND_LINE_H_
