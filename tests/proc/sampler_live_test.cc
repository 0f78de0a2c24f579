// Sampler against the live /proc of the machine running the tests.
#include <prometheus/registry.h>
#include <re2/re2.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <ctime>

#include "collectors/proc/sampler.h"
#include "tests/proc/fixture_tree.h"

namespace cg {
namespace {

double ProcessCpuSeconds() {
  timespec ts;
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Spends `seconds` of this process's CPU time (not wall time: no luck involved).
void BurnCpu(double seconds) {
  const double until = ProcessCpuSeconds() + seconds;
  volatile uint64_t x = 0;
  while (ProcessCpuSeconds() < until) {
    for (int i = 0; i < 10000; ++i) x = x + static_cast<uint64_t>(i);
  }
}

// An anchored pattern for exactly this process's command line, so that parallel test runs
// (ctest starts one process per test case, with the case name as argument) never match.
std::string SelfPattern() {
  std::string cmdline = testing::Slurp("/proc/self/cmdline");
  if (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
  return "^" + RE2::QuoteMeta(cmdline) + "$";
}

void Sample(Sampler& s) {
  s.Sample(std::chrono::system_clock::now(), std::chrono::steady_clock::now());
}

TEST_CASE("live /proc: the test process finds itself by cmdline with sane figures",
          "[collectors][proc][live]") {
  prometheus::Registry registry;
  auto created = Sampler::Create({.proc_root = "/proc",
                                  .targets = {{.name = "self", .cmdline = SelfPattern()}},
                                  .registry = &registry,
                                  .exclude_self = false});
  REQUIRE(created.ok());
  Sampler& s = **created;
  Sample(s);
  BurnCpu(0.1);
  Sample(s);
  CHECK(s.has_sampled());

  auto targets = s.targets();
  REQUIRE(targets.size() == 1);
  const TargetSummary& t = targets[0];
  INFO(t.last_error);
  REQUIRE(t.up);
  CHECK(t.found_by == "cmdline");
  CHECK(t.pid == ::getpid());
  CHECK(t.restarts == 0);
  REQUIRE(t.threads.has_value());
  CHECK(*t.threads >= 1);
  REQUIRE(t.resident_memory_bytes.has_value());
  CHECK(*t.resident_memory_bytes > 1024u * 1024);
  CHECK(*t.resident_memory_bytes < 64ull * 1024 * 1024 * 1024);
  REQUIRE(t.open_fds.has_value());
  CHECK(*t.open_fds >= 3);
  rlimit nofile;
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &nofile) == 0);
  if (nofile.rlim_cur == RLIM_INFINITY) {
    CHECK(t.fd_limit_unlimited);
  } else {
    CHECK(t.fd_soft_limit == static_cast<uint64_t>(nofile.rlim_cur));
    CHECK(*t.fd_limit_ratio > 0.0);
    CHECK(*t.fd_limit_ratio <= 1.0);
  }
  REQUIRE(t.uptime_seconds.has_value());
  CHECK(*t.uptime_seconds >= 0.0);
  CHECK(*t.uptime_seconds < 24 * 3600.0);
  // 0.1 s of CPU was burnt between the samples (USER_HZ granularity: allow a tick).
  REQUIRE(t.cpu_ratio.has_value());
  CHECK(*t.cpu_ratio > 0.0);
  CHECK(t.cpu_seconds_total >= 0.09);
  CHECK(s.discovery_scans() == 1);
}

TEST_CASE("live /proc: host figures agree with the kernel's other interfaces",
          "[collectors][proc][live]") {
  auto created = Sampler::Create({.proc_root = "/proc"});
  REQUIRE(created.ok());
  Sampler& s = **created;
  Sample(s);
  BurnCpu(0.05);
  Sample(s);
  HostSummary h = s.host();
  INFO(h.last_error);
  CHECK(h.problems.empty());
  CHECK(h.cpus == static_cast<uint32_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
  struct sysinfo si;
  REQUIRE(::sysinfo(&si) == 0);
  CHECK(h.memory_total_bytes == static_cast<uint64_t>(si.totalram) * si.mem_unit);
  REQUIRE(h.memory_used_ratio.has_value());
  CHECK(*h.memory_used_ratio > 0.0);
  CHECK(*h.memory_used_ratio < 1.0);
  REQUIRE(h.cpu.has_value());
  CHECK(h.cpu->busy >= 0.0);
  CHECK(h.cpu->busy <= 1.0);
  double sum = h.cpu->user + h.cpu->nice + h.cpu->system + h.cpu->idle + h.cpu->iowait +
               h.cpu->irq + h.cpu->softirq + h.cpu->steal;
  CHECK(sum == Approx(1.0).epsilon(1e-9));
  REQUIRE(h.load1.has_value());
  CHECK(*h.load1 >= 0.0);
  REQUIRE(h.file_handles_ratio.has_value());
  CHECK(*h.file_handles_ratio > 0.0);
  CHECK(*h.file_handles_ratio < 1.0);
  REQUIRE(h.boot_time.has_value());
  CHECK(*h.boot_time < std::chrono::system_clock::now());
  CHECK(h.pressure_cpu.has_value() == std::filesystem::exists("/proc/pressure/cpu"));
}

// Forks a child that waits for SIGKILL; returns its pid.
pid_t SpawnIdleChild() {
  pid_t child = ::fork();
  if (child == 0) {
    for (;;) ::pause();
  }
  return child;
}

TEST_CASE("live /proc: a pidfile target that exits is down, then a new one is a restart",
          "[collectors][proc][live]") {
  testing::TempDir dir;
  pid_t first = SpawnIdleChild();
  REQUIRE(first > 0);
  auto pidfile = dir.Write("child.pid", std::to_string(first) + "\n");
  auto created =
      Sampler::Create({.proc_root = "/proc", .targets = {{.name = "child", .pidfile = pidfile}}});
  REQUIRE(created.ok());
  Sampler& s = **created;
  Sample(s);
  REQUIRE(s.targets()[0].up);
  CHECK(s.targets()[0].pid == first);

  // Killed but not reaped: a zombie, which is not running.
  REQUIRE(::kill(first, SIGKILL) == 0);
  siginfo_t info;
  REQUIRE(::waitid(P_PID, static_cast<id_t>(first), &info, WEXITED | WNOWAIT) == 0);
  Sample(s);
  TargetSummary zombie = s.targets()[0];
  CHECK_FALSE(zombie.up);
  REQUIRE_FALSE(zombie.problems.empty());
  CHECK(zombie.problems[0] == "process " + std::to_string(first) + " exited (zombie)");

  // Reaped: the kept descriptor now fails with ESRCH.
  REQUIRE(::waitpid(first, nullptr, 0) == first);
  Sample(s);
  CHECK_FALSE(s.targets()[0].up);

  pid_t second = SpawnIdleChild();
  REQUIRE(second > 0);
  testing::WriteInPlace(pidfile, std::to_string(second) + "\n");
  Sample(s);
  TargetSummary back = s.targets()[0];
  CHECK(back.up);
  CHECK(back.pid == second);
  CHECK(back.restarts == 1);
  ::kill(second, SIGKILL);
  ::waitpid(second, nullptr, 0);
}

TEST_CASE("live /proc: the sampler never picks itself unless told to", "[collectors][proc][live]") {
  auto created = Sampler::Create(
      {.proc_root = "/proc", .targets = {{.name = "self", .cmdline = SelfPattern()}}});
  REQUIRE(created.ok());
  Sample(**created);
  CHECK_FALSE((*created)->targets()[0].up);
}

}  // namespace
}  // namespace cg
