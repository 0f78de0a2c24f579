#include <ostream>

#include "daemon/app.h"
#include "daemon/commands.h"
#include "daemon/log.h"

namespace cg {

int RunCommand(const RunOptions& opts, std::ostream&, std::ostream& err) {
  AppOptions ao;
  ao.config_path = opts.config;
  ao.proc_root_override = opts.proc_root;
  auto app = App::Create(std::move(ao));
  if (!app.ok()) {
    // Startup is where problems are fatal: list all of them, then exit non-zero.
    err << app.error().ToString();
    err << "cutover-guard: not started (" << app.error().size() << " problem"
        << (app.error().size() == 1 ? "" : "s") << ")\n";
    return 1;
  }
  return (*app)->Run();
}

}  // namespace cg
