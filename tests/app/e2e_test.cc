// The real daemon with the real Prometheus and Alertmanager from Debian's packages, on
// loopback ports chosen at run time.
#include <catch2/catch.hpp>

#include "tests/app/daemon_fixture.h"
#include "tests/support/real_services.h"

namespace cg {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::CarbonLine;
using testing::Daemon;
using testing::WaitUntil;

// Two rules that fire on a single record and resolve 2 s after the last one.
constexpr const char* kFastRules = R"(rules:
  - id: E2EDatabaseDown
    description: The database cannot be reached
    severity: critical
    match: 'Communications link failure'
    threshold: {count: 1, window: 2s}
  - id: E2EKeystoreMismatch
    description: Encrypted data cannot be decrypted
    severity: critical
    match: 'An error occurred while decrypting data'
    threshold: {count: 1, window: 2s}
)";

std::string AlertingConfig(const std::string& am_url) {
  return "alerting:\n  alertmanager: {url: \"" + am_url +
         "\", resend_interval: 1s, timeout: 2s}\ninstance: gw-e2e\n";
}

// Waits (30 s at most) until Prometheus answers `query` with one series whose value is 1.
bool WaitForOneSeriesOfOne(testing::RealPrometheus& prom, const std::string& query) {
  return testing::WaitFor(
      [&] {
        const json result = prom.Query(query);
        return result.size() == 1 && result[0]["value"][1] == "1";
      },
      30s);
}

}  // namespace

TEST_CASE("Prometheus scrapes the daemon and sees up and cutover_guard_ series",
          "[app][e2e][prometheus]") {
  INFO("needs the Debian package prometheus (./dev deps)");
  REQUIRE(testing::HasExecutable(testing::kPrometheusBinary));
  testing::TempDir dir;
  Daemon d(dir);
  d.Start();
  testing::RealPrometheus prom(dir, testing::FreeLoopbackPort(), "cutover-guard",
                               "127.0.0.1:" + std::to_string(d.port()));
  REQUIRE(prom.Start());
  INFO("prometheus log:\n" << prom.Log());
  REQUIRE(WaitForOneSeriesOfOne(prom, "up{job=\"cutover-guard\"}"));
  REQUIRE(WaitForOneSeriesOfOne(prom, "cutover_guard_ready"));
  json rec = prom.Query("cutover_guard_recommendation{recommendation=\"continue\"}");
  REQUIRE(rec.size() == 1);
  CHECK(rec[0]["value"][1] == "1");
  CHECK(prom.Query("cutover_guard_log_lines_total{log=\"carbon\"}").size() == 1);
}

TEST_CASE("Alertmanager receives a firing alert from a rule and then its resolution",
          "[app][e2e][alertmanager]") {
  INFO("needs the Debian package prometheus-alertmanager (./dev deps)");
  REQUIRE(testing::HasExecutable(testing::kAlertmanagerBinary));
  testing::TempDir dir;
  testing::RealAlertmanager am(dir, testing::FreeLoopbackPort());
  REQUIRE(am.Start());
  Daemon d(dir, AlertingConfig(am.url()), kFastRules);
  d.Start();
  d.Append(CarbonLine("ERROR", "CommunicationsException: Communications link failure"));
  json alert;
  REQUIRE(testing::WaitFor([&] { return !(alert = am.Find("E2EDatabaseDown")).is_null(); }, 30s));
  CHECK(alert["labels"]["severity"] == "critical");
  CHECK(alert["labels"]["instance"] == "gw-e2e");
  CHECK(alert["status"]["state"] == "active");
  // The window is 2 s: with no new match the alert resolves, and Alertmanager hears it.
  REQUIRE(testing::WaitFor([&] { return am.Absent("E2EDatabaseDown"); }, 30s));
  json s;
  REQUIRE(WaitUntil(
      [&] { return (s = d.Get("/api/v1/alerts?state=resolved")["alerts"]).size() == 1; }));
  CHECK(s[0]["rule"] == "E2EDatabaseDown");
}

TEST_CASE("alerts fired while Alertmanager is down, across a daemon restart, all arrive",
          "[app][e2e][alertmanager]") {
  REQUIRE(testing::HasExecutable(testing::kAlertmanagerBinary));
  testing::TempDir dir;
  testing::RealAlertmanager am(dir, testing::FreeLoopbackPort());
  REQUIRE(am.Start());
  // Long windows here: the alerts must still be firing when Alertmanager comes back.
  std::string rules = kFastRules;
  for (size_t p; (p = rules.find("window: 2s")) != std::string::npos;) {
    rules.replace(p, 10, "window: 10m");
  }
  {
    Daemon d(dir, AlertingConfig(am.url()), rules);
    d.Start();
    am.Stop();
    d.Append(CarbonLine("ERROR", "CommunicationsException: Communications link failure"));
    REQUIRE(WaitUntil([&] { return d.Get("/api/v1/status")["alerts"]["firing"] == 1; }));
    REQUIRE(d.Stop() == 0);  // The undelivered notice is in the spool now.
  }
  Daemon d(dir, AlertingConfig(am.url()), rules);
  d.Start();
  d.Append(CarbonLine("ERROR", "CryptoException: An error occurred while decrypting data."));
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/status")["alerts"]["firing"] == 2; }));
  REQUIRE(am.Start());
  INFO("alertmanager log:\n" << am.Log());
  CHECK(testing::WaitFor([&] { return !am.Find("E2EDatabaseDown").is_null(); }, 60s));
  CHECK(testing::WaitFor([&] { return !am.Find("E2EKeystoreMismatch").is_null(); }, 60s));
}

}  // namespace cg

namespace cg {

TEST_CASE("a live scrape of the whole daemon passes promtool check metrics", "[app][e2e]") {
  REQUIRE(testing::HasExecutable("/usr/bin/promtool"));
  testing::TempDir dir;
  Daemon d(dir);
  d.Start();
  d.Append(CarbonLine("ERROR", "CommunicationsException: Communications link failure"));
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() == 1; }));
  std::string scrape = d.Metrics();
  CHECK(scrape.find("cutover_guard_build_info{version=\"0.1.0\"} 1") != std::string::npos);
  dir.Write("scrape.txt", scrape);
  std::string cmd = "/usr/bin/promtool check metrics < " + (dir / "scrape.txt").string() + " > " +
                    (dir / "promtool.out").string() + " 2>&1";
  int rc = std::system(cmd.c_str());
  INFO(std::ifstream(dir / "promtool.out").rdbuf());
  CHECK(rc == 0);
}

}  // namespace cg
