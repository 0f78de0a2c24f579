#include "daemon/coverage.h"

#include <catch2/catch.hpp>

namespace cg {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const WallTime kStart = WallTime(std::chrono::hours(24 * 365 * 55));

CoverageLogInput Log(std::string name, std::string problem = "", uint64_t lines = 0,
                     uint64_t recognised = 0) {
  CoverageLogInput l;
  l.path = "/opt/wso2/repository/logs/" + name + ".log";
  l.format = LogFormat::kWso2Carbon;
  l.status.name = std::move(name);
  l.status.problem = std::move(problem);
  l.status.files_matched = l.status.problem.empty() ? 1 : 0;
  l.status.lines = lines;
  l.status.records = lines;
  l.status.recognised_lines = recognised;
  return l;
}

HostSummary HealthyHost() {
  HostSummary h;
  h.samples_total = 10;
  h.memory_total_bytes = 1 << 30;
  h.cpu = CpuUtilisation{};
  return h;
}

CoverageInput At(WallTime now, std::vector<CoverageLogInput> logs) {
  CoverageInput in;
  in.now = now;
  in.logs = std::move(logs);
  in.host = HealthyHost();
  return in;
}

TEST_CASE("a missing log is a blind spot only after the grace, counted from the start",
          "[daemon][coverage]") {
  CoverageTracker t(minutes(5), kStart);
  const std::string missing = "no file matches /opt/wso2/repository/logs/carbon.log";
  Coverage c = t.Update(At(kStart + seconds(1), {Log("carbon", missing)}));
  CHECK(c.blind_spots.empty());
  REQUIRE(c.logs.size() == 1);
  CHECK_FALSE(c.logs[0].seen);
  CHECK(c.logs[0].problem == missing);
  c = t.Update(At(kStart + minutes(5) - milliseconds(1), {Log("carbon", missing)}));
  CHECK(c.blind_spots.empty());
  c = t.Update(At(kStart + minutes(5), {Log("carbon", missing)}));
  REQUIRE(c.blind_spots.size() == 1);
  CHECK(c.blind_spots[0].subject == "log carbon");
  CHECK(c.blind_spots[0].description == missing);
  CHECK(c.blind_spots[0].since == kStart);  // There from the first look: since the start.
  // The file appears: seen again at once, and a later problem gets a fresh grace.
  c = t.Update(At(kStart + minutes(6), {Log("carbon", "", 5, 5)}));
  CHECK(c.blind_spots.empty());
  CHECK(c.logs[0].seen);
  c = t.Update(At(kStart + minutes(7), {Log("carbon", "cannot open x: Permission denied")}));
  CHECK(c.blind_spots.empty());
  c = t.Update(At(kStart + minutes(12), {Log("carbon", "cannot open x: Permission denied")}));
  CHECK(c.blind_spots.size() == 1);
}

TEST_CASE("a log mostly not in its layout is a blind spot at once", "[daemon][coverage]") {
  CoverageTracker t(minutes(5), kStart);
  // Too few lines to judge.
  CHECK(t.Update(At(kStart + seconds(1), {Log("carbon", "", 9, 0)})).blind_spots.empty());
  Coverage c = t.Update(At(kStart + seconds(2), {Log("carbon", "", 40, 10)}));
  REQUIRE(c.blind_spots.size() == 1);
  CHECK(c.blind_spots[0].description ==
        "30 of 40 lines are not in the wso2-carbon layout: the rules cannot read them (check "
        "`format`)");
  // Half recognised (stack traces count with their record) is fine.
  CHECK(t.Update(At(kStart + seconds(3), {Log("carbon", "", 40, 20)})).blind_spots.empty());
}

TEST_CASE("max_silence makes a quiet log a blind spot and other logs may stay quiet",
          "[daemon][coverage]") {
  CoverageTracker t(minutes(5), kStart);
  CoverageLogInput access = Log("access", "", 0, 0);
  access.max_silence = minutes(1);
  CoverageLogInput errors = Log("errors", "", 0, 0);  // Quiet is healthy for it.
  Coverage c = t.Update(At(kStart + seconds(59), {access, errors}));
  CHECK(c.blind_spots.empty());
  c = t.Update(At(kStart + seconds(61), {access, errors}));
  REQUIRE(c.blind_spots.size() == 1);
  CHECK(c.blind_spots[0].subject == "log access");
  CHECK(c.blind_spots[0].description == "no record for 1m1s (max_silence 1m)");
  access.status.records = access.status.lines = access.status.recognised_lines = 3;
  c = t.Update(At(kStart + seconds(62), {access, errors}));
  CHECK(c.blind_spots.empty());
  REQUIRE(c.logs[0].last_record_at.has_value());
  CHECK(*c.logs[0].last_record_at == kStart + seconds(62));
}

TEST_CASE("a target not found beyond the grace and unreadable /proc are blind spots",
          "[daemon][coverage]") {
  CoverageTracker t(minutes(5), kStart);
  CoverageInput in = At(kStart + seconds(10), {});
  TargetSummary down;
  down.name = "wso2am";
  down.problems = {"pidfile /opt/wso2/wso2carbon.pid: No such file or directory"};
  in.targets = {down};
  in.host = HostSummary{};
  in.host.samples_total = 3;
  CHECK(t.Update(in).blind_spots.empty());
  in.now = kStart + minutes(6);
  Coverage c = t.Update(in);
  REQUIRE(c.blind_spots.size() == 2);
  CHECK(c.blind_spots[0].subject == "target wso2am");
  CHECK(c.blind_spots[0].description ==
        "process not found: pidfile /opt/wso2/wso2carbon.pid: No such file or directory for 5m "
        "or more");
  CHECK(c.blind_spots[1].subject == "host");
  CHECK(c.blind_spots[1].description ==
        "/proc cannot be read: memory figures unavailable, CPU figures unavailable");
  CHECK_FALSE(c.host_seen);
  in.targets[0].up = true;
  in.host = HealthyHost();
  CHECK(t.Update(in).blind_spots.empty());
}

TEST_CASE("coverage lists rule files with the rules loaded from each", "[daemon][coverage]") {
  CoverageTracker t(minutes(5), kStart);
  CoverageInput in = At(kStart, {});
  in.rule_files = {"/r/a.yaml", "/r/b.yaml"};
  in.rule_sources = {"/r/a.yaml", "/r/a.yaml"};
  Coverage c = t.Update(in);
  CHECK(c.rules == 2);
  REQUIRE(c.rule_files.size() == 2);
  CHECK(c.rule_files[0].rules == 2);
  CHECK(c.rule_files[1].path == "/r/b.yaml");
  CHECK(c.rule_files[1].rules == 0);
}

}  // namespace
}  // namespace cg

