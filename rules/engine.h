// Engine: turns records and samples into alerts, and alerts into a recommendation.
//
// Feed it records (OnRecord, the hot path) and tick it (Evaluate, about once a second live;
// replay ticks it as log time advances). Time is always a parameter: live callers pass wall
// time, replay passes the records' own timestamps. The same code runs both ways.
//
// Semantics (README "Rules" has the user-facing version):
//   - Log rules count matching records per alert identity (rule + capture labels) in a sliding
//     window; the condition is "count >= threshold.count (and >= distinct.count values of the
//     distinct capture)". It must hold for `for` before the alert fires; a firing alert resolves
//     when the count has fallen to clear.count (default threshold.count - 1) and stayed there
//     for clear.keep_firing_for. Transition times are exact (computed from the match times), so
//     they do not depend on how often Evaluate runs.
//   - Records older than the cutover mark are not evaluated (the mark starts observation); WSO2
//     lifecycle markers in them are still tracked.
//   - Matches of a rule with `warmup` inside its grace after the cutover mark or after a WSO2
//     boot start marker are counted (rule_status) but do not enter the window.
//   - Alerts: pending -> firing -> resolved; the id is stable for rule + labels. Ack silences
//     re-notification (AlertEvent consumers check Alert::acked); a new firing clears the ack.
//
// Threading: not thread-safe. Everything runs on the daemon's event-loop thread; the daemon
// copies alerts()/recommendation()/rule_status() into its snapshot for the HTTP threads.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "collectors/metric_source.h"
#include "collectors/record.h"
#include "rules/alert.h"
#include "rules/change/change_tracker.h"
#include "rules/recommendation.h"
#include "rules/rule_set.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace cg {

struct EngineOptions {
  RecommendationPolicy policy;
  std::optional<WallTime> cutover_at;  // Observation starts here; none = from the start.
  // Grace for rules that say `warmup: true` (config cutover.warmup).
  std::chrono::milliseconds warmup{5 * 60 * 1000};
  // Not owned; must outlive the engine. Null: no metrics.
  prometheus::Registry* registry = nullptr;
  // How long a resolved alert stays listed (after that, and once its window is empty, the
  // identity is forgotten; it comes back with the same id if it fires again).
  std::chrono::milliseconds resolved_retention{60 * 60 * 1000};
  // What "before the cutover" looked like, for the change detectors (null: none; the records
  // before the cutover mark then serve). Shared, immutable.
  std::shared_ptr<const Baseline> baseline;
  ChangeTrackerOptions change{};
};

// A signature's standing since the cutover (the change detectors' view).
enum class SignatureState : uint8_t {
  kKnown,      // In the baseline (snapshot or before the cutover).
  kNew,        // Absent from its log's baseline.
  kRegressed,  // Known, but its share of the traffic grew (signature_rate's test holds).
  kUnjudged,   // Its log has no baseline: new or not cannot be told.
};
std::string_view SignatureStateName(SignatureState s);  // "known", "new", "regressed", "unjudged"
std::optional<SignatureState> ParseSignatureState(std::string_view name);

struct SignatureReport {
  std::string id;  // 16 hex digits (the current signature id).
  std::string log;
  Level level = Level::kUnknown;
  std::string logger;
  std::string template_text;
  std::string example;
  SignatureState state = SignatureState::kKnown;
  uint64_t count = 0;           // Records since the cutover.
  uint64_t baseline_count = 0;  // Records in the baseline.
  double rate_per_hour = 0;     // Since the cutover.
  double baseline_rate_per_hour = 0;
  double ratio = 0;  // Last rate test: traffic-normalised growth (0 if none ran).
  double p_value = 1;
  bool covered = false;  // A log rule matched it.
  WallTime first_seen{};
  WallTime last_seen{};
};

// "records before the cutover mark <RFC 3339>": the source of a pre-cutover snapshot, so that
// one saved for another mark is not used.
std::string PreCutoverSource(WallTime cutover);

struct ChangeSummary {
  BaselineStatus baseline;
  uint64_t known = 0;
  uint64_t unjudged = 0;
  std::vector<SignatureReport> fresh;      // state new: ERROR/FATAL first, then most records.
  std::vector<SignatureReport> regressed;  // Highest ratio first.
  // In logs without a baseline: at most kUnjudgedListed, highest level first, then most
  // records.
  std::vector<SignatureReport> unjudged_top;
};
inline constexpr size_t kUnjudgedListed = 20;

