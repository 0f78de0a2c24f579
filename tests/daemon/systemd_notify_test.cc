#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

#include "tests/support/temp_dir.h"

namespace cg {
namespace {

// A NOTIFY_SOCKET the test owns: a bound AF_UNIX datagram socket in a temp dir.
class FakeServiceManager {
 public:
  FakeServiceManager() {
    path_ = (dir_ / "notify.sock").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{2, 0};  // Bounded wait: a missing message fails the test instead of hanging.
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~FakeServiceManager() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    ::close(fd_);
  }
  std::string Receive() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

 private:
  testing::TempDir dir_;
  std::string path_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("notify messages reach the NOTIFY_SOCKET in order", "[daemon][systemd]") {
  FakeServiceManager manager;
  REQUIRE(SystemdNotifier::Instance().Enabled());
  SystemdNotifier::Instance().Ready();
  SystemdNotifier::Instance().Status("tailing 3 files\nlag 0 B");
  SystemdNotifier::Instance().Watchdog();
  SystemdNotifier::Instance().Stopping();
  CHECK(manager.Receive() == "READY=1");
  CHECK(manager.Receive() == "STATUS=tailing 3 files lag 0 B");
  CHECK(manager.Receive() == "WATCHDOG=1");
  CHECK(manager.Receive() == "STOPPING=1");
}

TEST_CASE("the watchdog interval comes from WATCHDOG_USEC for this pid", "[daemon][systemd]") {
  FakeServiceManager manager;
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  auto interval = SystemdNotifier::Instance().WatchdogInterval();
  REQUIRE(interval.has_value());
  CHECK(*interval == std::chrono::seconds(30));
  ::setenv("WATCHDOG_PID", "1", 1);  // Meant for another process: not ours to ping.
  CHECK_FALSE(SystemdNotifier::Instance().WatchdogInterval().has_value());
}

TEST_CASE("without NOTIFY_SOCKET nothing is sent", "[daemon][systemd]") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(SystemdNotifier::Instance().Enabled());
  CHECK_FALSE(SystemdNotifier::Instance().Send("READY=1"));
}

}  // namespace cg
