// The HTTP side never takes the descriptors the tailer and the state writes need: with the
// server at its connection cap and RLIMIT_NOFILE low, a rotated log is still followed and the
// checkpoints are still written (issue 13).
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/app/daemon_fixture.h"
#include "tests/support/external_process.h"

namespace cg::testing {
namespace {

// Lowers the soft RLIMIT_NOFILE for the test's lifetime. ctest runs each test case in a
// process of its own; the limit is restored for a binary run by hand.
class NofileLimit {
 public:
  explicit NofileLimit(rlim_t soft) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min(soft, saved_.rlim_max);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~NofileLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_{};
};

double MetricValue(const std::string& page, const std::string& series) {
  std::smatch m;
  const std::regex re("(^|\n)" + std::regex_replace(series, std::regex(R"([{}"\\])"), R"(\$&)") +
                      " ([0-9.e+]+)");
  if (!std::regex_search(page, m, re)) return -1;
  return std::stod(m[2]);
}

// A python3 process (its own descriptor table) that holds `count` connections to `port`, each
// with half a request line, and prints how many it opened.
constexpr const char* kHolder = R"(
import socket, sys, time, resource
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
port, count = int(sys.argv[1]), int(sys.argv[2])
held = []
for i in range(count):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"GET /hea")
        held.append(s)
    except OSError:
        pass
print("holding", len(held), flush=True)
time.sleep(60)
)";

}  // namespace

TEST_CASE("at the connection cap with few descriptors a rotated log is still read",
          "[app][http][descriptors]") {
  if (!HasExecutable("/usr/bin/python3")) {
    WARN("python3 is not installed: nothing to check");
    return;
  }
  TempDir dir;
  NofileLimit limit(256);
  // A long head timeout: the held connections stay until the newest ones push them out.
  // The fixture's config ends inside its `api:` section: these lines extend it.
  Daemon d(dir,
           "  max_connections: 100000\n"
           "  head_timeout: 60s\n"
           "  idle_timeout: 60s\n"
           "checkpoint_interval: 100ms\n");
  d.Start();
  d.Append(CarbonLine("INFO", "before the flood"));
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() == 1; }));

  dir.Write("holder.py", kHolder);
  ExternalProcess holder(
      {"/usr/bin/python3", (dir / "holder.py").string(), std::to_string(d.port()), "400"},
      dir / "holder.log");
  REQUIRE(WaitFor(
      [&] {
        std::ifstream in(dir / "holder.log");
        std::string word;
        return static_cast<bool>(in >> word) && word == "holding";
      },
      std::chrono::seconds(30)));
  const std::string before = d.Metrics();
  // The cap was lowered to fit under the soft limit, and the HTTP side is at it.
  const double open = MetricValue(before, "cutover_guard_http_connections_open");
  CHECK(open > 50);
  CHECK(open < 256 - 64);

  // Rotate: the old file is renamed, a new one created and written.
  std::filesystem::rename(dir / "logs/wso2carbon.log", dir / "logs/wso2carbon.log.1");
  dir.Write("logs/wso2carbon.log", CarbonLine("INFO", "after rotation 1") +
                                       CarbonLine("INFO", "after rotation 2") +
                                       CarbonLine("INFO", "after rotation 3"));
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() == 4; }, std::chrono::seconds(20)));

  // Offsets and alert state keep being written: wait for the next checkpoint after rotation.
  // The file is replaced by rename (the old one kept as .prev first): it can be missing for an
  // instant, so read its time without throwing.
  const auto alerts = dir / "state/alerts.json";
  auto mtime = [&] {
    std::error_code ec;
    auto t = std::filesystem::last_write_time(alerts, ec);
    return ec ? std::filesystem::file_time_type::min() : t;
  };
  std::filesystem::file_time_type written;
  REQUIRE(WaitUntil([&] { return (written = mtime()) != std::filesystem::file_time_type::min(); }));
  d.Append(CarbonLine("INFO", "one more"));
  REQUIRE(WaitUntil([&] {
    auto t = mtime();
    return t != std::filesystem::file_time_type::min() && t != written;
  }));
  const std::string after = d.Metrics();
  CHECK(MetricValue(after, "cutover_guard_state_write_errors_total{file=\"alerts\"}") <= 0);
  json status = d.Get("/api/v1/status");
  CHECK(status["logs"][0]["problem"] == "");
  CHECK(status["logs"][0]["gap_events"] == 0);
  holder.Stop();
}

}  // namespace cg::testing
