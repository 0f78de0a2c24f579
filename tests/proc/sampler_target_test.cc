// Sampler against fixture trees: the WSO2 target process.
#include <prometheus/registry.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "collectors/proc/sampler.h"
#include "tests/proc/fixture_tree.h"
#include "tests/proc/metrics_probe.h"
#include "tests/proc/sampler_fixture.h"

namespace cg {
namespace {

using testing::kEps;
using testing::MetricValue;
using testing::MustCreateSampler;
using testing::ProcTree;
using testing::SeriesCount;
constexpr const char* kPattern = R"(org\.wso2\.carbon\.bootstrap\.Bootstrap)";
const WallTime kBoot = WallTime(std::chrono::seconds(1763990000));
const WallTime kJvmStart = kBoot + std::chrono::seconds(500);  // 50000 ticks at 100 Hz.

// The JVM's stat line with a chosen pid, start time and comm (everything else as in wso2/t0).
std::string JvmStat(pid_t pid, uint64_t start_ticks, std::string_view comm = "java") {
  return std::to_string(pid) + " (" + std::string(comm) +
         ") S 4200 4200 4200 0 -1 4194560 50000 0 10 0 1000 200 0 0 20 0 250 0 " +
         std::to_string(start_ticks) + " 8000000000 262144 18446744073709551615 1 1 0\n";
}

// One sample at the fake clock's start; the targets' summaries.
std::vector<TargetSummary> SampleOnce(Sampler& s) {
  FakeClock clock;
  s.Sample(clock.Now(), clock.MonoNow());
  return s.targets();
}

struct WsoFixture {
  enum class By { kPidfile, kCmdline, kBoth };
  explicit WsoFixture(By by = By::kBoth, std::chrono::milliseconds fd_listing_interval =
                                             SamplerOptions{}.fd_listing_interval) {
    tree.Overlay("host/t0");
    tree.Overlay("wso2/t0");
    TargetSpec t{.name = "wso2am"};
    if (by != By::kCmdline) t.pidfile = tree.WriteOutside("wso2carbon.pid", "4242\n");
    if (by != By::kPidfile) t.cmdline = kPattern;
    sampler = MustCreateSampler({.proc_root = tree.root(),
                                 .targets = {t},
                                 .sample_interval = std::chrono::seconds(1),
                                 .history = std::chrono::minutes(1),
                                 .registry = &registry,
                                 .fd_listing_interval = fd_listing_interval});
  }
  TargetSummary Sample(std::chrono::seconds advance = std::chrono::seconds(2)) {
    sampler->Sample(clock.Now(), clock.MonoNow());
    clock.Advance(advance);
    auto t = sampler->targets();
    REQUIRE(t.size() == 1);
    return t[0];
  }
  // Moves the JVM to `pid` with a new start time (a restart).
  void Restart(pid_t pid, uint64_t start_ticks) {
    tree.Remove("4242");
    tree.Overlay("wso2/t0");
    std::filesystem::rename(tree / "4242", tree / std::to_string(pid));
    tree.Write(std::to_string(pid) + "/stat", JvmStat(pid, start_ticks));
  }
  std::optional<double> Latest(std::string_view series) const {
    return sampler->Latest(series, "wso2am");
  }
  ProcTree tree;
  prometheus::Registry registry;
  FakeClock clock{WallTime(std::chrono::seconds(1'764'000'000))};
  std::unique_ptr<Sampler> sampler;
};

TEST_CASE("the first sample of the JVM has every figure but the CPU ratio",
          "[collectors][proc][sampler][target]") {
  WsoFixture f;
  TargetSummary t = f.Sample();
  CHECK(t.name == "wso2am");
  CHECK(t.up);
  CHECK(t.found_by == "pidfile");
  CHECK(t.pid == 4242);
  CHECK(t.start_time == kJvmStart);
  CHECK(*t.uptime_seconds == Approx(9500.0).epsilon(kEps));
  CHECK_FALSE(t.cpu_ratio.has_value());
  CHECK(t.cpu_seconds_total == Approx(12.0).epsilon(kEps));
  CHECK(t.resident_memory_bytes == 1073741824u);
  CHECK(t.swap_bytes == 2097152u);
  CHECK(t.threads == 250u);
  CHECK(t.open_fds == 16u);
  CHECK(t.fd_soft_limit == 64u);
  CHECK(*t.fd_limit_ratio == Approx(0.25).epsilon(kEps));
  CHECK(t.restarts == 0);
  CHECK(t.problems.empty());
  CHECK(t.errors_total == 0);
}

TEST_CASE("the JVM's CPU ratio over two samples is ticks over the monotonic interval",
          "[collectors][proc][sampler][target]") {
  WsoFixture f;
  f.Sample();  // The clock moves 2 s.
  f.tree.Overlay("wso2/t1");
  TargetSummary t = f.Sample();
  // (1240 + 260) - (1000 + 200) = 300 ticks = 3 s of CPU in 2 s: one and a half cores.
  CHECK(*t.cpu_ratio == Approx(1.5).epsilon(kEps));
  CHECK(t.cpu_seconds_total == Approx(15.0).epsilon(kEps));
  CHECK(t.threads == 260u);
  CHECK(*t.uptime_seconds == Approx(9502.0).epsilon(kEps));
  CHECK(*f.Latest("process.cpu_ratio") == Approx(1.5).epsilon(kEps));
  CHECK(*f.Latest("process.up") == 1.0);
  CHECK(*f.Latest("process.resident_memory_bytes") == 1073741824.0);
  CHECK(*f.Latest("process.threads") == 260.0);
  CHECK(*f.Latest("process.open_fds") == 16.0);
  CHECK(*f.Latest("process.fd_limit_ratio") == Approx(0.25).epsilon(kEps));
  CHECK(*f.Latest("process.restarts") == 0.0);
  CHECK(*f.Latest("process.uptime_seconds") == Approx(9502.0).epsilon(kEps));
  CHECK(*f.Latest("process.swap_bytes") == 2097152.0);
  CHECK(*f.Latest("process.fd_soft_limit") == 64.0);
}

TEST_CASE("every process series has a value after two samples of a running target",
          "[collectors][proc][sampler][target]") {
  WsoFixture f;
  f.Sample();
  f.tree.Overlay("wso2/t1");
  f.Sample();
  for (std::string_view n : Sampler::ProcessSeriesNames()) {
    INFO(n);
    CHECK(f.Latest(n).has_value());
  }
}

TEST_CASE("target figures are exported under the fixed metric names",
          "[collectors][proc][sampler][target][metrics]") {
  WsoFixture f;
  f.Sample();
  f.tree.Overlay("wso2/t1");
  f.Sample();
  const std::map<std::string, std::string> l = {{"target", "wso2am"}};
  const auto& r = f.registry;
  CHECK(*MetricValue(r, "cutover_guard_process_up", l) == 1.0);
  CHECK(*MetricValue(r, "cutover_guard_process_pid", l) == 4242.0);
  CHECK(*MetricValue(r, "cutover_guard_process_cpu_ratio", l) == Approx(1.5).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_process_cpu_seconds_total", l) ==
        Approx(15.0).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_process_resident_memory_bytes", l) == 1073741824.0);
  CHECK(*MetricValue(r, "cutover_guard_process_swap_bytes", l) == 2097152.0);
  CHECK(*MetricValue(r, "cutover_guard_process_threads", l) == 260.0);
  CHECK(*MetricValue(r, "cutover_guard_process_open_fds", l) == 16.0);
  CHECK(*MetricValue(r, "cutover_guard_process_max_fds", l) == 64.0);
  CHECK(*MetricValue(r, "cutover_guard_process_fd_limit_ratio", l) == Approx(0.25).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_process_restarts_total", l) == 0.0);
  CHECK(*MetricValue(r, "cutover_guard_process_start_time_seconds", l) == 1763990500.0);
  CHECK(*MetricValue(r, "cutover_guard_process_uptime_seconds", l) == Approx(9502.0).epsilon(kEps));
}

TEST_CASE("a target found by pidfile never scans the process table",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kBoth);
  for (int i = 0; i < 3; ++i) f.Sample();
  CHECK(f.sampler->discovery_scans() == 0);
}

TEST_CASE("the cmdline pattern runs once, not on every sample of a known process",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kCmdline);
  for (int i = 0; i < 4; ++i) CHECK(f.Sample().up);
  CHECK(f.sampler->discovery_scans() == 1);
  CHECK(f.sampler->targets()[0].found_by == "cmdline");
  CHECK(*MetricValue(f.registry, "cutover_guard_proc_discovery_scans_total") == 1.0);
}

TEST_CASE("a JVM restart under a new pid is followed and counted in the same sample",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kCmdline);
  f.Sample();
  f.Restart(4300, 90000);
  TargetSummary t = f.Sample();
  CHECK(t.up);
  CHECK(t.pid == 4300);
  CHECK(t.restarts == 1);
  CHECK(t.start_time == kBoot + std::chrono::seconds(900));
  CHECK_FALSE(t.cpu_ratio.has_value());  // A new process: no interval yet.
  REQUIRE(t.problems.size() == 1);
  CHECK(t.problems[0] == "process 4242 exited");
  CHECK(*MetricValue(f.registry, "cutover_guard_process_restarts_total", {{"target", "wso2am"}}) ==
        1.0);
  CHECK(*f.Latest("process.restarts") == 1.0);
  CHECK(f.sampler->discovery_scans() == 2);
}

TEST_CASE("a restart that keeps the pid but changes the start time is counted",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kBoth);
  f.Sample();
  f.tree.Write("4242/stat", JvmStat(4242, 70000));
  TargetSummary t = f.Sample();
  CHECK(t.up);
  CHECK(t.pid == 4242);
  CHECK(t.restarts == 1);
  REQUIRE(t.problems.size() == 1);
  CHECK(t.problems[0] == "process 4242 exited (the pid now belongs to a newer process)");
}

TEST_CASE("a vanished JVM is down with the reason, and a new one counts as a restart",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kBoth);
  f.Sample();
  f.tree.Remove("4242");
  TargetSummary down = f.Sample();
  CHECK_FALSE(down.up);
  CHECK_FALSE(down.pid.has_value());
  CHECK_FALSE(down.resident_memory_bytes.has_value());
  CHECK(down.restarts == 0);
  REQUIRE(down.problems.size() == 3);
  CHECK(down.problems[0] == "process 4242 exited");
  CHECK(down.problems[1].ends_with("wso2carbon.pid names pid 4242, which is not running"));
  CHECK(down.problems[2] == "no process matches the cmdline pattern");
  CHECK(down.last_error == "no process matches the cmdline pattern");
  CHECK(*f.Latest("process.up") == 0.0);
  CHECK_FALSE(f.Latest("process.cpu_ratio").has_value());
  CHECK_FALSE(f.Latest("process.resident_memory_bytes").has_value());
  CHECK(*f.Latest("process.restarts") == 0.0);
  // Gauges of a down target leave the registry; up, counters stay.
  const std::map<std::string, std::string> l = {{"target", "wso2am"}};
  CHECK(*MetricValue(f.registry, "cutover_guard_process_up", l) == 0.0);
  CHECK_FALSE(MetricValue(f.registry, "cutover_guard_process_resident_memory_bytes", l));
  CHECK(SeriesCount(f.registry, "cutover_guard_process_open_fds") == 0);
  CHECK(*MetricValue(f.registry, "cutover_guard_process_restarts_total", l) == 0.0);

