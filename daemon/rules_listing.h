// `check-config --rules`: the effective rule set after every file's `disable:` and `override:`
// (rules/rule_loader.h), one rule per line with where it is defined, each overridden field with
// its value and the override that set it, the WSO2 versions it was checked against, and the
// rules switched off with where. Reads the rule files; no other side effect.
#pragma once

#include <filesystem>
#include <ostream>
#include <vector>

#include "base/status.h"

namespace cg {

// Prints the listing of `paths` to `out`; a load error is returned (the caller reports it).
Status PrintEffectiveRules(const std::vector<std::filesystem::path>& paths, std::ostream& out);

}  // namespace cg
