// What the daemon tells its service manager: ready, watchdog pings, status, reloading,
// stopping. ServiceManager is the seam (App takes one; tests pass a recording one);
// SystemdNotifier::Instance() sends sd_notify(3) messages (READY=1, WATCHDOG=1, STATUS=...,
// RELOADING=1, STOPPING=1), a no-op outside systemd (NOTIFY_SOCKET unset).
//
// The protocol is implemented here rather than by linking libsystemd (which would map
// libsystemd, libgcrypt, liblzma, libzstd, liblz4 and libcap into the daemon for one
// sendmsg()): each message is one datagram to the AF_UNIX SOCK_DGRAM socket named by
// $NOTIFY_SOCKET (an absolute path, or "@name" for the abstract namespace), sent with
// MSG_NOSIGNAL from a fresh socket. Thread-safe (no shared state; the environment is only read).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cg {

class ServiceManager {
 public:
  virtual ~ServiceManager() = default;
  // Whether anyone listens (the daemon runs under Type=notify).
  virtual bool Enabled() const = 0;
  // The interval the manager expects watchdog pings within, if its watchdog is on for this
  // process; the daemon pings at half of it.
  virtual std::optional<std::chrono::microseconds> WatchdogInterval() const = 0;
  virtual void Ready() = 0;
  virtual void Watchdog() = 0;
  virtual void Reloading() = 0;
  virtual void Stopping() = 0;
  // One-line human status shown by `systemctl status`.
  virtual void Status(std::string_view status) = 0;
};

class SystemdNotifier final : public ServiceManager {
 public:
  static SystemdNotifier& Instance();
  bool Enabled() const override;  // NOTIFY_SOCKET is set (and not empty).
  // As sd_watchdog_enabled(3): $WATCHDOG_USEC, a positive decimal number of microseconds, when
  // $WATCHDOG_PID is absent or names this process. Garbage in either: no watchdog.
  std::optional<std::chrono::microseconds> WatchdogInterval() const override;
  void Ready() override;
  void Watchdog() override;
  void Reloading() override;
  void Stopping() override;
  void Status(std::string_view status) override;  // Newlines become spaces.
  // Raw message (for tests and rare states). Returns false when not delivered: no
  // NOTIFY_SOCKET, a socket name that is not "/..." or "@..." or does not fit sockaddr_un, or
  // a failed send.
  bool Send(std::string_view message) const;

 private:
  SystemdNotifier() = default;
};

}  // namespace cg
