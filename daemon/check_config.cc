#include <ostream>

#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/layout_check.h"
#include "daemon/notify/tls_loader.h"
#include "daemon/pipeline.h"
#include "daemon/preflight.h"
#include "daemon/rules_listing.h"
#include "rules/signatures/baseline.h"

namespace cg {
namespace {

std::string Count(size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

int CheckConfigCommand(const CheckConfigOptions& opts, std::ostream& out, std::ostream& err) {
  // Resolve the user first: a bad --as-user is a usage error, whatever the config says.
  UserIdentity user;
  if (opts.host_checks) {
    if (opts.as_user.empty()) {
      user = DefaultCheckUser();
    } else {
      auto u = LookupUser(opts.as_user);
      if (!u.ok()) {
        err << "check-config: --as-user: " << u.error().message() << "\n";
        return 2;
      }
      user = std::move(u).value();
    }
  }

  auto cfg = LoadConfigFile(opts.config);
  if (!cfg.ok()) {
    err << cfg.error().ToString();
    err << opts.config << ": " << Count(cfg.error().size(), "error") << "\n";
    return 1;
  }
  for (const auto& w : cfg->warnings.items()) err << "warning: " << w.ToString() << "\n";
  // The rule files are part of the config: load and compile them exactly as `run` does.
  bool failed = false;
  size_t rule_count = 0;
  auto rules = BuildRuleSet(*cfg);
  if (!rules.ok()) {
    err << rules.error().ToString();
    err << opts.config << ": " << Count(rules.error().size(), "error") << " in the rule files\n";
    failed = true;
  } else {
    for (const auto& w : (*rules)->warnings().items()) err << "warning: " << w.ToString() << "\n";
    rule_count = (*rules)->rules().size();
  }

  // What `run` needs besides valid text: at least one rule, and (unless told not to look) the
  // files and directories the config names, accessible to the daemon's user. Every problem is
  // listed, not just the first.
  Diagnostics problems, warnings;
  std::vector<std::string> layouts;  // What each log's file looks like (host checks only).
  if (rules.ok() && rule_count == 0) {
    auto at = cfg->positions.find("rule_files");
    problems.Add(cfg->source.string(), at == cfg->positions.end() ? 0 : at->second.line,
                 at == cfg->positions.end() ? 0 : at->second.column,
                 "rule_files: no rules loaded (" + Count(cfg->rule_paths.size(), "rule file") +
                     "); the daemon would watch nothing");
  }
  if (opts.host_checks) {
    RunPreflight(*cfg, PreflightOptions{.user = user}, &problems, &warnings);
    layouts = CheckLogLayouts(*cfg, &warnings);
    // The snapshot is read at startup: a bad one stops `run`, so it is a problem here too.
    if (!cfg->baseline.snapshot.empty()) {
      if (auto b = LoadBaseline(cfg->baseline.snapshot); !b.ok()) {
        auto at = cfg->positions.find("baseline.snapshot");
        problems.Add(cfg->source.string(), at == cfg->positions.end() ? 0 : at->second.line,
                     at == cfg->positions.end() ? 0 : at->second.column,
                     "baseline.snapshot: " + b.error().message());
      }
    }
    // An https receiver or a webhook secret needs the TLS module (`run` refuses to start
    // without it): the ExecStartPre check says so first.
    if (Status tls = CheckTlsModuleFor(cfg->alerting); !tls.ok()) {
      auto at = cfg->positions.find("alerting");
      problems.Add(cfg->source.string(), at == cfg->positions.end() ? 0 : at->second.line,
                   at == cfg->positions.end() ? 0 : at->second.column,
                   "alerting: " + tls.message());
    }
  }
  for (const auto& w : warnings.items()) err << "warning: " << w.ToString() << "\n";
  if (!problems.empty()) {
    err << problems.ToString();
    err << opts.config << ": " << Count(problems.size(), "problem") << " for `run`";
    if (opts.host_checks) err << " (host checked as user \"" << user.name << "\")";
    err << "\n";
    failed = true;
  }
  if (failed) return 1;
  out << opts.config << ": OK (" << cfg->targets.size() << " target(s), " << cfg->logs.size()
      << " log(s), " << cfg->rule_paths.size() << " rule file(s), " << rule_count << " rule(s))";
  if (opts.host_checks) out << ", host checked as user \"" << user.name << "\"";
  out << "\n";
  for (const auto& l : layouts) out << "  " << l << "\n";
  if (opts.print_rules) {
    if (Status st = PrintEffectiveRules(cfg->rule_paths, out); !st.ok()) {
      err << st.message();
      return 1;
    }
  }
  return 0;
}

}  // namespace cg
