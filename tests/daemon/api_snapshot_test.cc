#include "daemon/api_snapshot.h"

#include <catch2/catch.hpp>

namespace cg {
namespace {

const WallTime kNow = WallTime(std::chrono::seconds(1'764'900'000));

Alert MakeAlert(std::string id, Severity severity, AlertState state) {
  Alert a;
  a.id = std::move(id);
  a.rule = "r-" + a.id;
  a.severity = severity;
  a.state = state;
  a.first_seen = a.last_seen = kNow - std::chrono::seconds(30);
  return a;
}

StatusSnapshot Sample() {
  StatusSnapshot s;
  s.now = kNow;
  s.heartbeat = MonoTime(std::chrono::seconds(42));
  s.alerts = {MakeAlert("a1", Severity::kCritical, AlertState::kFiring),
              MakeAlert("a2", Severity::kWarning, AlertState::kFiring),
              MakeAlert("a3", Severity::kWarning, AlertState::kPending),
              MakeAlert("a4", Severity::kCritical, AlertState::kResolved)};
  s.recommendation.verdict = Verdict::kRollback;
  s.recommendation.blind_spots = {
      {"log access", "no file matches", kNow - std::chrono::minutes(6)}};
  s.cutover_at = kNow - std::chrono::seconds(120);
  s.warmup = std::chrono::minutes(5);
  LogStatus log;
  log.name = "carbon";
  log.lines = 7;
  s.logs = {log};
  s.daemon = {.version = "0.1.0",
              .instance = "gw-1",
              .config_path = "/etc/cutover-guard/config.yaml",
              .started_at = kNow - std::chrono::hours(1),
              .uptime = std::chrono::hours(1),
              .ready = true,
              .records = 12,
              .rules = 3,
              .reloads_ok = 2,
              .reloads_failed = 1,
              .last_reload_error = "bad rule"};
  return s;
}

}  // namespace

TEST_CASE("the status document counts alerts by state and severity", "[daemon][snapshot]") {
  auto snap = RenderApiSnapshot(Sample());
  const auto& alerts = snap->status["alerts"];
  CHECK(alerts["firing"] == 2);
  CHECK(alerts["pending"] == 1);
  CHECK(alerts["firing_by_severity"]["critical"] == 1);
  CHECK(alerts["firing_by_severity"]["warning"] == 1);
  CHECK(alerts["firing_by_severity"]["info"] == 0);
  REQUIRE(snap->alerts.size() == 4);  // Every alert, resolved ones too.
  CHECK(snap->alerts[3]["id"] == "a4");
  CHECK(snap->alerts[3]["state"] == "resolved");
}

TEST_CASE("the status document carries the verdict cutover coverage and daemon",
          "[daemon][snapshot]") {
  auto snap = RenderApiSnapshot(Sample());
  const auto& st = snap->status;
  CHECK(st["recommendation"] == "rollback");
  CHECK(st["cutover"]["since_seconds"] == 120.0);
  CHECK(st["cutover"]["warmup_seconds"] == 300.0);
  REQUIRE(st["coverage"]["blind_spots"].size() == 1);
  CHECK(st["coverage"]["blind_spots"][0]["subject"] == "log access");
  REQUIRE(st["logs"].size() == 1);
  CHECK(st["logs"][0]["name"] == "carbon");
  CHECK(st["daemon"]["reloads"]["success"] == 2);
  CHECK(st["daemon"]["reloads"]["failure"] == 1);
  CHECK(st["daemon"]["uptime_seconds"] == 3600.0);
  CHECK(st["daemon"]["last_reload_error"] == "bad rule");
  CHECK(snap->ready);
  CHECK(snap->loop_heartbeat == MonoTime(std::chrono::seconds(42)));
}

TEST_CASE("without a cutover mark its time fields are null", "[daemon][snapshot]") {
  StatusSnapshot s = Sample();
  s.cutover_at.reset();
  auto snap = RenderApiSnapshot(s);
  CHECK(snap->status["cutover"]["at"].is_null());
  CHECK(snap->status["cutover"]["since_seconds"].is_null());
}

}  // namespace cg
