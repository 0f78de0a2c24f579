// A watched process: the daemon's `targets[]` config entry and what the sampler takes, one type.
// A plain copyable value.
#pragma once

#include <filesystem>
#include <string>

namespace cg {

// At least one of pidfile / cmdline.
struct TargetSpec {
  std::string name{};               // Label value, unique among targets.
  std::filesystem::path pidfile{};  // Absolute; empty = none.
  std::string cmdline{};            // RE2 over the NUL-separated command line; empty = none.
  bool operator==(const TargetSpec&) const = default;
};

}  // namespace cg