namespace cg {

TEST_CASE("a log no loaded rule reads is a blind spot at once, except an access log",
          "[daemon][coverage]") {
  CoverageTracker t(std::chrono::minutes(5), kStart);
  CoverageLogInput carbon = Log("carbon", "", 100, 100);
  carbon.format = LogFormat::kCustom;
  carbon.rules_reading = 0;
  CoverageLogInput access = Log("access", "", 100, 100);
  access.format = LogFormat::kTomcatAccess;
  access.rules_reading = 0;
  CoverageLogInput errors = Log("gw-errors", "", 100, 100);
  errors.format = LogFormat::kWso2Errors;
  errors.rules_reading = 12;
  Coverage c = t.Update(At(kStart + std::chrono::seconds(1), {carbon, access, errors}));
  REQUIRE(c.blind_spots.size() == 1);
  CHECK(c.blind_spots[0].subject == "log carbon");
  CHECK(c.blind_spots[0].description.find("no loaded rule reads it (format custom)") == 0);
  CHECK(c.blind_spots[0].description.find("source_as") != std::string::npos);
  REQUIRE(c.logs.size() == 3);
  CHECK_FALSE(c.logs[0].seen);
  CHECK(c.logs[1].seen);
  CHECK(c.logs[2].seen);
  // A reload that brings a rule for it clears it at the next look.
  carbon.rules_reading = 1;
  c = t.Update(At(kStart + std::chrono::seconds(2), {carbon, access, errors}));
  CHECK(c.blind_spots.empty());
  // Not known (a caller that does not say): no judgement.
  carbon.rules_reading.reset();
  CHECK(t.Update(At(kStart + std::chrono::seconds(3), {carbon})).blind_spots.empty());
}

}  // namespace cg
