#include "services/command_line.h"

#include <string>

#include "absl/flags/parse.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/str_cat.h"

namespace banen {

std::string_view Version() { return BANEN_VERSION; }

std::vector<char*> ParseFlags(int argc, char** argv) {
  UnderscoreFlagNames(argc, argv);
  std::string program = argc > 0 ? argv[0] : "";
  program.erase(0, program.rfind('/') + 1);
  absl::FlagsUsageConfig config;
  config.version_string = [program] {
    return absl::StrCat(program, " ", std::string(Version()), "\n");
  };
  absl::SetFlagsUsageConfig(config);
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace banen