struct RuleStatus {
  std::string id;
  std::string description;
  Severity severity = Severity::kWarning;
  RuleKind kind = RuleKind::kLog;
  std::string source;         // "file:line:col" of the rule.
  uint64_t matches = 0;       // Records matching (log rules, incl. suppressed) / events.
  uint64_t suppressed = 0;    // Matches inside a warm-up grace.
  uint64_t overflow = 0;      // Matches beyond max_label_sets.
  uint64_t window_count = 0;  // Largest window count over the rule's alert identities now.
  uint64_t alerts = 0;        // Alert identities tracked.
  AlertState state = AlertState::kInactive;  // Worst state among them.
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Create(std::shared_ptr<const RuleSet> rules,
                                                EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Reload: rules whose id and definition are unchanged keep their state (windows, alerts,
  // acks); firing alerts of removed or changed rules are resolved (a transition is emitted).
  void SetRuleSet(std::shared_ptr<const RuleSet> rules);
  void SetCutover(std::optional<WallTime> at);
  std::optional<WallTime> cutover() const;

  // Hot path: no heap allocation for a record that matches nothing (after warm-up).
  void OnRecord(const Record& record, WallTime now);
  // Window expiry, `for`, metric and built-in conditions, lifecycle, recommendation.
  void Evaluate(WallTime now, const MetricSource& metrics);
  // Event-driven evaluation: only the alert identities that got a record since the last
  // evaluation (their window and `for`), the change detectors' signatures that got one, and
  // the recommendation. What only time changes (expiry, silence, metric rules) is left to
  // Evaluate. Returns false (and does nothing) when nothing matched since. Cheap: the caller
  // may run it after every batch of records.
  bool EvaluateMatched(WallTime now);
  // A record matched a rule (or fed a change detector) since the last evaluation.
  bool has_matched() const;
  // Acknowledges an active alert (pending, firing or resolved) with an optional comment (why,
  // by whom; kept with the ack until the alert fires again). Unknown or inactive id: an error.
  Status Ack(std::string_view alert_id, WallTime now, std::string_view comment = {});
  // What the caller cannot see (logs, targets, /proc, rules): with no alert deciding, the
  // verdict is `unknown` from the next Evaluate on. Replaces the previous set.
  void SetBlindSpots(std::vector<BlindSpot> spots);

  // Transitions since the last call, oldest first.
  std::vector<AlertEvent> TakeTransitions();
  // Pending, firing and resolved alerts: firing first (most severe first), then pending, then
  // resolved; each group oldest first.
  std::vector<Alert> alerts() const;
  Recommendation recommendation() const;
  std::vector<RuleStatus> rule_status() const;
  const RuleSet& rules() const;

  // Change detectors. SetBaseline replaces the baseline snapshot (statistics since the cutover
  // start over). Signatures(): every signature seen since the cutover (WARN and above), most
  // records first; empty when no rule uses a change detector.
  void SetBaseline(std::shared_ptr<const Baseline> baseline);
  std::vector<SignatureReport> Signatures() const;
  ChangeSummary change_summary() const;
  BaselineStatus baseline_status() const;  // source "" without change detectors.
  // The records before the cutover mark as a baseline snapshot (ChangeTracker::
  // PreCutoverBaseline), once observation has started; nullopt without change detectors, a
  // mark, or records before it. Its `sources` is {PreCutoverSource(mark)}.
  std::optional<Baseline> PreCutoverBaseline(WallTime now) const;
  bool has_change_detectors() const;

  uint64_t records() const;  // Records seen.
  uint64_t records_before_cutover() const;
  uint64_t matcher_set_runs() const;     // Records that ran a RE2::Set (the rest were skipped).
  uint64_t matcher_memo_hits() const;    // Of those, answered by the memo of recent messages.
  uint64_t matcher_prefiltered() const;  // Records a small set's required literals ruled out.

  // Alert state (windows, alerts, acks, log lifecycle) as JSON, to survive restarts; restored
  // only for rules whose id and definition are unchanged. RestoreState is all or nothing: on
  // an error the engine is as it was before the call.
  nlohmann::json SaveState() const;
  Status RestoreState(const nlohmann::json& state);

 private:
  Status RestoreStateUnchecked(const nlohmann::json& state);
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg
