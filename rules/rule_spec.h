// RuleSpec: one rule as written in a rule file, parsed and validated but not compiled.
//
// Plain value types shared by the loader (rule_loader.h), the compiler (rule_set.h) and the
// engine. A RuleSpec carries the position it was read from, so later stages (CompileRules, which
// checks names against the configuration) can still report FILE:LINE:COL. Copyable; not
// synchronised.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/logs/log_format.h"

namespace cg {

enum class Severity : uint8_t { kInfo = 0, kWarning = 1, kCritical = 2 };

// "info", "warning", "critical".
std::string_view SeverityName(Severity s);
std::optional<Severity> ParseSeverity(std::string_view name);

enum class RuleKind : uint8_t {
  kLog,               // `match:` over log records.
  kMetric,            // `metric:` over the collectors' series.
  kProcessDown,       // condition: process_down
  kProcessRestarted,  // condition: process_restarted
  kLogSilent,         // condition: log_silent
  kBootFailed,        // condition: boot_failed
};

// "log", "metric", "process_down", "process_restarted", "log_silent", "boot_failed".
std::string_view RuleKindName(RuleKind k);

using Labels = std::vector<std::pair<std::string, std::string>>;

struct SourcePos {
  std::string file;
  int line = 0;                  // 1-based; 0 = unknown.
  int column = 0;                // 1-based; 0 = unknown.
  std::string ToString() const;  // "file:line:col"
};

struct ThresholdSpec {
  uint64_t count = 1;                               // Matches needed in the window.
  std::chrono::milliseconds window{5 * 60 * 1000};  // Sliding window length.
  std::string distinct_label;                       // Optional: a named capture ...
  uint64_t distinct_count = 0;                      // ... that needs this many values.
};

struct ClearSpec {
  // Resolve only when the window count has fallen to this value (hysteresis). Default:
  // threshold.count - 1, i.e. as soon as the firing condition no longer holds.
  std::optional<uint64_t> count;
  // ... and has stayed there this long.
  std::chrono::milliseconds keep_firing_for{0};
  // ... and WSO2 has booted again since the alert fired (boot-time failures such as a missing
  // table do not go away by not being logged again).
  bool until_boot = false;
};

// Bit i set = level i (cg::Level numbering) accepted. 0 = any level, including unknown.
using LevelMask = uint8_t;

struct RuleSpec {
  // Common.
  std::string id;
  std::string description;
  std::string runbook;  // Optional: what to check first, shown with the alert.
  Severity severity = Severity::kWarning;
  RuleKind kind = RuleKind::kLog;
  SourcePos pos;                      // The rule's mapping.
  std::chrono::milliseconds for_{0};  // Condition must hold this long before firing.
  ClearSpec clear;
  Labels labels;  // Static labels, sorted by name.
  // Warm-up grace: matches within this long after the cutover mark or a WSO2 boot are ignored.
  std::chrono::milliseconds warmup{0};
  bool warmup_default = false;  // `warmup: true`: use the engine's (config cutover.warmup).

  // Log selection (log rules and the log-based conditions). At most one of the two.
  std::vector<std::string> logs;  // Configured log names.
  SourcePos logs_pos;
  std::vector<LogFormat> source;  // Log formats in order of preference (see README).
  SourcePos source_pos;

  // Log rules.
  std::string match;            // RE2, unanchored, over the record's message text.
  std::string exclude;          // RE2 over the message text; a record matching it does not count.
  std::string loggers;          // RE2, unanchored, over the record's logger name.
  std::string exclude_loggers;  // RE2 over the logger name; a record matching it does not count.
  LevelMask levels = 0;
  ThresholdSpec threshold;
  uint32_t max_label_sets = 20;  // Cap on distinct capture-label sets per rule.
  uint32_t evidence = 5;         // Matching records kept per alert.

  // Metric rules.
  std::string metric;
  std::optional<double> above;
  std::optional<double> below;

  // Metric rules and process conditions; optional (default: every configured target).
  std::string target;
  SourcePos target_pos;

  // log_silent: how long without records; boot_failed: time allowed for a boot;
  // process_restarted: how long a restart keeps the alert firing.
  std::chrono::milliseconds duration{0};
};

// A loaded rule file.
struct RuleFile {
  std::string name;
  std::vector<RuleSpec> rules;
};

// Hash of everything that defines a rule's behaviour (not its position). Two specs with the
// same id and fingerprint are the same rule, so a reload keeps that rule's alert state.
uint64_t Fingerprint(const RuleSpec& spec);

}  // namespace cg
