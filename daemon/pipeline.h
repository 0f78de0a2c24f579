// Turns a validated Config into what the collectors and the rule engine take: LogSpecs,
// TargetSpecs, and a compiled RuleSet. Shared by `run` (start and reload) and `check-config`,
// so both accept exactly the same inputs. Pure functions (plus reading rule files); thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "base/diagnostics.h"
#include "base/status.h"
#include "collectors/logs/log_spec.h"
#include "collectors/proc/sampler.h"
#include "daemon/config.h"
#include "rules/rule_set.h"

namespace cg {

LogSpec ToLogSpec(const LogConfig& log);
TargetSpec ToTargetSpec(const TargetConfig& target);
RuleContext ToRuleContext(const Config& config);

// Loads every rule file the config names and compiles them against the config's logs and
// targets. All problems come back as positioned diagnostics.
Result<std::shared_ptr<const RuleSet>, Diagnostics> BuildRuleSet(const Config& config);

}  // namespace cg
