// Finding target processes: pidfile, cmdline pattern, tie-break.
#include "collectors/proc/discovery.h"

#include <catch2/catch.hpp>
#include <unordered_map>

#include "tests/proc/fixture_tree.h"

namespace cg::proc {
namespace {

using testing::ProcTree;

constexpr std::string_view kWso2Pattern = R"(org\.wso2\.carbon\.bootstrap\.Bootstrap)";

std::unique_ptr<CmdlineMatcher> Matcher(std::string_view pattern) {
  auto m = CmdlineMatcher::Create(pattern);
  REQUIRE(m.ok());
  return std::move(*m);
}

// A fixture tree (the WSO2 host unless another layer is named) and the Locate() calls on it.
struct Fixture {
  explicit Fixture(std::string_view layer = "wso2/t0") {
    tree.Overlay(layer);
    auto r = ProcRoot::Open(tree.root());
    REQUIRE(r.ok());
    root = std::move(*r);
  }
  Located Run(const LocatorSpec& spec, std::optional<uint64_t> btime = 1763990000) {
    ProcessScan scan(root.get(), 0);
    LocateContext ctx;
    ctx.root = root.get();
    ctx.scan = &scan;
    ctx.boot_time_seconds = btime;
    ctx.ticks_per_second = 100;
    Located l = Locate(spec, ctx);
    scanned = scan.listed();
    return l;
  }
  // Run() with `pidfile_path` (empty: none) and the cmdline `pattern`.
  Located Find(const std::filesystem::path& pidfile_path = {},
               std::string_view pattern = kWso2Pattern) {
    auto m = Matcher(pattern);
    return Run({.pidfile = pidfile_path, .matcher = m.get()});
  }
  // Writes `text` to a pidfile outside the root, then Run() with that pidfile alone.
  Located FindByPidfile(std::string_view text) {
    pidfile = tree.WriteOutside("wso2carbon.pid", text);
    return Run({.pidfile = pidfile, .matcher = nullptr});
  }
  ProcTree tree;
  std::unique_ptr<ProcRoot> root;
  bool scanned = false;
  std::filesystem::path pidfile;  // Written by FindByPidfile.
};

TEST_CASE("the tie-break drops descendants of other matches, then takes the oldest",
          "[collectors][proc][discovery]") {
  // 290 started in the same tick as 300 and has the lower pid, but is 300's child.
  std::vector<Candidate> matches = {{290, 300, 1000}, {300, 1, 1000}, {350, 1, 2000}};
  auto none = [](pid_t) { return std::optional<pid_t>(); };
  auto pick = PickTarget(matches, none);
  REQUIRE(pick.has_value());
  CHECK(pick->pid == 300);
}

TEST_CASE("the tie-break follows ancestry through non-matching parents",
          "[collectors][proc][discovery]") {
  // 311 -> 310 (not a match) -> 300 (match): 311 is out even though it is the oldest.
  std::vector<Candidate> matches = {{311, 310, 10}, {300, 1, 1000}};
  std::unordered_map<pid_t, pid_t> parents = {{310, 300}, {300, 1}, {1, 0}};
  auto parent_of = [&](pid_t p) -> std::optional<pid_t> {
    auto it = parents.find(p);
    return it == parents.end() ? std::nullopt : std::optional<pid_t>(it->second);
  };
  auto pick = PickTarget(matches, parent_of);
  REQUIRE(pick.has_value());
  CHECK(pick->pid == 300);
}

TEST_CASE("the tie-break among independent matches takes the oldest, then the lowest pid",
          "[collectors][proc][discovery]") {
  auto none = [](pid_t) { return std::optional<pid_t>(); };
  CHECK(PickTarget({{20, 1, 500}, {10, 1, 700}}, none)->pid == 20);
  CHECK(PickTarget({{20, 1, 500}, {10, 1, 500}}, none)->pid == 10);
  CHECK_FALSE(PickTarget({}, none).has_value());
}

TEST_CASE("a parent loop in a corrupt tree does not hang the tie-break",
          "[collectors][proc][discovery]") {
  auto loop = [](pid_t p) { return std::optional<pid_t>(p == 5 ? 6 : 5); };
  auto pick = PickTarget({{7, 5, 1}}, loop);
  REQUIRE(pick.has_value());
  CHECK(pick->pid == 7);
}

TEST_CASE("cmdline patterns match across NUL-separated arguments",
          "[collectors][proc][discovery]") {
  const std::string cmd("java\0-Xmx2g\0org.wso2.carbon.bootstrap.Bootstrap\0", 48);
  CHECK(Matcher(kWso2Pattern)->Matches(cmd));
  CHECK(Matcher("Bootstrap$")->Matches(cmd));
  CHECK(Matcher(R"(-Xmx2g\x00org)")->Matches(cmd));
  CHECK(Matcher("^java\\x00")->Matches(cmd));
  CHECK_FALSE(Matcher("^-Xmx")->Matches(cmd));
  CHECK_FALSE(Matcher(kWso2Pattern)->Matches(std::string("/bin/sh\0api-manager.sh\0", 24)));
}

TEST_CASE("an invalid cmdline pattern is refused with RE2's reason",
          "[collectors][proc][discovery]") {
  auto m = CmdlineMatcher::Create("java(");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message() == "cmdline pattern \"java(\": missing ): java(");
}

TEST_CASE("the WSO2 fixture tree yields the JVM, not its start script",
          "[collectors][proc][discovery]") {
  Fixture f;
  Located l = f.Find();
  REQUIRE(l.process.has_value());
  CHECK(l.process->pid == 4242);
  CHECK(l.process->start_ticks == 50000);
  CHECK(l.found_by == "cmdline");
  CHECK(f.scanned);
}

TEST_CASE("several matching processes: the documented tie-break picks 300",
          "[collectors][proc][discovery]") {
  Fixture f("tiebreak");
  Located l = f.Find();
  REQUIRE(l.process.has_value());
  CHECK(l.process->pid == 300);
}

TEST_CASE("an older independent match wins the tie-break", "[collectors][proc][discovery]") {
  Fixture f("tiebreak");
  f.tree.Write("250/cmdline", testing::Slurp(testing::ProcFixture("tiebreak/300/cmdline")));
  f.tree.Write("250/stat", "250 (java) S 1 250 250 0 -1 0 0 0 0 0 1 1 0 0 20 0 2 0 900 1 1\n");
  Located l = f.Find();
  REQUIRE(l.process.has_value());
  CHECK(l.process->pid == 250);
}

TEST_CASE("no match says so", "[collectors][proc][discovery]") {
  Fixture f;
  Located l = f.Find({}, "no-such-program");
  CHECK_FALSE(l.process.has_value());
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0] == "no process matches the cmdline pattern");
}

