#include "daemon/pipeline.h"

#include "rules/rule_loader.h"

namespace cg {

RuleContext ToRuleContext(const Config& config) {
  RuleContext ctx;
  for (const auto& l : config.logs) ctx.logs.push_back({l.name, l.source_as.value_or(l.format)});
  for (const auto& t : config.targets) ctx.targets.push_back(t.name);
  return ctx;
}

Result<std::shared_ptr<const RuleSet>, Diagnostics> BuildRuleSet(const Config& config) {
  auto specs = LoadRuleFiles(config.rule_paths);
  if (!specs.ok()) return specs.error();
  return CompileRules(std::move(specs).value(), ToRuleContext(config));
}

}  // namespace cg
