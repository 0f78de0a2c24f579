// What the daemon loop publishes to the HTTP side, as typed values, and its one rendering into
// the JSON documents the API serves (ApiSnapshot, daemon/http/api_backend.h).
//
// The loop fills a StatusSnapshot from its parts every evaluation tick; RenderApiSnapshot()
// turns it into GET /api/v1/status, /alerts and /rules bodies. The field list of those
// documents is in README "HTTP API"; this file is the only place that writes them. Pure
// values and a pure function: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/logs/log_spec.h"
#include "collectors/proc/summary.h"
#include "daemon/coverage.h"
#include "daemon/http/api_backend.h"
#include "daemon/notify/notifier.h"
#include "rules/alert.h"
#include "rules/engine.h"
#include "rules/recommendation.h"

namespace cg {

// status.daemon: the process itself.
struct DaemonStatus {
  std::string version;
  std::string instance;     // Alertmanager `instance` label.
  std::string config_path;  // As given on the command line.
  WallTime started_at{};
  std::chrono::milliseconds uptime{0};  // On the monotonic clock.
  bool ready = false;                   // Every log was opened once and a sample was taken.
  uint64_t records = 0;                 // Records the engine has seen this run.
  uint64_t rules = 0;                   // Rules loaded.
  uint64_t reloads_ok = 0;
  uint64_t reloads_failed = 0;
  std::string last_reload_error;  // "" after a successful reload or none.
};

struct StatusSnapshot {
  WallTime now{};  // When it was taken (wall clock).
  Recommendation recommendation;
  std::vector<Alert> alerts;      // Pending, firing and resolved (bounded by the engine).
  std::vector<RuleStatus> rules;  // Every loaded rule.
  // Change detectors: where the baseline comes from (source empty: no change detector is
  // loaded) and the signatures seen since the cutover (at most kApiSignatures: new and
  // regressed first, then by count).
  BaselineStatus baseline;
  // The GET /api/v1/signatures document (RenderSignatures), shared between snapshots.
  std::shared_ptr<const nlohmann::json> signatures;
  std::optional<WallTime> cutover_at;
  std::chrono::milliseconds warmup{0};
  HostSummary host;
  std::vector<TargetSummary> targets;
  std::vector<LogStatus> logs;
  NotifierStatus notifications;
  Coverage coverage;
  DaemonStatus daemon;
  std::shared_ptr<const HistorySnapshot> samples;  // Sample history for GET /api/v1/samples.
  MonoTime heartbeat{};                            // The loop's monotonic time when taken.
};

inline constexpr size_t kApiSignatures = 1000;

// The GET /api/v1/signatures document: {"baseline": ..., "signatures": [...]} with at most
// kApiSignatures signatures, new and regressed first, then the busiest.
std::shared_ptr<const nlohmann::json> RenderSignatures(const BaselineStatus& baseline,
                                                       std::vector<SignatureReport> signatures);

// Renders every JSON document of the snapshot. Never fails; the result is immutable once
// published.
std::shared_ptr<ApiSnapshot> RenderApiSnapshot(const StatusSnapshot& s);

}  // namespace cg
