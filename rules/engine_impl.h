// Engine internals, shared by engine.cc (evaluation) and engine_state.cc (save/restore).
// Not part of the public interface; include only from rules/engine*.cc.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/capture_cache.h"
#include "rules/change/change_tracker.h"
#include "rules/engine.h"
#include "rules/engine_metrics.h"
#include "rules/evidence_ring.h"
#include "rules/matcher.h"
#include "rules/window.h"

namespace cg {

struct Engine::Impl {
  // Window parameters of a rule, resolved once per rule set.
  struct RuleWindow {
    uint64_t count = 1;
    std::chrono::milliseconds window{0};
    uint64_t clear_count = 0;
    std::chrono::milliseconds keep{0};
    size_t capacity = 1;
  };

  // One alert identity: a rule plus a label set.
  struct Group {
    Group(size_t window_capacity, bool distinct, size_t evidence_slots)
        : window(window_capacity, distinct), evidence(evidence_slots) {}
    std::vector<std::string> key;  // Capture values (or "target"/"log" + name).
    Labels labels;                 // Sorted.
    std::string id;
    SlidingWindow window;
    EvidenceRing evidence;
    AlertState state = AlertState::kInactive;
    bool was_resolved = false;            // State to fall back to from pending.
    bool cond = false;                    // The firing condition holds ...
    WallTime cond_since{};                // ... since then.
    std::optional<WallTime> clear_since;  // Sampled conditions: false since then.
    std::optional<WallTime> pending_since, fired_at, resolved_at;
    WallTime first_seen{}, last_seen{};
    uint64_t count = 0;
    bool acked = false;
    std::optional<WallTime> acked_at;
    std::string ack_comment;  // Given with the ack ("" = none).
    std::optional<double> value;
    // Change detectors: the window count and the human detail at the last evaluation, and
    // the evaluation that last saw its signature active.
    uint64_t window_count = 0;
    std::string detail;
    uint64_t seen = 0;
    WallTime evidence_at{};  // When a record was last copied as evidence (once a second).
    bool matched = false;    // Queued in Impl::matched (a match since the last evaluation).
  };

  struct RuleState {
    const CompiledRule* rule = nullptr;  // Points into `rules`.
    size_t index = 0;
    RuleWindow win;
    std::vector<std::unique_ptr<Group>> groups;
    uint64_t matches = 0, suppressed = 0, overflow = 0;
    EngineMetrics::RuleCounters counters;
    std::vector<std::optional<double>> last_restarts;  // Per target (process_restarted).
  };

  // Per log slot: when it last produced a record, and the WSO2 boot lifecycle seen in it.
  struct LogState {
    std::string name;
    std::optional<WallTime> last_record;
    uint64_t records = 0;
    bool boot_in_progress = false;
    WallTime boot_started{};
    std::optional<WallTime> boot_failed_at;  // A boot was superseded before completing.
    std::optional<WallTime> boot_done_at;
    bool graceful = false;  // A graceful shutdown marker since the last boot start.
    bool has_boot_marker = false;
    Evidence boot_marker;
    EvidenceRing boot_errors{4};
  };

  explicit Impl(EngineOptions o);
  static RuleWindow WindowOf(const CompiledRule& r);
  void Install(std::shared_ptr<const RuleSet> next);
  void ResolveAll(RuleState& rs, const char* why);

  Group* FindGroup(RuleState& rs, const std::string_view* values, size_t n);
  Group* NewGroup(RuleState& rs, const std::string_view* values, size_t n, const Labels& extra);
  Alert Snapshot(const RuleState& rs, const Group& g, WallTime now) const;
  void Fire(RuleState& rs, Group& g, WallTime at);
  void Resolve(RuleState& rs, Group& g, WallTime at);
  void LeavePending(Group& g);

  void OnRecord(const Record& record, WallTime now);
  void OnBootStart(size_t slot, const Record& record, WallTime now, bool observing);
  void OnMatches(const Record& record, size_t slot, WallTime now, bool observing, bool* covered);
  bool OnRuleMatch(RuleState& rs, const Record& record, WallTime now);
  void OnChangeRecord(const Record& record, size_t slot, WallTime now, bool observing,
                      bool covered);
  // `full`: every active signature is in `active` (a new minute); else only those with new
  // records, and the other alerts keep their condition.
  void EvaluateChange(RuleState& rs, WallTime now, const std::vector<ChangeSignature*>& active,
                      bool full);
  void InstallChange();
  void PublishChangeMetrics();
  SignatureState StateOf(const ChangeSignature& s) const;
  void AddMatch(RuleState& rs, Group& g, const Record& record, WallTime now, uint64_t tag);
  bool ConditionHolds(const RuleState& rs, Group& g, WallTime now) const;

