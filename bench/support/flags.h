// Command-line flags of the bench tools: "--name value" pairs and bare "--name" switches, read
// in order, each handed to the setter the tool registered for it. The tool reports a problem
// (an unknown flag, a flag without its value) in its own words.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace cg::bench {

// Applies one flag; `value` is "" for a switch.
using FlagSetter = std::function<void(const std::string& value)>;

struct FlagTable {
  std::map<std::string, FlagSetter> values{};    // "--name value"
  std::map<std::string, FlagSetter> switches{};  // "--name"
};

// The flag that stopped the reading.
struct FlagError {
  std::string flag;
  bool missing_value = false;  // A known flag at the end of argv; otherwise an unknown flag.
};

// Applies argv[1..] to `table` in order, up to the first flag it cannot apply.
inline std::optional<FlagError> ParseFlags(int argc, char** argv, const FlagTable& table) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (auto s = table.switches.find(flag); s != table.switches.end()) {
      s->second("");
    } else if (auto v = table.values.find(flag); v != table.values.end()) {
      if (i + 1 >= argc) return FlagError{.flag = flag, .missing_value = true};
      v->second(argv[++i]);
    } else {
      return FlagError{.flag = flag};
    }
  }
  return std::nullopt;
}

}  // namespace cg::bench
