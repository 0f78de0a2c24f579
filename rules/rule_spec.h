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
  // Change detectors over message signatures (rules/change_tracker.h):
  kNewSignature,   // condition: new_signature (a WARN+ signature the baseline never had)
  kSignatureRate,  // condition: signature_rate (a signature's share of traffic grew)
  kErrorStorm,     // condition: error_storm (an ERROR no log rule covers, at a high rate)
};

// True for the change detectors: sampled from signature statistics, one alert per signature.
inline bool IsChangeKind(RuleKind k) {
  return k == RuleKind::kNewSignature || k == RuleKind::kSignatureRate ||
         k == RuleKind::kErrorStorm;
}

// "log", "metric", "process_down", "process_restarted", "log_silent", "boot_failed",
// "new_signature", "signature_rate", "error_storm".
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
  // Change detectors: distinct minutes (wall-clock minutes of the record times) with at least
  // one record inside the window: "sustained" rather than one burst. 0 = no condition.
  uint64_t minutes = 0;
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
  // Optional, documentation only: the WSO2 versions whose log text this rule was checked
  // against ("2.6", "4.2"...). Shown by `check-config --rules`; never affects matching.
  std::vector<std::string> checked_against;
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

  // signature_rate: the signature's share of the traffic in the window must be at least
  // `ratio` times its baseline share, and the one-sided Poisson test of that many records
  // given the baseline share must give a p-value of at most `significance`.
  double ratio = 10;
  double significance = 1e-6;
  // signature_rate: the log whose records measure traffic (e.g. an access log); empty = the
  // signature's own log.
  std::string traffic;

  // Fields an `override:` entry of a later rule file replaced (key, e.g. "threshold", and the
  // override's position), in the order applied; for `check-config --rules`. Not behaviour.
  std::vector<std::pair<std::string, SourcePos>> overridden;
};

// A rule a `disable:` list of a rule file switched off: it is not compiled at all.
struct DisabledRule {
  std::string id;
  SourcePos defined_at;   // The rule's own position.
  SourcePos disabled_at;  // The `disable:` entry.
};

// A loaded rule file.
struct RuleFile {
  std::string name;
  std::vector<RuleSpec> rules;
  // `disable: [ids]`: rules (of any file) to switch off; `override:` entries are applied by
  // LoadRuleFiles (rules/rule_loader.h), which has every file's rules.
  std::vector<std::pair<std::string, SourcePos>> disable;
};

// Hash of everything that defines a rule's behaviour (not its position). Two specs with the
// same id and fingerprint are the same rule, so a reload keeps that rule's alert state.
uint64_t Fingerprint(const RuleSpec& spec);

}  // namespace cg