TEST_CASE("a pidfile naming a live process is used without scanning",
          "[collectors][proc][discovery]") {
  Fixture f;
  auto pidfile = f.tree.WriteOutside("wso2carbon.pid", "4242\n");
  Located l = f.Find(pidfile);
  REQUIRE(l.process.has_value());
  CHECK(l.process->pid == 4242);
  CHECK(l.found_by == "pidfile");
  CHECK(l.problems.empty());
  CHECK_FALSE(f.scanned);
}

TEST_CASE("a missing pidfile falls back to the pattern and is not an error",
          "[collectors][proc][discovery]") {
  Fixture f;
  Located l = f.Find(f.tree.root().parent_path() / "none.pid");
  REQUIRE(l.process.has_value());
  CHECK(l.found_by == "cmdline");
  CHECK_FALSE(l.pidfile_error);
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0].ends_with("none.pid: No such file or directory"));
}

TEST_CASE("a garbled pidfile is an error and the pattern still finds the process",
          "[collectors][proc][discovery]") {
  Fixture f;
  auto pidfile = f.tree.WriteOutside("wso2carbon.pid", "java\n");
  Located l = f.Find(pidfile);
  CHECK(l.pidfile_error);
  REQUIRE(l.process.has_value());
  CHECK(l.process->pid == 4242);
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0] == "pidfile " + pidfile.string() + ": pidfile: expected a pid, got \"java\"");
}

