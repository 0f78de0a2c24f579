#include "daemon/shrink_guard.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace cg {
namespace {

// Written before the handler is installed, read only by it.
char g_message[512];
size_t g_message_size = 0;
int g_exit_code = 1;

void OnShrunkInput(int) {
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, g_message, g_message_size);
  ::_exit(g_exit_code);
}

void Append(const char* s, size_t max) {
  const size_t n = std::min(std::strlen(s), max);
  std::memcpy(g_message + g_message_size, s, n);
  g_message_size += n;
}

}  // namespace

void InstallShrinkGuard(const char* command, const char* advice, int exit_code) {
  g_message_size = 0;
  Append(command, 200);
  Append(": an input file shrank while it was being read (truncated or rewritten); ", 100);
  Append(advice, 200);
  Append("\n", 1);
  g_exit_code = exit_code;
  struct sigaction sa {};
  sa.sa_handler = OnShrunkInput;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace cg
