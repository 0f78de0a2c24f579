#include <ostream>

#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/pipeline.h"

namespace cg {

int CheckConfigCommand(const CheckConfigOptions& opts, std::ostream& out, std::ostream& err) {
  auto cfg = LoadConfigFile(opts.config);
  if (!cfg.ok()) {
    err << cfg.error().ToString();
    err << opts.config << ": " << cfg.error().size() << " error"
        << (cfg.error().size() == 1 ? "" : "s") << "\n";
    return 1;
  }
  for (const auto& w : cfg->warnings.items()) err << "warning: " << w.ToString() << "\n";
  // The rule files are part of the config: load and compile them exactly as `run` does.
  auto rules = BuildRuleSet(*cfg);
  if (!rules.ok()) {
    err << rules.error().ToString();
    err << opts.config << ": " << rules.error().size() << " error"
        << (rules.error().size() == 1 ? "" : "s") << " in the rule files\n";
    return 1;
  }
  for (const auto& w : (*rules)->warnings().items()) err << "warning: " << w.ToString() << "\n";
  out << opts.config << ": OK (" << cfg->targets.size() << " target(s), " << cfg->logs.size()
      << " log(s), " << cfg->rule_paths.size() << " rule file(s), " << (*rules)->rules().size()
      << " rule(s))\n";
  return 0;
}

}  // namespace cg
