// SystemdNotifier speaks the sd_notify protocol itself (no libsystemd): these tests are the
// service manager's side, a real AF_UNIX datagram socket named by NOTIFY_SOCKET.
#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "tests/support/temp_dir.h"

namespace cg {
namespace {

// A NOTIFY_SOCKET the test owns: a bound AF_UNIX datagram socket, in a temp dir or (abstract)
// under a random "@" name. Restores the environment on destruction.
class FakeServiceManager {
 public:
  enum class Namespace { kPath, kAbstract };
  explicit FakeServiceManager(Namespace ns = Namespace::kPath) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socklen_t len = sizeof addr;
    if (ns == Namespace::kPath) {
      name_ = (dir_ / "notify.sock").string();
      std::strncpy(addr.sun_path, name_.c_str(), sizeof addr.sun_path - 1);
    } else {
      std::random_device rd;
      const std::string abstract =
          "cg-test-notify-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
      name_ = "@" + abstract;
      addr.sun_path[0] = '\0';
      std::memcpy(addr.sun_path + 1, abstract.data(), abstract.size());
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract.size());
    }
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    timeval tv{2, 0};  // Bounded wait: a missing message fails the test instead of hanging.
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setenv("NOTIFY_SOCKET", name_.c_str(), 1);
  }
  ~FakeServiceManager() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    ::close(fd_);
  }
  FakeServiceManager(const FakeServiceManager&) = delete;
  FakeServiceManager& operator=(const FakeServiceManager&) = delete;

  std::string Receive() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  // True when no datagram is waiting.
  bool Empty() {
    char buf[16];
    return ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) < 0;
  }
  const std::string& name() const { return name_; }

 private:
  testing::TempDir dir_;
  std::string name_;
  int fd_ = -1;
};

std::optional<std::chrono::microseconds> SdWatchdogWith(const char* usec, const char* pid) {
  if (usec == nullptr) {
    ::unsetenv("WATCHDOG_USEC");
  } else {
    ::setenv("WATCHDOG_USEC", usec, 1);
  }
  if (pid == nullptr) {
    ::unsetenv("WATCHDOG_PID");
  } else {
    ::setenv("WATCHDOG_PID", pid, 1);
  }
  auto interval = SystemdNotifier::Instance().WatchdogInterval();
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  return interval;
}

}  // namespace

TEST_CASE("notify messages reach the NOTIFY_SOCKET in order", "[daemon][systemd]") {
  FakeServiceManager manager;
  REQUIRE(SystemdNotifier::Instance().Enabled());
  SystemdNotifier::Instance().Ready();
  SystemdNotifier::Instance().Status("tailing 3 files\nlag 0 B");
  SystemdNotifier::Instance().Watchdog();
  SystemdNotifier::Instance().Reloading();
  SystemdNotifier::Instance().Stopping();
  CHECK(manager.Receive() == "READY=1");
  CHECK(manager.Receive() == "STATUS=tailing 3 files lag 0 B");
  CHECK(manager.Receive() == "WATCHDOG=1");
  CHECK(manager.Receive() == "RELOADING=1");
  CHECK(manager.Receive() == "STOPPING=1");
  CHECK(manager.Empty());
}

TEST_CASE("an @ NOTIFY_SOCKET is a socket in the abstract namespace", "[daemon][systemd]") {
  FakeServiceManager manager(FakeServiceManager::Namespace::kAbstract);
  REQUIRE(manager.name().front() == '@');
  CHECK(SystemdNotifier::Instance().Send("READY=1"));
  SystemdNotifier::Instance().Status("line one\nline two\n");
  SystemdNotifier::Instance().Watchdog();
  CHECK(manager.Receive() == "READY=1");
  CHECK(manager.Receive() == "STATUS=line one line two ");
  CHECK(manager.Receive() == "WATCHDOG=1");
}

TEST_CASE("a raw message is one datagram, delivered byte for byte", "[daemon][systemd]") {
  FakeServiceManager manager;
  const std::string message = "STATUS=a\nMAINPID=" + std::to_string(::getpid()) + "\nREADY=1";
  CHECK(SystemdNotifier::Instance().Send(message));
  CHECK(manager.Receive() == message);
  CHECK(manager.Empty());
}

TEST_CASE("the watchdog interval comes from WATCHDOG_USEC for this pid", "[daemon][systemd]") {
  const std::string self = std::to_string(::getpid());
  CHECK(SdWatchdogWith("30000000", self.c_str()) == std::chrono::seconds(30));
  // Without WATCHDOG_PID the variable is for whoever reads it.
  CHECK(SdWatchdogWith("400000", nullptr) == std::chrono::milliseconds(400));
  // Meant for another process (a parent that exported it): not ours to ping.
  CHECK_FALSE(SdWatchdogWith("30000000", "1").has_value());
  CHECK_FALSE(SdWatchdogWith(nullptr, self.c_str()).has_value());
}

TEST_CASE("garbage in WATCHDOG_USEC or WATCHDOG_PID means no watchdog", "[daemon][systemd]") {
  const std::string self = std::to_string(::getpid());
  for (const char* usec : {"", "0", "-5", "30s", " 30", "30 ", "0x10", "abc",
                           "18446744073709551616", "18446744073709551615"}) {
    INFO("WATCHDOG_USEC=\"" << usec << "\"");
    CHECK_FALSE(SdWatchdogWith(usec, self.c_str()).has_value());
  }
  for (const char* pid : {"", "0", "-1", "abc", "12x", " 1"}) {
    INFO("WATCHDOG_PID=\"" << pid << "\"");
    CHECK_FALSE(SdWatchdogWith("30000000", pid).has_value());
  }
}

TEST_CASE("without NOTIFY_SOCKET nothing is sent", "[daemon][systemd]") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(SystemdNotifier::Instance().Enabled());
  CHECK_FALSE(SystemdNotifier::Instance().Send("READY=1"));
  ::setenv("NOTIFY_SOCKET", "", 1);
  CHECK_FALSE(SystemdNotifier::Instance().Enabled());
  CHECK_FALSE(SystemdNotifier::Instance().Send("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("a NOTIFY_SOCKET that cannot be addressed fails cleanly", "[daemon][systemd]") {
  FakeServiceManager manager;  // Restores the environment.
  const size_t room = sizeof(sockaddr_un{}.sun_path);
  SECTION("a path longer than sun_path") {
    const std::string name = "/tmp/" + std::string(room * 4, 'x');
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
    CHECK_FALSE(SystemdNotifier::Instance().Send("READY=1"));
  }
  SECTION("a path exactly sun_path long (no room for its NUL)") {
    const std::string name = "/" + std::string(room - 1, 'x');
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
    CHECK_FALSE(SystemdNotifier::Instance().Send("READY=1"));
  }
  SECTION("an abstract name longer than sun_path") {
    const std::string name = "@" + std::string(room, 'x');
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
    CHECK_FALSE(SystemdNotifier::Instance().Send("READY=1"));
  }
  SECTION("a relative path, a bare @, another scheme") {
    for (const char* name : {"notify.sock", "@", "vsock:2:1234"}) {
      INFO(name);
      ::setenv("NOTIFY_SOCKET", name, 1);
      CHECK_FALSE(SystemdNotifier::Instance().Send("READY=1"));
    }
  }
  SECTION("a socket nobody listens on") {
    testing::TempDir dir;
    ::setenv("NOTIFY_SOCKET", (dir / "gone.sock").c_str(), 1);
    CHECK_FALSE(SystemdNotifier::Instance().Send("READY=1"));
  }
  CHECK(manager.Empty());
}

}  // namespace cg
