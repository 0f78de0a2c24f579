// The command line: `cutover-guard {run,check-config,init,replay,signatures,baseline,status,ack,
// cutover,reload,version}`.
//
// RunCli() parses argv, dispatches, and returns the process exit code. Output goes to the
// given streams so tests can capture it. Exit codes: 0 ok, 1 invalid input (check-config),
// 2 usage error, 3 not available / internal error (replay uses 0-3 per the Nagios convention).
#pragma once

#include <iosfwd>

namespace cg {

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace cg