  f.Restart(4242, 80000);  // Back, at the same pid, later.
  TargetSummary up = f.Sample();
  CHECK(up.up);
  CHECK(up.restarts == 1);
  CHECK(up.problems.empty());
  CHECK(up.last_error == "no process matches the cmdline pattern");
  CHECK(*MetricValue(f.registry, "cutover_guard_process_open_fds", l) == 16.0);
}

TEST_CASE("history of a target shows the outage as up = 0 and a gap in the figures",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kBoth);
  const WallTime start = f.clock.Now();
  f.Sample();
  f.tree.Remove("4242");
  f.Sample();
  f.Restart(4242, 80000);
  f.Sample();
  auto up = f.sampler->History("process.up", "wso2am", start);
  REQUIRE(up.size() == 3);
  CHECK(up[0].value == 1.0);
  CHECK(up[1].value == 0.0);
  CHECK(up[1].time == start + std::chrono::seconds(2));
  CHECK(up[2].value == 1.0);
  auto rss = f.sampler->History("process.resident_memory_bytes", "wso2am", start);
  REQUIRE(rss.size() == 2);
  CHECK(rss[1].time == start + std::chrono::seconds(4));
}

TEST_CASE("a pid reused by another program is not mistaken for the JVM",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kBoth);
  f.Sample();
  // The JVM died, and cron got pid 4242; the pidfile still says 4242.
  f.tree.Write("4242/stat", JvmStat(4242, 95000, "cron"));
  f.tree.Write("4242/cmdline", std::string("/usr/sbin/cron\0-f\0", 18));
  TargetSummary t = f.Sample();
  CHECK_FALSE(t.up);
  CHECK(t.restarts == 0);
  REQUIRE(t.problems.size() == 3);
  CHECK(t.problems[0] == "process 4242 exited (the pid now belongs to a newer process)");
  CHECK(t.problems[1].ends_with(
      "wso2carbon.pid names pid 4242, whose command line does not match the pattern"));
  CHECK(t.problems[2] == "no process matches the cmdline pattern");
}

