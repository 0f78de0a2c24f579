// Rendering a ReplayResult: the JSON document of `replay --format json` and the text report.
//
// JSON (stable keys; times RFC 3339 UTC):
//   {recommendation, summary, since, reasons[], alerts[], timeline[], records, lines, bytes,
//    records_before_cutover, cutover_at, first_record, last_record, files[], rule_matches[]}
// alerts[] / reasons[] / timeline[] use the shapes of rules/json.h; rule_matches[] lists the
// rules that matched anything ({id, severity, matches, suppressed, overflow}).
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "rules/replay.h"

namespace cg {

nlohmann::json ReplayJson(const ReplayResult& r, std::optional<WallTime> cutover_at);

// Human-readable: the timeline, the alerts with their evidence, the recommendation and why.
std::string ReplayText(const ReplayResult& r, std::optional<WallTime> cutover_at);

}  // namespace cg
