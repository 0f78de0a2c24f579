// JSON views of the collectors' summaries for GET /api/v1/status. Times are RFC 3339 UTC;
// "not available" is null, never 0. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "collectors/logs/log_spec.h"
#include "collectors/proc/summary.h"

namespace cg {

nlohmann::json ToJson(const HostSummary& host);
nlohmann::json ToJson(const TargetSummary& target);
nlohmann::json ToJson(const LogStatus& log);

}  // namespace cg
