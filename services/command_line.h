// Command lines of the project's programs (banen-ledgerd, banenctl).
#ifndef BANEN_SERVICES_COMMAND_LINE_H_
#define BANEN_SERVICES_COMMAND_LINE_H_

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

}  // namespace banen

#endif  // BANEN_SERVICES_COMMAND_LINE_H_
