// How the daemon's state reads to people outside it: the notices sent to Alertmanager and
// webhooks (daemon/notify/notice.h), and the one-line systemd status. Pure functions of the
// engine's values; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "collectors/logs/log_spec.h"
#include "daemon/notify/notice.h"
#include "rules/alert.h"
#include "rules/recommendation.h"

namespace cg {

// An alert for the people paged by it: the rule's description, the runbook, the match count
// and the first KiB of the most recent evidence. `state` is "firing" or "resolved"; `verdict`
// the recommendation at the time.
AlertNotice ToNotice(const Alert& a, std::string_view state, std::string_view verdict);

// A change of recommendation with its reasons: each alert reason, then each blind spot.
RecommendationNotice ToRecommendationNotice(const AlertEvent& change, const Recommendation& now);

// "recommendation rollback (2 reason(s)); tailing 3 file(s), lag 1.5 KiB" (`systemctl status`).
std::string SystemdStatusLine(const Recommendation& rec, const std::vector<LogStatus>& logs);

// "812 B", "1.5 KiB", "3.0 MiB", "2.0 GiB".
std::string FormatBytes(uint64_t bytes);

}  // namespace cg
