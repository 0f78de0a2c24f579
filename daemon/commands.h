// One function per subcommand; each returns the process exit code and writes to out/err.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cg {

struct CheckConfigOptions {
  std::string config;
  // Check the files, directories and token on this host as this user (default: "cutover-guard"
  // when running as root and that user exists, else the current user).
  std::string as_user;
  // false: only the config and the rules (e.g. in CI, or for another machine's config).
  bool host_checks = true;
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
