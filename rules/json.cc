#include "rules/json.h"

#include "base/units.h"

namespace cg {
namespace {

using nlohmann::json;

json Time(WallTime t) { return FormatRfc3339(t); }
json Time(const std::optional<WallTime>& t) { return t ? Time(*t) : json(); }

json LabelsJson(const Labels& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

}  // namespace

json ToJson(const Evidence& e) {
  return json{{"log", e.log},
              {"file", e.file},
              {"offset", e.offset},
              {"time", Time(e.time)},
              {"level", LevelName(e.level)},
              {"text", e.text},
              {"lines", e.lines},
              {"truncated", e.truncated}};
}

json ToJson(const Alert& a) {
  json evidence = json::array();
  for (const auto& e : a.evidence) evidence.push_back(ToJson(e));
  return json{{"id", a.id},
              {"rule", a.rule},
              {"description", a.description},
              {"runbook", a.runbook},
              {"severity", SeverityName(a.severity)},
              {"kind", RuleKindName(a.kind)},
              {"state", AlertStateName(a.state)},
              {"labels", LabelsJson(a.labels)},
              {"first_seen", Time(a.first_seen)},
              {"last_seen", Time(a.last_seen)},
              {"pending_since", Time(a.pending_since)},
              {"fired_at", Time(a.fired_at)},
              {"resolved_at", Time(a.resolved_at)},
              {"count", a.count},
              {"window_count", a.window_count},
              {"value", a.value ? json(*a.value) : json()},
              {"acked", a.acked},
              {"acked_at", Time(a.acked_at)},
              {"ack_comment", a.ack_comment},
              {"detail", a.detail},
              {"evidence", evidence}};
}

json ToJson(const Recommendation& r) {
  json reasons = json::array();
  for (const auto& x : r.reasons) {
    reasons.push_back(json{{"kind", "alert"},
                           {"alert_id", x.alert_id},
                           {"rule", x.rule},
                           {"description", x.description},
                           {"severity", SeverityName(x.severity)},
                           {"state", AlertStateName(x.state)},
                           {"labels", LabelsJson(x.labels)},
                           {"since", Time(x.since)},
                           {"count", x.count},
                           {"evidence", x.evidence}});
  }
  for (const auto& b : r.blind_spots) {
    reasons.push_back(json{{"kind", "coverage"},
                           {"subject", b.subject},
                           {"description", b.description},
                           {"since", Time(b.since)}});
  }
  return json{{"recommendation", VerdictName(r.verdict)},
              {"summary", r.summary},
              {"since", Time(r.since)},
              {"reasons", reasons}};
}

json ToJson(const RuleStatus& s) {
  return json{{"id", s.id},
              {"description", s.description},
              {"severity", SeverityName(s.severity)},
              {"kind", RuleKindName(s.kind)},
              {"source", s.source},
              {"matches", s.matches},
              {"suppressed", s.suppressed},
              {"overflow", s.overflow},
              {"window_count", s.window_count},
              {"alerts", s.alerts},
              {"state", AlertStateName(s.state)}};
}

json ToJson(const SignatureReport& s) {
  return json{{"id", s.id},
              {"log", s.log},
              {"level", LevelName(s.level)},
              {"logger", s.logger},
              {"template", s.template_text},
              {"state", SignatureStateName(s.state)},
              {"count", s.count},
              {"baseline_count", s.baseline_count},
              {"rate_per_hour", s.rate_per_hour},
              {"baseline_rate_per_hour", s.baseline_rate_per_hour},
              {"ratio", s.ratio},
              {"p_value", s.p_value},
              {"covered", s.covered},
              {"first_seen", Time(s.first_seen)},
              {"last_seen", Time(s.last_seen)},
              {"example", s.example}};
}

json ToJson(const BaselineStatus& b) {
  return json{{"source", b.source},
              {"signatures", b.signatures},
              {"learned_from", b.sources},
              {"logs", b.logs}};
}

json ToJson(const ChangeSummary& c) {
  json fresh = json::array();
  for (const auto& s : c.fresh) fresh.push_back(ToJson(s));
  json regressed = json::array();
  for (const auto& s : c.regressed) regressed.push_back(ToJson(s));
  json unjudged = json::array();
  for (const auto& s : c.unjudged_top) unjudged.push_back(ToJson(s));
  return json{{"baseline", ToJson(c.baseline)}, {"known", c.known},
              {"unjudged", c.unjudged},         {"new", fresh},
              {"regressed", regressed},         {"unjudged_top", unjudged}};
}

json ToJson(const AlertEvent& e) {
  json out{{"kind", AlertEventKindName(e.kind)}, {"at", Time(e.at)}};
  if (e.kind == AlertEvent::Kind::kRecommendationChanged) {
    out["recommendation"] = e.recommendation;
    out["previous"] = e.previous;
  } else {
    out["alert"] = ToJson(e.alert);
  }
  return out;
}

}  // namespace cg
