#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cg {
namespace {

// A whole decimal number, nothing else (no sign, no spaces), as systemd writes these variables.
template <typename T>
std::optional<T> ParseDecimal(const char* text) {
  if (text == nullptr) return std::nullopt;
  const std::string_view s(text);
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || s.front() == '-' || ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

// Closes a descriptor on scope exit.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

SystemdNotifier& SystemdNotifier::Instance() {
  static SystemdNotifier* notifier = new SystemdNotifier();  // Never destroyed.
  return *notifier;
}

bool SystemdNotifier::Enabled() const {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket != nullptr && socket[0] != '\0';
}

std::optional<std::chrono::microseconds> SystemdNotifier::WatchdogInterval() const {
  const auto usec = ParseDecimal<uint64_t>(std::getenv("WATCHDOG_USEC"));
  // libsystemd refuses 0 and USEC_INFINITY; anything that does not fit a signed count of
  // microseconds is as meaningless.
  if (!usec || *usec == 0 || *usec > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  if (const char* pid_text = std::getenv("WATCHDOG_PID"); pid_text != nullptr) {
    const auto pid = ParseDecimal<int64_t>(pid_text);
    // Set by the manager for the main process; a forked child inherits the environment and
    // must not ping on its behalf.
    if (!pid || *pid <= 0 || *pid != static_cast<int64_t>(::getpid())) return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<int64_t>(*usec));
}

bool SystemdNotifier::Send(std::string_view message) const {
  const char* name = std::getenv("NOTIFY_SOCKET");
  if (name == nullptr || name[0] == '\0') return false;
  const size_t length = std::strlen(name);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  socklen_t addr_len = 0;
  if (name[0] == '/') {
    // A path: it and its terminating NUL must fit.
    if (length >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, name, length + 1);
    addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length + 1);
  } else if (name[0] == '@') {
    // The abstract namespace: a leading NUL instead of '@', no terminator, the length counts.
    if (length > sizeof addr.sun_path || length < 2) return false;
    addr.sun_path[0] = '\0';
    std::memcpy(addr.sun_path + 1, name + 1, length - 1);
    addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  } else {
    return false;  // Neither form systemd hands out (vsock: is not used for services).
  }
  ScopedFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return false;
  ssize_t sent;
  do {
    // MSG_DONTWAIT: with PID 1's queue full, a message is lost, the event loop never waits.
    sent = ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                    reinterpret_cast<const sockaddr*>(&addr), addr_len);
  } while (sent < 0 && errno == EINTR);
  return sent >= 0 && static_cast<size_t>(sent) == message.size();
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