TEST_CASE("a pidfile naming a process that is gone reports it", "[collectors][proc][discovery]") {
  Fixture f;
  Located l = f.FindByPidfile("4999\n");
  CHECK_FALSE(l.process.has_value());
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0] == "pidfile " + f.pidfile.string() + " names pid 4999, which is not running");
}

TEST_CASE("a pidfile naming a reused pid with another command line is not trusted",
          "[collectors][proc][discovery]") {
  Fixture f;
  auto pidfile = f.tree.WriteOutside("wso2carbon.pid", "4200\n");  // The shell, not the JVM.
  Located l = f.Find(pidfile);
  REQUIRE(l.process.has_value());
  CHECK(l.process->pid == 4242);
  CHECK(l.found_by == "cmdline");
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0] == "pidfile " + pidfile.string() +
                             " names pid 4200, whose command line does not match the pattern");
}

TEST_CASE("a pidfile older than its process by more than the slack names a reused pid",
          "[collectors][proc][discovery]") {
  Fixture f;
  auto pidfile = f.tree.WriteOutside("wso2carbon.pid", "4242\n");
  // The JVM started at 1763990500; a pidfile written an hour before that is stale.
  auto written = std::filesystem::file_time_type::clock::from_sys(
      std::chrono::system_clock::time_point(std::chrono::seconds(1763990500 - 3600)));
  std::filesystem::last_write_time(pidfile, written);
  Located l = f.Run({.pidfile = pidfile, .matcher = nullptr});
  CHECK_FALSE(l.process.has_value());
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0] == "pidfile " + pidfile.string() +
                             " names pid 4242, which started after the pidfile was written "
                             "(pid reused)");
  // Within the slack (written 5 minutes before the start time reads back) it is trusted.
  std::filesystem::last_write_time(
      pidfile, std::filesystem::file_time_type::clock::from_sys(
                   std::chrono::system_clock::time_point(std::chrono::seconds(1763990500 - 300))));
  CHECK(f.Run({.pidfile = pidfile, .matcher = nullptr}).process.has_value());
}

TEST_CASE("a pidfile naming a zombie is not used", "[collectors][proc][discovery]") {
  Fixture f("tiebreak");
  Located l = f.FindByPidfile("370");
  CHECK_FALSE(l.process.has_value());
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0].ends_with("names pid 370, which has exited (zombie)"));
}

TEST_CASE("the scan skips processes that vanish between reads and kernel threads",
          "[collectors][proc][discovery]") {
  Fixture f("tiebreak");
  ProcessScan scan(f.root.get(), 0);
  std::vector<pid_t> pids;
  for (const auto& e : scan.Processes()) pids.push_back(e.pid);
  std::sort(pids.begin(), pids.end());
  // 360 has a cmdline (listed) but no stat: it is listed but has no Stat().
  CHECK(pids == std::vector<pid_t>{1, 290, 300, 310, 311, 350, 360});
  CHECK_FALSE(scan.Stat(360).has_value());
  CHECK_FALSE(scan.Stat(370).has_value());  // Zombie.
  REQUIRE(scan.Stat(311).has_value());
  CHECK(scan.Stat(311)->ppid == 310);
}

TEST_CASE("the scan never offers the excluded pid", "[collectors][proc][discovery]") {
  Fixture f("tiebreak");
  ProcessScan scan(f.root.get(), 300);
  for (const auto& e : scan.Processes()) CHECK(e.pid != 300);
}

}  // namespace
}  // namespace cg::proc
