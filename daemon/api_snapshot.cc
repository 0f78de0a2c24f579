#include "daemon/api_snapshot.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "base/units.h"
#include "daemon/status_json.h"
#include "rules/json.h"

namespace cg {
namespace {

using nlohmann::json;

double Seconds(std::chrono::duration<double> d) { return d.count(); }

json AlertCounts(const std::vector<Alert>& alerts) {
  std::map<std::string, uint64_t> firing_by_severity = {
      {"info", 0}, {"warning", 0}, {"critical", 0}};
  uint64_t firing = 0, pending = 0;
  for (const Alert& a : alerts) {
    if (a.state == AlertState::kFiring) {
      ++firing;
      ++firing_by_severity[std::string(SeverityName(a.severity))];
    } else if (a.state == AlertState::kPending) {
      ++pending;
    }
  }
  return {{"firing", firing}, {"pending", pending}, {"firing_by_severity", firing_by_severity}};
}

json CutoverJson(const StatusSnapshot& s) {
  const auto& at = s.cutover_at;
  return {{"at", at ? json(FormatRfc3339(*at)) : json(nullptr)},
          {"since_seconds", at ? json(Seconds(s.now - *at)) : json(nullptr)},
          {"warmup_seconds", Seconds(s.warmup)}};
}

json CoverageJson(const StatusSnapshot& s) {
  json coverage = ToJson(s.coverage);
  // The verdict's own list (it includes what the engine adds, e.g. "no rule is loaded").
  json blind = json::array();
  for (const auto& b : s.recommendation.blind_spots) {
    blind.push_back({{"subject", b.subject},
                     {"description", b.description},
                     {"since", FormatRfc3339(b.since)}});
  }
  coverage["blind_spots"] = std::move(blind);
  return coverage;
}

json DaemonJson(const DaemonStatus& d) {
  return {{"version", d.version},
          {"instance", d.instance},
          {"config", d.config_path},
          {"started_at", FormatRfc3339(d.started_at)},
          {"uptime_seconds", Seconds(d.uptime)},
          {"ready", d.ready},
          {"records", d.records},
          {"rules", d.rules},
          {"reloads", {{"success", d.reloads_ok}, {"failure", d.reloads_failed}}},
          {"last_reload_error", d.last_reload_error}};
}

template <typename T>
json ArrayOf(const std::vector<T>& items) {
  json out = json::array();
  for (const auto& item : items) out.push_back(ToJson(item));
  return out;
}

}  // namespace

std::shared_ptr<const nlohmann::json> RenderSignatures(const BaselineStatus& baseline,
                                                       std::vector<SignatureReport> signatures) {
  // New and regressed first (what an operator asks for), then the busiest.
  std::stable_partition(signatures.begin(), signatures.end(), [](const SignatureReport& r) {
    return r.state == SignatureState::kNew || r.state == SignatureState::kRegressed;
  });
  if (signatures.size() > kApiSignatures) signatures.resize(kApiSignatures);
  return std::make_shared<const json>(
      json{{"baseline", ToJson(baseline)}, {"signatures", ArrayOf(signatures)}});
}

std::shared_ptr<ApiSnapshot> RenderApiSnapshot(const StatusSnapshot& s) {
  auto snap = std::make_shared<ApiSnapshot>();
  json status = ToJson(s.recommendation);
  status["alerts"] = AlertCounts(s.alerts);
  status["cutover"] = CutoverJson(s);
  status["host"] = ToJson(s.host);
  status["targets"] = ArrayOf(s.targets);
  status["logs"] = ArrayOf(s.logs);
  status["notifications"] = ToJson(s.notifications);
  status["coverage"] = CoverageJson(s);
  status["daemon"] = DaemonJson(s.daemon);
  status["baseline"] = ToJson(s.baseline);
  snap->status = std::move(status);
  snap->signatures = s.signatures;
  snap->alerts = ArrayOf(s.alerts);
  snap->rules = ArrayOf(s.rules);
  snap->samples = s.samples;
  snap->ready = s.daemon.ready;
  snap->loop_heartbeat = s.heartbeat;
  return snap;
}

}  // namespace cg
