// What a reload (SIGHUP or POST /api/v1/reload) changes, decided from the running and the next
// configuration alone: which parts are rebuilt, which logs keep their tailer, and which
// settings only a restart applies. Pure; thread-safe.
//
// The daemon builds everything the plan asks for before it swaps anything (the commit point),
// so a part that cannot be built fails the reload with the running configuration untouched.
#pragma once

#include <string>
#include <vector>

#include "daemon/config.h"

namespace cg {

struct ReloadPlan {
  enum class LogAction {
    kKeep,     // Same spec and state_dir: the running tailer stays (open files, offsets).
    kRestart,  // Changed: a new tailer resumes from the running one's checkpoint.
    kAdd,      // New name: a new tailer (its own checkpoint if an earlier run left one).
  };
  std::vector<LogAction> logs;            // One per next.logs entry, in the same order.
  std::vector<std::string> removed_logs;  // Names in the running config only.
  bool sampler = false;                   // targets, proc_root, sample_interval or history changed.
  bool notifier = false;  // alerting, instance or state_dir changed (receivers, spool, label).
  bool cutover = false;   // cutover.at changed.
  bool baseline = false;  // baseline.snapshot changed (the new one is read).
  bool coverage = false;  // coverage.grace changed.
  // Settings the reload leaves as they are until the next restart ("listen", "api").
  std::vector<std::string> restart_only;

  bool operator==(const ReloadPlan&) const = default;
};

ReloadPlan PlanReload(const Config& running, const Config& next);

}  // namespace cg
