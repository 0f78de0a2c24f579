// JSON views of the collectors' summaries for GET /api/v1/status. Times are RFC 3339 UTC;
// "not available" is null, never 0. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "collectors/logs/log_spec.h"
#include "collectors/proc/summary.h"
#include "daemon/coverage.h"

namespace cg {

nlohmann::json ToJson(const HostSummary& host);
nlohmann::json ToJson(const TargetSummary& target);
nlohmann::json ToJson(const LogStatus& log);
//   {rules, rule_files[]: {path, rules}, host: {seen, problem},
//    logs[]: {name, path, format, seen, problem, problem_since, files, lines, recognised_lines,
//             records, last_record_at},
//    targets[]: {name, seen, problem, problem_since},
//    blind_spots[]: {subject, description, since}}
nlohmann::json ToJson(const Coverage& coverage);

}  // namespace cg
