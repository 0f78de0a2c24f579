#include "rules/recommendation.h"

#include <algorithm>

#include "base/units.h"

namespace cg {

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kContinue:
      return "continue";
    case Verdict::kInvestigate:
      return "investigate";
    case Verdict::kRollback:
      return "rollback";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<Verdict> ParseVerdict(std::string_view name) {
  for (Verdict v : kAllVerdicts) {
    if (VerdictName(v) == name) return v;
  }
  return std::nullopt;
}

int VerdictRank(Verdict v) {
  switch (v) {
    case Verdict::kContinue:
      return 0;
    case Verdict::kUnknown:
      return 1;
    case Verdict::kInvestigate:
      return 2;
    case Verdict::kRollback:
      return 3;
  }
  return 1;
}

void AlertTally::Add(Severity s, AlertState state, bool acked, const RecommendationPolicy& p) {
  if (acked && !p.count_acknowledged) return;
  const auto i = static_cast<size_t>(s);
  if (state == AlertState::kFiring) ++firing[i];
  if (state == AlertState::kPending) ++pending[i];
}

Verdict DecideVerdict(const AlertTally& t, const RecommendationPolicy& p, bool blind) {
  uint32_t rollback = 0, investigate = 0;
  for (int s = 0; s < 3; ++s) {
    const auto sev = static_cast<Severity>(s);
    if (sev >= p.rollback_severity) rollback += t.firing[s];
    if (sev >= p.investigate_severity) {
      investigate += t.firing[s] + (p.count_pending ? t.pending[s] : 0);
    }
  }
  if (rollback > 0 && rollback >= p.rollback_min_alerts) return Verdict::kRollback;
  if (investigate > 0 && investigate >= p.investigate_min_alerts) return Verdict::kInvestigate;
  return blind ? Verdict::kUnknown : Verdict::kContinue;
}

Recommendation Recommend(const std::vector<Alert>& alerts, const RecommendationPolicy& policy,
                         const std::vector<BlindSpot>& blind_spots) {
  Recommendation rec;
  rec.blind_spots = blind_spots;
  AlertTally tally;
  for (const auto& a : alerts) {
    tally.Add(a.severity, a.state, a.acked, policy);
    if (a.acked && !policy.count_acknowledged) continue;
    const bool firing = a.state == AlertState::kFiring;
    const bool pending = a.state == AlertState::kPending && policy.count_pending;
    if (!firing && !pending) continue;
    const bool counts = (firing && a.severity >= policy.rollback_severity) ||
                        a.severity >= policy.investigate_severity;
    if (!counts) continue;
    RecommendationReason r;
    r.alert_id = a.id;
    r.rule = a.rule;
    r.description = a.description;
    r.severity = a.severity;
    r.state = a.state;
    r.labels = a.labels;
    r.since = firing ? a.fired_at.value_or(a.first_seen) : a.pending_since.value_or(a.first_seen);
    r.count = a.count;
    if (!a.evidence.empty()) {
      std::string_view t = a.evidence.back().text;
      r.evidence = std::string(t.substr(0, t.find('\n')));
    }
    rec.reasons.push_back(std::move(r));
  }
  rec.verdict = DecideVerdict(tally, policy, !blind_spots.empty());
  std::stable_sort(rec.reasons.begin(), rec.reasons.end(),
                   [](const RecommendationReason& a, const RecommendationReason& b) {
                     if (a.severity != b.severity) return a.severity > b.severity;
                     if (a.since != b.since) return a.since < b.since;
                     return a.alert_id < b.alert_id;
                   });
  if (rec.verdict == Verdict::kContinue) {
    rec.summary = "continue: no alert firing at or above " +
                  std::string(SeverityName(policy.investigate_severity));
  } else if (rec.verdict == Verdict::kUnknown) {
    rec.summary = "unknown: cannot judge, " + std::to_string(blind_spots.size()) + " blind spot" +
                  (blind_spots.size() == 1 ? "" : "s");
    for (size_t i = 0; i < blind_spots.size() && i < 3; ++i) {
      rec.summary +=
          (i == 0 ? " (" : ", ") + blind_spots[i].subject + ": " + blind_spots[i].description;
    }
    rec.summary += blind_spots.size() > 3 ? ", ...)" : ")";
  } else {
    size_t firing = 0;
    for (const auto& r : rec.reasons) firing += r.state == AlertState::kFiring;
    rec.summary = std::string(VerdictName(rec.verdict)) + ": " + std::to_string(firing) + " alert" +
                  (firing == 1 ? "" : "s") + " firing";
    for (size_t i = 0; i < rec.reasons.size() && i < 3; ++i) {
      const auto& r = rec.reasons[i];
      rec.summary += (i == 0 ? " (" : ", ") + std::string(SeverityName(r.severity)) + " " + r.rule +
                     " x" + std::to_string(r.count) + " since " + FormatRfc3339(r.since);
    }
    if (!rec.reasons.empty()) rec.summary += rec.reasons.size() > 3 ? ", ...)" : ")";
    if (!blind_spots.empty()) {
      rec.summary += "; and " + std::to_string(blind_spots.size()) + " blind spot" +
                     (blind_spots.size() == 1 ? "" : "s");
    }
  }
  return rec;
}

}  // namespace cg
