// One function per subcommand; each returns the process exit code and writes to out/err.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cg {

struct CheckConfigOptions {
  std::string config;
};
struct RunOptions {
  std::string config;
  std::string proc_root;  // Overrides config proc_root when set.
};
struct ReplayOptions {
  std::string config;
  std::string log_format;
  std::string cutover_at;
  std::string output_format = "text";
  std::vector<std::string> files;
};

int CheckConfigCommand(const CheckConfigOptions& opts, std::ostream& out, std::ostream& err);
int RunCommand(const RunOptions& opts, std::ostream& out, std::ostream& err);
int ReplayCommand(const ReplayOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace cg
