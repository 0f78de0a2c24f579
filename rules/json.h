// JSON views of the engine's value types, shared by `replay --format json` and the HTTP API so
// both speak the same shapes. Times are RFC 3339 UTC strings with milliseconds; absent times
// are null. Pure functions; thread-safe.
//
//   Alert:          {id, rule, description, runbook, severity, kind, state, labels{},
//                    first_seen, last_seen, pending_since, fired_at, resolved_at, count,
//                    window_count, value, acked, acked_at, ack_comment ("" = none),
//                    evidence[]: {log, file, offset, time, level, text, lines, truncated}}
//   Recommendation: {recommendation, summary, since,
//                    reasons[]: {kind: "alert", alert_id, rule, description, severity, state,
//                                labels{}, since, count, evidence}
//                             | {kind: "coverage", subject, description, since}}
//   RuleStatus:     {id, description, severity, kind, source, matches, suppressed, overflow,
//                    window_count, alerts, state}
//   AlertEvent:     {kind, at, alert | {recommendation, previous}}
#pragma once

#include <nlohmann/json.hpp>

#include "rules/alert.h"
#include "rules/engine.h"
#include "rules/recommendation.h"

namespace cg {

nlohmann::json ToJson(const Evidence& e);
nlohmann::json ToJson(const Alert& a);
nlohmann::json ToJson(const Recommendation& r);
nlohmann::json ToJson(const RuleStatus& s);
nlohmann::json ToJson(const AlertEvent& e);
nlohmann::json ToJson(const SignatureReport& s);
nlohmann::json ToJson(const BaselineStatus& b);
nlohmann::json ToJson(const ChangeSummary& c);

}  // namespace cg