  void Evaluate(WallTime now, const MetricSource& src);
  void EvaluateWindowGroup(RuleState& rs, Group& g, WallTime now);
  void EvaluateSampled(RuleState& rs, Group& g, WallTime now, bool active, WallTime active_since,
                       WallTime clear_since);
  void EvaluateMetric(RuleState& rs, WallTime now, const MetricSource& src);
  void EvaluateRestarts(RuleState& rs, WallTime now, const MetricSource& src);
  void EvaluateSilence(RuleState& rs, WallTime now, const MetricSource& src);
  void EvaluateBoot(RuleState& rs, WallTime now);
  bool AnyTargetUp(const RuleState& rs, const MetricSource& src) const;
  // clear.until_boot: true (and *clear_since moved to the boot) once WSO2 booted after firing.
  bool BootGate(const RuleState& rs, const Group& g, WallTime* clear_since) const;
  void FillBootEvidence(RuleState& rs, Group& g);
  void Evict(RuleState& rs, WallTime now);
  void UpdateRecommendation(WallTime now);
  Recommendation BuildRecommendation() const;

  EngineOptions options;
  EngineMetrics metrics;
  std::shared_ptr<const RuleSet> rules;
  std::unique_ptr<RecordMatcher> matcher;
  std::vector<std::unique_ptr<RuleState>> rule_states;
  std::vector<LogState> logs;
  std::vector<int> hits;  // Scratch for the matcher.
  // The last capture extraction: record serial (`records`) and CompiledRule::capture_key.
  static constexpr int kMaxCaptureGroups = CaptureCache::kMaxGroups;
  CaptureCache captures;
  re2::StringPiece capture_pieces[kMaxCaptureGroups];
  uint64_t capture_record = 0;
  uint32_t capture_key = ~0u;
  bool capture_ok = false;
  std::vector<AlertEvent> events;
  // Inside OnMatches: the evidence copy made of the record being matched. The other rules it
  // hit (an "isolated" and a "persisting" rule share a pattern, so most matching records hit
  // two) copy that copy rather than cut the record's text again. Valid until that ring's next
  // Add; null when none yet. Outside OnMatches (a restart counter's evidence) nothing is shared.
  bool share_evidence = false;
  const Evidence* shared_evidence = nullptr;
  // Groups with a match since they were last evaluated (EvaluateMatched); emptied by every
  // evaluation and before any group is destroyed (Evict runs inside Evaluate, after it).
  std::vector<std::pair<RuleState*, Group*>> matched;
  void ClearMatched();
  bool EvaluateMatched(WallTime now);
  bool ChangeEvaluable(WallTime now) const;  // A change detector can be evaluated now.
  // A late continuation (Record::late) joins the evidence that holds its record.
  void OnLate(const Record& record, WallTime now);
  bool late_joined = false;  // Evidence changed by OnLate since the last evaluation.
  std::optional<WallTime> cutover;
  std::optional<WallTime> observe_start;    // First time observed at/after the mark.
  std::optional<WallTime> last_boot_start;  // Warm-up graces start here and at the mark.
  std::optional<WallTime> last_transition;  // Latest transition since the last evaluation.
  WallTime last_now{};
  uint64_t records = 0;
  uint64_t records_before_cutover = 0;
  Verdict verdict = Verdict::kContinue;
  std::vector<BlindSpot> blind_spots;  // SetBlindSpots; decide `unknown` at the next Evaluate.
  WallTime verdict_since{};
  bool has_recommendation = false;
  // Change detectors (null when no rule uses them): per log slot, whether a change rule reads
  // it (or counts its traffic); the change rules' indices into rule_states.
  std::unique_ptr<ChangeTracker> change;
  std::vector<bool> change_reads;
  std::vector<size_t> change_log_of_slot;  // Log slot -> the tracker's log index (SIZE_MAX: ?).
  std::vector<size_t> change_rules;
  LevelMask change_new_levels = 0;  // Levels some new_signature rule reads.
  // Levels worth mining: those of the detectors that can act. new_signature and signature_rate
  // need a baseline; with no snapshot and no cutover mark (so no record before it) there can
  // be none, and only error_storm's levels are mined (the rest is counted as traffic).
  LevelMask change_mine_levels = 0;
  void UpdateMineLevels();
  uint64_t change_tick = 0;
  int64_t change_minute = INT64_MIN;  // MinuteRing::MinuteOf of the last full evaluation.
  WallTime change_start{};            // First observed time (rates since the cutover).
};

}  // namespace cg
