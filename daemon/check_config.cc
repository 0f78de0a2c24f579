#include <ostream>

#include "daemon/commands.h"
#include "daemon/config.h"

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
  out << opts.config << ": OK (" << cfg->targets.size() << " target(s), " << cfg->logs.size()
      << " log(s), " << cfg->rule_paths.size() << " rule file(s))\n";
  return 0;
}

}  // namespace cg