TEST_CASE("a JVM that turned into a zombie is down", "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kPidfile);
  f.Sample();
  std::string zombie = JvmStat(4242, 50000);
  zombie.replace(zombie.find(") S ") + 2, 1, "Z");
  f.tree.Write("4242/stat", zombie);
  TargetSummary t = f.Sample();
  CHECK_FALSE(t.up);
  REQUIRE(t.problems.size() >= 1);
  CHECK(t.problems[0] == "process 4242 exited (zombie)");
}

TEST_CASE("permission denied on the fd directory is reported once and the rest still sampled",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kCmdline);
  ::chmod((f.tree / "4242/fd").c_str(), 0);
  TargetSummary t, again;
  {
    testing::UnprivilegedFs nobody;
    t = f.Sample();
    again = f.Sample();
  }
  ::chmod((f.tree / "4242/fd").c_str(), 0755);
  CHECK(t.up);
  CHECK(t.resident_memory_bytes == 1073741824u);
  CHECK(t.fd_soft_limit == 64u);
  CHECK_FALSE(t.open_fds.has_value());
  CHECK_FALSE(t.fd_limit_ratio.has_value());
  const std::string expected =
      "open fds unavailable: " + (f.tree / "4242/fd").string() + ": Permission denied";
  REQUIRE(t.problems.size() == 1);
  CHECK(t.problems[0] == expected);
  CHECK(t.errors_total == 1);
  REQUIRE(again.problems.size() == 1);
  CHECK(again.problems[0] == expected);
  CHECK(again.errors_total == 1);  // Same process, same answer: counted once.
  CHECK(*MetricValue(f.registry, "cutover_guard_process_read_errors_total",
                     {{"target", "wso2am"}, {"file", "fd"}, {"reason", "denied"}}) == 1.0);
  CHECK(SeriesCount(f.registry, "cutover_guard_process_fd_limit_ratio") == 0);
}

