// Turns a validated Config into what the rule engine takes: a RuleContext and a compiled
// RuleSet (the collectors take the config's LogSpecs and TargetSpecs as they are). Shared by
// `run` (start and reload) and `check-config`, so both accept exactly the same inputs. Pure
// functions (plus reading rule files); thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "base/diagnostics.h"
#include "base/status.h"
#include "daemon/config.h"
#include "rules/rule_set.h"

namespace cg {

RuleContext ToRuleContext(const Config& config);

// Loads every rule file the config names and compiles them against the config's logs and
// targets. All problems come back as positioned diagnostics.
Result<std::shared_ptr<const RuleSet>, Diagnostics> BuildRuleSet(const Config& config);

}  // namespace cg
