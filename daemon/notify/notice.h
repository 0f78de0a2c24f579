// What the event loop tells the notifier: alert transitions and recommendation changes.
// Plain values; copied into the notifier's queues.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"

namespace cg {

struct AlertNotice {
  std::string id;        // Stable alert id (rule + label set); unique among live alerts.
  std::string rule;      // Rule id; becomes Alertmanager's `alertname`.
  std::string severity;  // "critical" | "warning" | "info" (the rule's).
  std::string state;     // "firing" | "resolved".
  std::vector<std::pair<std::string, std::string>> labels;  // The rule's labels (+ captures).
  std::string summary;
  std::string description;
  std::string evidence;        // Excerpt: matching lines or sample values.
  std::string recommendation;  // continue | investigate | rollback, at the time of the notice.
  WallTime starts_at;
  std::optional<WallTime> ends_at;  // Resolution time; set when state == "resolved".
};

struct RecommendationNotice {
  std::string from;
  std::string to;
  std::vector<std::string> reasons;
  WallTime at;
};

}  // namespace cg
