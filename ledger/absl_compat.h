// Debian's abseil 20220623 is built with ABSL_OPTION_USE_STD_STRING_VIEW 0:
// absl::string_view is a type of its own, and std::string_view does not
// convert to it. Code that hands a std::string_view to abseil (StrCat,
// heterogeneous lookup in flat_hash_map<std::string, ...>) goes through here.
#ifndef BANEN_LEDGER_ABSL_COMPAT_H_
#define BANEN_LEDGER_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace banen {

inline absl::string_view AbslView(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

}  // namespace banen

#endif  // BANEN_LEDGER_ABSL_COMPAT_H_
