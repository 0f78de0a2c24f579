// The recommendation: continue, investigate or rollback, with its reasons.
//
// A documented, configurable policy over the alerts (config key `recommendation:`):
//   rollback    if at least `rollback.min_alerts` alerts of severity >= `rollback.severity`
//               (default: 1 critical) are firing;
//   investigate else, if at least `investigate.min_alerts` alerts of severity >=
//               `investigate.severity` (default: 1 warning) are firing (or pending, with
//               `count_pending: true`);
//   continue    otherwise.
// Acknowledged alerts count unless `count_acknowledged: false` (ack silences notifications, it
// does not make a broken database healthy). Every alert that contributed is a reason, with its
// count and since when, so a human can check the call in seconds.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "collectors/base/yaml_reader.h"
#include "rules/alert.h"

namespace cg {

enum class Verdict : uint8_t { kContinue = 0, kInvestigate = 1, kRollback = 2 };
std::string_view VerdictName(Verdict v);  // "continue", "investigate", "rollback"
// Nagios plugin convention: 0 continue (OK), 1 investigate (WARNING), 2 rollback (CRITICAL).
inline int VerdictExitCode(Verdict v) { return static_cast<int>(v); }

struct RecommendationPolicy {
  Severity rollback_severity = Severity::kCritical;
  uint32_t rollback_min_alerts = 1;
  Severity investigate_severity = Severity::kWarning;
  uint32_t investigate_min_alerts = 1;
  bool count_pending = false;      // Pending alerts count towards investigate (never rollback).
  bool count_acknowledged = true;  // Acked alerts still count.
};

struct RecommendationReason {
  std::string alert_id;
  std::string rule;
  std::string description;
  Severity severity = Severity::kWarning;
  AlertState state = AlertState::kFiring;
  Labels labels;
  WallTime since{};  // Firing (or pending) since.
  uint64_t count = 0;
  std::string evidence;  // First line of the most recent evidence, if any.
};

struct Recommendation {
  Verdict verdict = Verdict::kContinue;
  std::vector<RecommendationReason> reasons;  // Most severe first, then oldest first.
  std::string summary;                        // One line for humans.
  WallTime since{};                           // When the verdict last changed (set by Engine).
};

// Applies the policy to a set of alerts (any states; only firing/pending ones matter).
Recommendation Recommend(const std::vector<Alert>& alerts, const RecommendationPolicy& policy);

// The verdict alone, from counts (what the engine computes every tick without copying alerts).
// Recommend() decides through the same function.
struct AlertTally {
  uint32_t firing[3] = {0, 0, 0};  // By severity; acked ones excluded if the policy says so.
  uint32_t pending[3] = {0, 0, 0};
  void Add(Severity s, AlertState state, bool acked, const RecommendationPolicy& policy);
};
Verdict DecideVerdict(const AlertTally& tally, const RecommendationPolicy& policy);

// Reads the `recommendation:` mapping of the config. Reports problems into the context; leaves
// defaults in place for anything missing or wrong. A Null/undefined node keeps all defaults.
void ReadRecommendationPolicy(const YAML::Node& node, YamlContext& ctx,
                              RecommendationPolicy* policy);

}  // namespace cg
