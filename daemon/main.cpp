// cutover-guard entry point: deliberately thin; everything lives in the cg_daemon library.
#include <csignal>
#include <iostream>

#include "daemon/cli.h"

int main(int argc, char** argv) {
  // Writes to a closed socket must fail with EPIPE, not kill the daemon (cpp-httplib also
  // sets this, but we do not rely on a library's side effect).
  std::signal(SIGPIPE, SIG_IGN);
  return cg::RunCli(argc, argv, std::cout, std::cerr);
}
