// Against the real Debian Alertmanager, started on a loopback port chosen at run time and
// checked through its own API (GET /api/v2/alerts).
#include <prometheus/registry.h>

#include <catch2/catch.hpp>

#include "base/units.h"
#include "daemon/notify/notifier.h"
#include "tests/notify/notify_test_util.h"
#include "tests/support/external_process.h"
#include "tests/support/real_services.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kAlertmanagerWait = seconds(30);

// A real Alertmanager (tests/support/real_services.h); alerts are found by their alert_id
// annotation, which the notifier sets to the alert's id.
using Alertmanager = testing::RealAlertmanager;

// An Alertmanager started in a temp dir, which the test needs installed.
struct AlertmanagerFixture {
  AlertmanagerFixture() {
    INFO("install the Debian package: ./dev deps (or apt-get install prometheus-alertmanager)");
    REQUIRE(testing::HasExecutable(testing::kAlertmanagerBinary));
    REQUIRE(am.Start());
  }
  testing::TempDir dir;
  Alertmanager am{dir, testing::FreeLoopbackPort()};
};

NotifierOptions AmOptions(prometheus::Registry* registry, const std::filesystem::path& spool,
                          const std::string& url) {
  NotifierOptions o = testing::BaseOptions(registry, spool, milliseconds(100), milliseconds(500));
  o.alertmanager = AlertmanagerConfig{url, seconds(60), seconds(2)};
  return o;
}

AlertNotice Firing(const std::string& id, WallTime starts) {
  AlertNotice n = testing::Notice(id, "firing", starts);
  n.rule = "rule-" + id;  // Distinct label sets: distinct Alertmanager alerts.
  return n;
}

AlertNotice Resolved(const std::string& id, WallTime starts, WallTime ends) {
  AlertNotice n = Firing(id, starts);
  n.state = "resolved";
  n.ends_at = ends;
  return n;
}

TEST_CASE_METHOD(AlertmanagerFixture,
                 "Alertmanager receives a firing alert and then its resolution",
                 "[notify][integration][alertmanager]") {
  INFO("alertmanager log:\n" << am.Log());

  prometheus::Registry registry;
  auto n = Notifier::Create(AmOptions(&registry, dir / "spool", am.url()));
  REQUIRE(n.ok());
  WallTime now = std::chrono::system_clock::now();
  WallTime starts = now - seconds(10);
  AlertNotice a1 = Firing("a1", starts);
  (*n)->OnAlert(a1);
  (*n)->SetFiring({a1});

  json alert = nullptr;
  REQUIRE(testing::WaitFor(
      [&] {
        alert = am.FindAnnotation("alert_id", "a1");
        return !alert.is_null();
      },
      kAlertmanagerWait));
  CHECK(alert["labels"] == json{{"alertname", "rule-a1"},
                                {"severity", "critical"},
                                {"instance", "gw-01"},
                                {"target", "apim"},
                                {"component", "gateway"}});
  CHECK(alert["status"]["state"] == "active");
  CHECK(alert["annotations"]["summary"] == "DB connection pool exhausted");
  CHECK(alert["annotations"]["recommendation"] == "rollback");
  // Firing: endsAt about now + 4 x resend_interval (4 minutes).
  auto ends = ParseCivilTime(alert["endsAt"].get<std::string>().substr(0, 19));
  REQUIRE(ends.ok());
  WallTime ends_at = TimeZone::Utc().ToWall(*ends);
  CHECK(ends_at > now + std::chrono::minutes(3));
  CHECK(ends_at < now + std::chrono::minutes(5));

  (*n)->OnAlert(Resolved("a1", starts, std::chrono::system_clock::now()));
  (*n)->SetFiring({});
  // Gone from the active list long before its firing endsAt (4 minutes away): the resolution
  // arrived.
  CHECK(testing::WaitFor([&] { return am.FindAnnotation("alert_id", "a1").is_null(); },
                         kAlertmanagerWait));
  auto status = (*n)->status();
  CHECK(status.receivers[0].name == "alertmanager");
  CHECK(status.receivers[0].queue_length == 0);
  CHECK(status.receivers[0].failed == 0);
  am.Stop();
}

TEST_CASE_METHOD(AlertmanagerFixture,
                 "alerts survive an Alertmanager outage with a daemon restart in between",
                 "[notify][integration][alertmanager]") {
  INFO("alertmanager log:\n" << am.Log());
  WallTime starts = std::chrono::system_clock::now() - seconds(5);

  {
    prometheus::Registry registry;
    auto n = Notifier::Create(AmOptions(&registry, dir / "spool", am.url()));
    REQUIRE(n.ok());
    (*n)->OnAlert(Firing("a1", starts));
    REQUIRE(testing::WaitFor([&] { return !am.FindAnnotation("alert_id", "a1").is_null(); },
                             kAlertmanagerWait));

    am.Stop();
    (*n)->OnAlert(Firing("a2", starts));
    (*n)->OnAlert(Firing("a3", starts));
    (*n)->OnAlert(Resolved("a1", starts, std::chrono::system_clock::now()));
    (*n)->SetFiring({Firing("a2", starts), Firing("a3", starts)});
    // Really undeliverable: attempts failed, all three held.
    REQUIRE(testing::WaitFor(
        [&] {
          auto s = (*n)->status().receivers[0];
          return s.consecutive_failures >= 2 && s.queue_length == 3;
        },
        kAlertmanagerWait));
    REQUIRE((*n)->Flush(seconds(5)).ok());
  }  // The daemon stops.

  // The daemon starts again while Alertmanager is still down: the spool is restored and retried.
  prometheus::Registry registry;
  auto n = Notifier::Create(AmOptions(&registry, dir / "spool", am.url()));
  REQUIRE(n.ok());
  CHECK((*n)->status().receivers[0].queue_length == 3);
  REQUIRE(testing::WaitFor([&] { return (*n)->status().receivers[0].consecutive_failures >= 1; },
                           kAlertmanagerWait));

  REQUIRE(am.Start());  // Same port, fresh in-memory alert state.
  CHECK(testing::WaitFor(
      [&] {
        return !am.FindAnnotation("alert_id", "a2").is_null() &&
               !am.FindAnnotation("alert_id", "a3").is_null();
      },
      kAlertmanagerWait));
  CHECK(testing::WaitFor([&] { return (*n)->status().receivers[0].queue_length == 0; },
                         kAlertmanagerWait));
  CHECK(am.FindAnnotation("alert_id", "a1")
            .is_null());  // Its resolution came after its firing: not active.
  CHECK(am.FindAnnotation("alert_id", "a2")["status"]["state"] == "active");
  auto s = (*n)->status().receivers[0];
  CHECK(s.sent == 3);
  CHECK(s.dropped == 0);
  CHECK(s.rejected == 0);
  am.Stop();
}

}  // namespace
}  // namespace cg
