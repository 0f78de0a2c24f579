#include "daemon/pipeline.h"

#include "rules/rule_loader.h"

namespace cg {

LogSpec ToLogSpec(const LogConfig& log) {
  LogSpec s;
  s.name = log.name;
  s.path = log.path;
  s.format = log.format;
  s.entry_start = log.entry_start;
  s.start_at = log.start_at;
  s.timezone = log.timezone;
  s.exclude = log.exclude;
  s.max_line = log.max_line;
  s.poll_interval = log.poll_interval;
  s.flush_timeout = log.flush_timeout;
  return s;
}

TargetSpec ToTargetSpec(const TargetConfig& target) {
  TargetSpec t;
  t.name = target.name;
  t.pidfile = target.pidfile;
  t.cmdline = target.cmdline;
  return t;
}

RuleContext ToRuleContext(const Config& config) {
  RuleContext ctx;
  for (const auto& l : config.logs) ctx.logs.push_back({l.name, l.format});
  for (const auto& t : config.targets) ctx.targets.push_back(t.name);
  return ctx;
}

Result<std::shared_ptr<const RuleSet>, Diagnostics> BuildRuleSet(const Config& config) {
  auto specs = LoadRuleFiles(config.rule_paths);
  if (!specs.ok()) return specs.error();
  return CompileRules(std::move(specs).value(), ToRuleContext(config));
}

}  // namespace cg
