#include "daemon/reload_plan.h"

#include <catch2/catch.hpp>

namespace cg {
namespace {

using Action = ReloadPlan::LogAction;

// Two logs, one target, an Alertmanager: what a typical running daemon has.
Config Running() {
  auto r = ParseConfig(
      "listen: \"127.0.0.1:9860\"\n"
      "state_dir: /var/lib/cg\n"
      "targets:\n"
      "  - {name: wso2am, cmdline: 'Bootstrap'}\n"
      "logs:\n"
      "  - {name: carbon, path: /logs/wso2carbon.log}\n"
      "  - {name: errors, path: /logs/wso2-apigw-errors.log, format: wso2-errors}\n"
      "alerting:\n"
      "  alertmanager: {url: 'http://127.0.0.1:9093'}\n",
      "/cfg/c.yaml");
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("an unchanged config keeps everything running", "[daemon][reload]") {
  const ReloadPlan plan = PlanReload(Running(), Running());
  CHECK(plan.logs == std::vector<Action>{Action::kKeep, Action::kKeep});
  CHECK(plan.removed_logs.empty());
  CHECK_FALSE(plan.sampler);
  CHECK_FALSE(plan.notifier);
  CHECK_FALSE(plan.cutover);
  CHECK_FALSE(plan.coverage);
  CHECK(plan.restart_only.empty());
}

TEST_CASE("a changed log restarts only that log and an added one is added", "[daemon][reload]") {
  Config next = Running();
  next.logs[1].start_at = StartAt::kBeginning;
  LogSpec audit;
  audit.name = "audit";
  audit.path = "/logs/audit.log";
  audit.format = LogFormat::kWso2Audit;
  next.logs.insert(next.logs.begin(), audit);
  const ReloadPlan plan = PlanReload(Running(), next);
  CHECK(plan.logs == std::vector<Action>{Action::kAdd, Action::kKeep, Action::kRestart});
  CHECK(plan.removed_logs.empty());
  CHECK_FALSE(plan.sampler);
  CHECK_FALSE(plan.notifier);
}

TEST_CASE("a removed log is named and a new time zone restarts a log", "[daemon][reload]") {
  Config next = Running();
  next.logs.erase(next.logs.begin());
  next.logs[0].timezone = TimeZone::Utc();
  const ReloadPlan plan = PlanReload(Running(), next);
  CHECK(plan.logs == std::vector<Action>{Action::kRestart});
  CHECK(plan.removed_logs == std::vector<std::string>{"carbon"});
}

TEST_CASE("a new state_dir restarts every log and the notifier", "[daemon][reload]") {
  Config next = Running();
  next.state_dir = "/srv/cg";
  const ReloadPlan plan = PlanReload(Running(), next);
  CHECK(plan.logs == std::vector<Action>{Action::kRestart, Action::kRestart});
  CHECK(plan.notifier);
  CHECK_FALSE(plan.sampler);
}

TEST_CASE("targets and sampling changes rebuild the sampler only", "[daemon][reload]") {
  Config next = Running();
  next.targets[0].cmdline = "org\\.wso2\\.carbon\\.bootstrap\\.Bootstrap";
  CHECK(PlanReload(Running(), next).sampler);
  next = Running();
  next.sample_interval = std::chrono::milliseconds(500);
  const ReloadPlan plan = PlanReload(Running(), next);
  CHECK(plan.sampler);
  CHECK_FALSE(plan.notifier);
  CHECK(plan.logs == std::vector<Action>{Action::kKeep, Action::kKeep});
}

TEST_CASE("alerting and instance changes rebuild the notifier", "[daemon][reload]") {
  Config next = Running();
  next.alerting.alertmanager->url = "http://127.0.0.1:19093";
  CHECK(PlanReload(Running(), next).notifier);
  next = Running();
  next.instance = "gw-2";
  CHECK(PlanReload(Running(), next).notifier);
}

TEST_CASE("cutover and coverage changes are applied in place", "[daemon][reload]") {
  Config next = Running();
  next.cutover.at = WallTime(std::chrono::seconds(1'764'000'000));
  next.coverage.grace = std::chrono::minutes(1);
  const ReloadPlan plan = PlanReload(Running(), next);
  CHECK(plan.cutover);
  CHECK(plan.coverage);
  CHECK_FALSE(plan.sampler);
  CHECK_FALSE(plan.notifier);
}

TEST_CASE("listen and api changes wait for a restart", "[daemon][reload]") {
  Config next = Running();
  next.listen.port = 9861;
  next.api.threads = 8;
  const ReloadPlan plan = PlanReload(Running(), next);
  CHECK(plan.restart_only == std::vector<std::string>{"listen", "api"});
  CHECK(plan.logs == std::vector<Action>{Action::kKeep, Action::kKeep});
}

}  // namespace cg
