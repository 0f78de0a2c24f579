#include "daemon/reload_plan.h"

#include <algorithm>

namespace cg {
namespace {

const LogSpec* FindLog(const std::vector<LogSpec>& logs, const std::string& name) {
  auto it =
      std::find_if(logs.begin(), logs.end(), [&](const LogSpec& l) { return l.name == name; });
  return it == logs.end() ? nullptr : &*it;
}

}  // namespace

ReloadPlan PlanReload(const Config& running, const Config& next) {
  ReloadPlan plan;
  // Checkpoints live in state_dir: a tailer kept across a state_dir change would keep writing
  // to the old one.
  const bool same_state_dir = next.state_dir == running.state_dir;
  for (const LogSpec& l : next.logs) {
    const LogSpec* old = FindLog(running.logs, l.name);
    if (old == nullptr) {
      plan.logs.push_back(ReloadPlan::LogAction::kAdd);
    } else if (*old == l && same_state_dir) {
      plan.logs.push_back(ReloadPlan::LogAction::kKeep);
    } else {
      plan.logs.push_back(ReloadPlan::LogAction::kRestart);
    }
  }
  for (const LogSpec& l : running.logs) {
    if (FindLog(next.logs, l.name) == nullptr) plan.removed_logs.push_back(l.name);
  }
  plan.sampler = next.targets != running.targets || next.proc_root != running.proc_root ||
                 next.sample_interval != running.sample_interval || next.history != running.history;
  plan.notifier =
      next.alerting != running.alerting || next.instance != running.instance || !same_state_dir;
  plan.cutover = next.cutover.at != running.cutover.at;
  plan.baseline = next.baseline != running.baseline;
  plan.coverage = next.coverage.grace != running.coverage.grace;
  // The HTTP server is bound and its token read once, at start.
  if (next.listen != running.listen) plan.restart_only.push_back("listen");
  if (next.api != running.api) plan.restart_only.push_back("api");
  return plan;
}

}  // namespace cg
