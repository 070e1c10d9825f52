// A program that links tcmalloc (banen_link_tcmalloc) has its heap on
// transparent huge pages (ledger/tcmalloc_huge_pages.cc). Release builds
// only: the sanitized ones keep their own allocators.
#include <sys/types.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace banen {
namespace {

// Whether the kernel gives huge pages to memory advised so: its setting is
// "always" or "madvise", not "never" (or no such file).
bool TransparentHugePagesOffered() {
  std::ifstream setting("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text;
  std::getline(setting, text);
  return text.find("[always]") != std::string::npos ||
         text.find("[madvise]") != std::string::npos;
}

// The bytes on transparent huge pages in the mapping that holds `address`
// (its AnonHugePages in /proc/self/smaps); -1 if no mapping holds it.
int64_t HugePageBytesAround(const void* address) {
  const auto at = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t begin = 0;
    uintptr_t end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= at && at < end;
    } else if (inside && line.starts_with("AnonHugePages:")) {
      int64_t kilobytes = 0;
      std::istringstream(line.substr(std::strlen("AnonHugePages:"))) >>
          kilobytes;
      return kilobytes << 10;
    }
  }
  return -1;
}

TEST(TcmallocHugePages, PutsALargeAllocationOnHugePages) {
  if (!TransparentHugePagesOffered()) {
    GTEST_SKIP() << "transparent huge pages are off";
  }
  constexpr size_t kBytes = size_t{64} << 20;
  // Not written yet, so not faulted in: what the writing adds is measured.
  const std::unique_ptr<char[]> block(new char[kBytes]);
  const int64_t before = HugePageBytesAround(block.get());
  ASSERT_GE(before, 0);
  std::memset(block.get(), 1, kBytes);
  const int64_t after = HugePageBytesAround(block.get());
  // All of it on huge pages but the ends, unless the kernel had too few.
  EXPECT_GE(after - before, static_cast<int64_t>(kBytes / 2));
  EXPECT_EQ(block[kBytes - 1], 1);
}

}  // namespace
}  // namespace banen
