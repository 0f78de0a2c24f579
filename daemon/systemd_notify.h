// sd_notify(3) messages to the service manager: READY=1, WATCHDOG=1, STATUS=..., RELOADING=1,
// STOPPING=1. A no-op outside systemd (NOTIFY_SOCKET unset). Thread-safe (libsystemd opens a
// fresh socket per call).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cg {

class SystemdNotifier {
 public:
  // Whether NOTIFY_SOCKET is set (the daemon runs under Type=notify).
  static bool Enabled();
  // The watchdog interval systemd expects pings within (WatchdogSec), if the watchdog is on
  // for this process; the daemon pings at half of it.
  static std::optional<std::chrono::microseconds> WatchdogInterval();

  static void Ready();
  static void Watchdog();
  static void Reloading();
  static void Stopping();
  // One-line human status shown by `systemctl status`.
  static void Status(std::string_view status);
  // Raw message (for tests and rare states). Returns false when not delivered.
  static bool Send(std::string_view message);
};

}  // namespace cg
