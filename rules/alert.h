// Alerts as the engine reports them: value types, copied out of the engine for the HTTP
// snapshot, the notifier and replay output. Copyable; not synchronised.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "collectors/record.h"
#include "rules/rule_spec.h"

namespace cg {

// kInactive: below threshold (not listed by Engine::alerts()). kPending: condition holds, `for`
// not yet elapsed. kFiring. kResolved: fired, then cleared (kept for display until it fires
// again or is evicted).
enum class AlertState : uint8_t { kInactive, kPending, kFiring, kResolved };
std::string_view AlertStateName(AlertState s);  // "inactive", "pending", "firing", "resolved"

// One matching record kept as evidence: where it is (log, file, byte offset) and what it says.
struct Evidence {
  std::string log;
  std::string file;
  uint64_t offset = 0;
  WallTime time{};
  Level level = Level::kUnknown;
  // The first line, then up to kEvidenceMaxLines continuation lines (stack trace), at most
  // kEvidenceMaxBytes in all.
  std::string text;
  uint32_t lines = 0;      // Physical lines of the whole record.
  bool truncated = false;  // `text` is shorter than the record.
  // The file's identity when it was read (not saved with the state: zero after a restart).
  // Tells a record from one at the same offset of the file that replaced it (rotation).
  FileIdentity file_id;
};
inline constexpr size_t kEvidenceMaxLines = 20;
inline constexpr size_t kEvidenceMaxBytes = 4096;

struct Alert {
  std::string id;  // Stable: AlertId(rule, labels).
  std::string rule;
  std::string description;
  std::string runbook;
  Severity severity = Severity::kWarning;
  RuleKind kind = RuleKind::kLog;
  AlertState state = AlertState::kInactive;
  Labels labels;          // Static labels, captures, and target/log for conditions; sorted by name.
  WallTime first_seen{};  // First match (or first time the condition held).
  WallTime last_seen{};   // Latest match (or latest time the condition held).
  std::optional<WallTime> pending_since;
  std::optional<WallTime> fired_at;
  std::optional<WallTime> resolved_at;
  uint64_t count = 0;           // Matching records (log rules), restarts, ... since first_seen.
  uint64_t window_count = 0;    // Matches inside the window now (log rules).
  std::optional<double> value;  // Metric rules: the latest value.
  bool acked = false;           // Ack silences re-notification; the state is unchanged.
  std::optional<WallTime> acked_at;
  std::string ack_comment;  // Given with the ack (why, by whom); "" = none. Cleared with the ack.
  std::vector<Evidence> evidence;  // The first match, then the most recent ones; oldest first.
  // Change detectors: the signature's numbers for a human ("17 since the cutover, 9 in the
  // last 10m; baseline 0.2/h; 48x its share of traffic, p=3e-12"). Empty otherwise.
  std::string detail;
};

// An alert transition or a change of recommendation, for the notifier (Engine::TakeTransitions).
struct AlertEvent {
  enum class Kind : uint8_t { kFiring, kResolved, kRecommendationChanged };
  Kind kind = Kind::kFiring;
  WallTime at{};
  Alert alert;  // kFiring / kResolved: the alert at the transition (with evidence).
  // kRecommendationChanged: "continue" / "investigate" / "rollback".
  std::string recommendation;
  std::string previous;
};
std::string_view AlertEventKindName(AlertEvent::Kind k);  // "firing", "resolved", "recommendation"

// Stable id for a rule + label set: 16 hex digits of FNV-1a-64 over the rule id and the sorted
// labels. Stable across restarts and versions (it names alerts in URLs and to Alertmanager).
std::string AlertId(std::string_view rule, const Labels& sorted_labels);

// Copies the evidence-worthy part of a record (bounded, see Evidence::text) into `out`, reusing
// its string capacity.
void CopyEvidence(const Record& record, Evidence* out);
// Joins a late continuation (Record::late) to the evidence of the record it continues, within
// the same bounds (kEvidenceMaxLines, kEvidenceMaxBytes; what does not fit marks it truncated).
// Returns false, changing nothing, if `out` is not that record (log, file and offset).
bool ContinueEvidence(const Record& late, Evidence* out);

}  // namespace cg
