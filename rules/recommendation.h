// The recommendation: continue, investigate or rollback, with its reasons.
//
// A documented, configurable policy over the alerts (config key `recommendation:`):
//   rollback    if at least `rollback.min_alerts` alerts of severity >= `rollback.severity`
//               (default: 1 critical) are firing;
//   investigate else, if at least `investigate.min_alerts` alerts of severity >=
//               `investigate.severity` (default: 1 warning) are firing (or pending, with
//               `count_pending: true`);
//   unknown     else, if cutover-guard cannot judge: a blind spot (no rule loaded, a log missing
//               or unreadable or not in its layout, the target process not found, /proc not
//               readable; see daemon/coverage.h and replay). Alerts that fire still win: what
//               is seen to be broken is reported even when something else cannot be seen;
//   continue    otherwise.
// Acknowledged alerts count unless `count_acknowledged: false` (ack silences notifications, it
// does not make a broken database healthy). Every alert that contributed is a reason, with its
// count and since when, so a human can check the call in seconds.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "rules/alert.h"

namespace cg {

// The values are the Nagios plugin exit codes: 0 continue (OK), 1 investigate (WARNING),
// 2 rollback (CRITICAL), 3 unknown (UNKNOWN). They are not the precedence (VerdictRank).
enum class Verdict : uint8_t { kContinue = 0, kInvestigate = 1, kRollback = 2, kUnknown = 3 };
std::string_view VerdictName(Verdict v);  // "continue", "investigate", "rollback", "unknown"
std::optional<Verdict> ParseVerdict(std::string_view name);
inline constexpr Verdict kAllVerdicts[] = {Verdict::kContinue, Verdict::kInvestigate,
                                           Verdict::kRollback, Verdict::kUnknown};
inline int VerdictExitCode(Verdict v) { return static_cast<int>(v); }
// Precedence: rollback (3) > investigate (2) > unknown (1) > continue (0).
int VerdictRank(Verdict v);

// Something cutover-guard should see and cannot: the reason for an `unknown` verdict.
struct BlindSpot {
  std::string subject;      // What is not seen: "log carbon", "target wso2am", "rules", "host".
  std::string description;  // Why, for a human: "no file matches /opt/.../wso2carbon.log".
  WallTime since{};         // Since when (the problem's start, or the daemon's start).
  bool operator==(const BlindSpot&) const = default;
};

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
  // Every blind spot, whatever the verdict (they decide it only when no alert does).
  std::vector<BlindSpot> blind_spots;
  std::string summary;  // One line for humans.
  WallTime since{};     // When the verdict last changed (set by Engine).
};

// Applies the policy to a set of alerts (any states; only firing/pending ones matter) and the
// blind spots.
Recommendation Recommend(const std::vector<Alert>& alerts, const RecommendationPolicy& policy,
                         const std::vector<BlindSpot>& blind_spots = {});

// The verdict alone, from counts (what the engine computes every tick without copying alerts).
// Recommend() decides through the same function.
struct AlertTally {
  uint32_t firing[3] = {0, 0, 0};  // By severity; acked ones excluded if the policy says so.
  uint32_t pending[3] = {0, 0, 0};
  void Add(Severity s, AlertState state, bool acked, const RecommendationPolicy& policy);
};
Verdict DecideVerdict(const AlertTally& tally, const RecommendationPolicy& policy,
                      bool blind = false);

}  // namespace cg
