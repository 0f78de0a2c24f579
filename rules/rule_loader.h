// Loading rule files: YAML text -> validated RuleSpecs, or every problem as FILE:LINE:COL.
//
// A rule file is a mapping with `rules:`, a list of rules (README section "Rules" documents
// every field), and optionally `disable: [ids]` and `override: [{id, <fields>}]`, which adjust
// rules loaded from any file without copying them (severity, description, runbook, labels
// (merged), for, threshold, clear, warmup, evidence, max_label_sets; never what a rule matches).
// The loader never stops at the first problem: unknown keys (with a "did you mean" hint), wrong
// types, invalid RE2 patterns (naming the rule and quoting RE2's message), fields that do not apply
// to the rule's kind, unknown metric series and duplicate ids are all reported, each message naming
// the rule id. Names that depend on the configuration (log names, targets) are checked later, by
// CompileRules(). Pure functions of their input (plus the filesystem for LoadRuleFiles);
// thread-safe.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "base/status.h"
#include "rules/rule_spec.h"

namespace cg {

// Parses one rule file. `name` is used in diagnostics and RuleSpec::pos.
Result<RuleFile, Diagnostics> LoadRules(std::string_view text, std::string_view name);

// Reads and parses every file, then checks ids are unique across all of them, then applies the
// files' adjustments: `override:` entries (in file order) and `disable:` lists, which may name a
// rule of any file (a drop-in in rules.d/ adjusting the pack). Returns the rules in file order,
// or all the diagnostics of all the files (an adjustment naming no loaded rule is an error, so
// a typo never leaves a rule on). `disabled` (optional) receives the rules switched off.
Result<std::vector<RuleSpec>, Diagnostics> LoadRuleFiles(
    const std::vector<std::filesystem::path>& paths, std::vector<DisabledRule>* disabled = nullptr);

}  // namespace cg
