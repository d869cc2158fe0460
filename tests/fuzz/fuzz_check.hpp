#pragma once
// Shared by the libFuzzer harnesses: an invariant that does not hold is a finding, reported
// like a crash so that libFuzzer saves the input (and CI fails).
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace evp::fuzz {

[[noreturn]] inline void fail(std::string_view what) {
  std::fprintf(stderr, "fuzz invariant violated: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void check(bool ok, std::string_view what) {
  if (!ok) fail(what);
}

}  // namespace evp::fuzz
