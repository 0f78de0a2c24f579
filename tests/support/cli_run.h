// Runs the command line in-process (RunCli) and keeps its exit code and output, for the CLI
// tests of every area.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "daemon/cli.h"

namespace cg::testing {

struct CliRun {
  int code;
  std::string out, err;
};

// `args` without the program name.
inline CliRun RunCliWith(std::vector<std::string> args) {
  args.insert(args.begin(), "cutover-guard");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

}  // namespace cg::testing
