// RuleSet: rules compiled against one configuration, ready for the engine.
//
// CompileRules() resolves the names a rule file cannot check alone (log names, log formats in
// `source`, targets) against a RuleContext built from the config, compiles every RE2 pattern
// once, and lays out the matcher tables the engine's hot path needs:
//   - one MatcherEntry per log rule pattern, plus three internal WSO2 lifecycle markers (boot
//     start, boot complete, graceful shutdown) that feed warm-up, boot_failed and
//     process_restarted;
//   - per (log, level) the set of entries that can apply ("bucket"), and the distinct logger
//     regexes, so the engine can skip records that no rule can match before running RE2::Set.
//     `levels` filters only records that have a level: a record of unknown level (a plain log)
//     is a candidate for every entry.
// Immutable after construction: share it as shared_ptr<const RuleSet> across threads (the HTTP
// thread may read rule definitions while the event loop evaluates).
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/status.h"
#include "collectors/logs/log_format.h"
#include "rules/rule_spec.h"

namespace cg {

// What CompileRules checks names against: the configured logs (name + format) and targets.
struct RuleContext {
  struct Log {
    std::string name;
    LogFormat format = LogFormat::kWso2Carbon;
  };
  std::vector<Log> logs;
  std::vector<std::string> targets;
};

// Levels as a LevelMask bit for cg::Level values (TRACE..FATAL, and kUnknown = bit 0).
inline constexpr int kLevelSlots = 8;

struct MatcherEntry {
  enum class Role : uint8_t { kRule, kBootStart, kBootDone, kShutdown };
  Role role = Role::kRule;
  uint32_t rule = 0;  // Index into RuleSet::rules() for kRule.
  std::string pattern;
  LevelMask levels = 0;     // 0 = any.
  int logger_filter = -1;   // Index into RuleSet::logger_filters(), -1 = any logger.
  int logger_exclude = -1;  // Index into RuleSet::logger_filters(): loggers it never applies to.
};

struct CompiledRule {
  RuleSpec spec;
  uint64_t fingerprint = 0;
  // Log rules: the pattern again, run only on records the RE2::Set says it matches, to extract
  // named captures (null when the pattern has none); `exclude` likewise (null without one).
  std::unique_ptr<RE2> match;
  std::unique_ptr<RE2> exclude;
  std::vector<std::string> capture_labels;  // Label names of the named captures ...
  std::vector<int> capture_groups;          // ... and their RE2 group numbers.
  int max_group = 0;                        // Highest group number used.
  int distinct_capture = -1;                // Index into capture_labels, or -1.
  // Index of the first rule with the same `match` (itself if none): rules sharing a pattern
  // share one capture extraction per record.
  uint32_t capture_key = 0;
  // Logs the rule reads (log rules and log-based conditions): index i < logs.size() is the
  // context log i; index logs.size() is "a log not in the context".
  std::vector<bool> reads_log;
  // Targets evaluated (metric rules and process conditions); "" for host series.
  std::vector<std::string> targets;
  // signature_rate with `traffic:`: the context index of that log; -1 = the signature's own.
  int traffic_log = -1;
};

class RuleSet {
 public:
  const std::vector<CompiledRule>& rules() const { return rules_; }
  const std::vector<MatcherEntry>& entries() const { return entries_; }
  const std::vector<std::unique_ptr<RE2>>& logger_filters() const { return logger_filters_; }
  const RuleContext& context() const { return context_; }
  // Entries that may apply to a record of log `log_index` (context index, or logs.size() for
  // any other log) and level `level`, ignoring loggers. Bit e = entries()[e].
  const std::vector<uint64_t>& Bucket(size_t log_index, int level) const {
    return buckets_[log_index * kLevelSlots + static_cast<size_t>(level)];
  }
  size_t log_slots() const { return context_.logs.size() + 1; }
  // Index of the rule with this id, or -1.
  int FindRule(std::string_view id) const;
  // Rules that read the context log named `log_name` (CompiledRule::reads_log) or count it as
  // their traffic; 0 for a name not in the context.
  uint64_t RulesReading(std::string_view log_name) const;
  // Non-fatal findings (e.g. a rule whose `source` formats no configured log has).
  const Diagnostics& warnings() const { return warnings_; }

 private:
  friend class RuleSetBuilder;  // CompileRules, in phases (rule_set.cc).
  RuleContext context_;
  std::vector<CompiledRule> rules_;
  std::vector<MatcherEntry> entries_;
  std::vector<std::unique_ptr<RE2>> logger_filters_;
  std::vector<std::string> logger_patterns_;
  std::vector<std::vector<uint64_t>> buckets_;
  Diagnostics warnings_;
};

// The patterns of the internal lifecycle markers (WSO2 carbon-kernel, all versions).
inline constexpr const char* kBootStartPattern = R"(Starting WSO2 Carbon\.\.\.)";
inline constexpr const char* kBootStartLogger = R"(CarbonCoreActivator$)";
inline constexpr const char* kBootDonePattern = R"(WSO2 Carbon started in)";
inline constexpr const char* kBootDoneLogger = R"(StartupFinalizerServiceComponent$)";
inline constexpr const char* kShutdownPattern =
    R"(Shutdown hook triggered|Gracefully (?:shutting down|restarting)|Starting a new Carbon instance)";
inline constexpr const char* kShutdownLogger = R"(CarbonServerManager$)";

// Loggers that write in a booting JVM before its start marker: the 4.x config mapper
// (org.wso2.config.mapper.ConfigParser, "Writing Metadata Entries...") runs ahead of the Carbon
// kernel. Their records belong to the boot that follows, not to a previous run that a start
// marker without a shutdown marker would make a crash (process_restarted).
inline bool IsPreBootLogger(std::string_view logger) {
  return logger.starts_with("org.wso2.config.mapper.") || logger == "ConfigParser";
}

// Compiles `specs` (ids must be unique, as LoadRuleFiles guarantees) for `ctx`. Reports unknown
// log and target names (with position and a hint) and any pattern RE2 refuses.
Result<std::shared_ptr<const RuleSet>, Diagnostics> CompileRules(std::vector<RuleSpec> specs,
                                                                 const RuleContext& ctx);

}  // namespace cg
