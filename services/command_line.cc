#include "services/command_line.h"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/flags/parse.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "git_commit.h"  // generated: BANEN_GIT_COMMIT

namespace banen {

std::string_view Version() { return BANEN_VERSION; }

std::string_view GitCommit() { return BANEN_GIT_COMMIT; }

std::vector<char*> ParseFlags(int argc, char** argv) {
  UnderscoreFlagNames(argc, argv);
  std::string program = argc > 0 ? argv[0] : "";
  program.erase(0, program.rfind('/') + 1);
  absl::FlagsUsageConfig config;
  config.version_string = [program] {
    return absl::StrCat(program, " ", std::string(Version()), " (git ",
                        std::string(GitCommit()), ")\n");
  };
  absl::SetFlagsUsageConfig(config);
  return absl::ParseCommandLine(argc, argv);
}

absl::StatusOr<std::string> ReadFileNamedByFlag(std::string_view flag,
                                                const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  if (file) contents << file.rdbuf();
  if (!file || file.bad()) {
    return absl::ErrnoToStatus(errno, absl::StrCat("--", std::string(flag), "=",
                                                   path, ": cannot read"));
  }
  return std::move(contents).str();
}

absl::Status ReadFilesNamedByFlags(std::initializer_list<FileFlag> files) {
  for (const FileFlag& file : files) {
    if (file.path.empty()) continue;
    absl::StatusOr<std::string> contents =
        ReadFileNamedByFlag(file.flag, file.path);
    if (!contents.ok()) return contents.status();
    *file.contents = *std::move(contents);
  }
  return absl::OkStatus();
}

}  // namespace banen