TEST_CASE("a missing limits file leaves the fd ratio unavailable but the target up",
          "[collectors][proc][sampler][target]") {
  WsoFixture f;
  f.tree.Remove("4242/limits");
  TargetSummary t = f.Sample();
  CHECK(t.up);
  CHECK(t.open_fds == 16u);
  CHECK_FALSE(t.fd_soft_limit.has_value());
  CHECK_FALSE(t.fd_limit_ratio.has_value());
  REQUIRE(t.problems.size() == 1);
  CHECK(t.problems[0] == (f.tree / "4242/limits").string() + ": No such file or directory");
  CHECK(*MetricValue(f.registry, "cutover_guard_process_read_errors_total",
                     {{"target", "wso2am"}, {"file", "limits"}, {"reason", "missing"}}) == 1.0);
}

TEST_CASE("an unlimited open files limit has no ratio", "[collectors][proc][sampler][target]") {
  WsoFixture f;
  f.tree.Write("4242/limits", "Max open files            unlimited            unlimited   files\n");
  TargetSummary t = f.Sample();
  CHECK(t.up);
  CHECK(t.fd_limit_unlimited);
  CHECK_FALSE(t.fd_limit_ratio.has_value());
  CHECK(t.problems.empty());
}

TEST_CASE("a garbled stat of the known JVM is counted and the target rediscovered",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kPidfile);
  f.Sample();
  f.tree.Write("4242/stat", "4242 (java) S\n");
  TargetSummary t = f.Sample();
  CHECK_FALSE(t.up);
  CHECK(t.errors_total == 1);
  CHECK(t.problems[0] ==
        (f.tree / "4242/stat").string() + ": pid stat: truncated (fewer than 24 fields)");
  CHECK(*MetricValue(f.registry, "cutover_guard_process_read_errors_total",
                     {{"target", "wso2am"}, {"file", "stat"}, {"reason", "parse"}}) == 1.0);
  REQUIRE(t.problems.size() == 3);
  CHECK(t.problems[2].ends_with(
      "names pid 4242, whose stat cannot be read: pid stat: truncated (fewer than 24 fields)"));
  f.tree.Overlay("wso2/t0");
  TargetSummary back = f.Sample();
  CHECK(back.up);
  CHECK(back.restarts == 0);  // Same pid and start time: the same process.
}

