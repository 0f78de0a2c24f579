#include "daemon/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <string>

namespace cg {

SystemdNotifier& SystemdNotifier::Instance() {
  static SystemdNotifier* notifier = new SystemdNotifier();  // Never destroyed.
  return *notifier;
}

bool SystemdNotifier::Enabled() const { return std::getenv("NOTIFY_SOCKET") != nullptr; }

std::optional<std::chrono::microseconds> SystemdNotifier::WatchdogInterval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0 && usec > 0) {
    return std::chrono::microseconds(usec);
  }
  return std::nullopt;
}

bool SystemdNotifier::Send(std::string_view message) const {
  if (!Enabled()) return false;
  std::string m(message);
  return sd_notify(/*unset_environment=*/0, m.c_str()) > 0;
}

void SystemdNotifier::Ready() { Send("READY=1"); }
void SystemdNotifier::Watchdog() { Send("WATCHDOG=1"); }
void SystemdNotifier::Stopping() { Send("STOPPING=1"); }
void SystemdNotifier::Reloading() {
  // systemd >= 253 wants MONOTONIC_USEC with RELOADING=1 for Type=notify-reload; harmless before.
  Send("RELOADING=1");
}
void SystemdNotifier::Status(std::string_view status) {
  std::string m = "STATUS=";
  for (char c : status) m += (c == '\n' ? ' ' : c);
  Send(m);
}

}  // namespace cg