TEST_CASE("a target whose pidfile and pattern find nothing is down from the start",
          "[collectors][proc][sampler][target]") {
  ProcTree tree;
  tree.Overlay("host/t0");
  prometheus::Registry registry;
  auto s = MustCreateSampler({.proc_root = tree.root(),
                              .targets = {{.name = "gw", .pidfile = tree.root() / "none.pid"}},
                              .registry = &registry});
  auto t = SampleOnce(*s);
  REQUIRE(t.size() == 1);
  CHECK_FALSE(t[0].up);
  CHECK(t[0].errors_total == 0);  // A missing pidfile is what a stopped server looks like.
  CHECK(*MetricValue(registry, "cutover_guard_process_up", {{"target", "gw"}}) == 0.0);
  CHECK(*s->Latest("process.up", "gw") == 0.0);
}

TEST_CASE("several targets are sampled independently", "[collectors][proc][sampler][target]") {
  ProcTree tree;
  tree.Overlay("host/t0");
  tree.Overlay("tiebreak");
  auto s = MustCreateSampler({.proc_root = tree.root(),
                              .targets = {{.name = "gw", .cmdline = kPattern},
                                          {.name = "helper", .cmdline = "^/bin/sh\\x00-c"}}});
  auto t = SampleOnce(*s);
  REQUIRE(t.size() == 2);
  CHECK(t[0].pid == 300);
  CHECK(t[1].pid == 310);
  CHECK(s->discovery_scans() == 1);  // One scan shared by both targets.
  CHECK(*s->Latest("process.threads", "gw") == 40.0);
  CHECK(*s->Latest("process.threads", "helper") == 1.0);
  // The helper's fixture has no fd directory: that one figure is missing, and said so.
  CHECK_FALSE(s->Latest("process.open_fds", "helper").has_value());
  REQUIRE(t[1].problems.size() == 1);
  CHECK(t[1].problems[0] ==
        "open fds unavailable: " + (tree / "310/fd").string() + ": No such file or directory");
}

TEST_CASE("a replacement sampler clears the figures its predecessor left for a down target",
          "[collectors][proc][sampler][target][metrics]") {
  WsoFixture f(WsoFixture::By::kPidfile);
  f.Sample();
  const std::map<std::string, std::string> l = {{"target", "wso2am"}};
  REQUIRE(MetricValue(f.registry, "cutover_guard_process_resident_memory_bytes", l));
  // A reload builds the new sampler while the old one still exists, then drops the old one.
  f.sampler =
      MustCreateSampler({.proc_root = f.tree.root(),
                         .targets = {{.name = "wso2am", .pidfile = f.tree.root() / "x.pid"}},
                         .registry = &f.registry});
  f.Sample();  // The new pidfile names nothing: down.
  CHECK(*MetricValue(f.registry, "cutover_guard_process_up", l) == 0.0);
  CHECK_FALSE(MetricValue(f.registry, "cutover_guard_process_resident_memory_bytes", l));
  CHECK(SeriesCount(f.registry, "cutover_guard_process_open_fds") == 0);
}

TEST_CASE("an fd count obtained by listing is reused for fd_listing_interval",
          "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kCmdline, std::chrono::seconds(10));
  CHECK(f.Sample(std::chrono::seconds(9)).open_fds == 16u);  // Listed at 0 s.
  f.tree.Write("4242/fd/16", "");
  // At 9 s: a fixture tree is always listed, so the count is reused.
  CHECK(f.Sample(std::chrono::seconds(1)).open_fds == 16u);
  CHECK(f.Sample().open_fds == 17u);  // 10 s after the listing: listed again.
}

TEST_CASE("fd_listing_interval 0 lists on every sample", "[collectors][proc][sampler][target]") {
  WsoFixture f(WsoFixture::By::kCmdline, std::chrono::seconds(0));
  f.Sample(std::chrono::seconds(1));
  f.tree.Remove("4242/fd/15");
  CHECK(f.Sample().open_fds == 15u);
}

}  // namespace
}  // namespace cg
