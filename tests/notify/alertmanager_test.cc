// Against the real Debian Alertmanager, started on a loopback port chosen at run time and
// checked through its own API (GET /api/v2/alerts).
#include <prometheus/registry.h>

#include <catch2/catch.hpp>

#include "collectors/base/units.h"
#include "daemon/notify/notifier.h"
#include "tests/http/external_process.h"
#include "tests/notify/notify_test_util.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";
constexpr auto kWait = seconds(30);

// One Alertmanager process on 127.0.0.1:port with its config and data under `dir`. Start() can
// be called again after Stop() (same port, same data directory: a restart).
class Alertmanager {
 public:
  Alertmanager(const testing::TempDir& dir, uint16_t port) : dir_(dir), port_(port) {
    dir_.Write("alertmanager.yml",
               "route:\n"
               "  receiver: blackhole\n"
               "  group_wait: 1s\n"
               "receivers:\n"
               "  - name: blackhole\n");
  }
  bool Start() {
    process_ = std::make_unique<testing::ExternalProcess>(
        std::vector<std::string>{kAlertmanager,
                                 "--config.file=" + (dir_ / "alertmanager.yml").string(),
                                 "--storage.path=" + (dir_ / "am-data").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--cluster.listen-address=", "--log.level=warn"},
        dir_ / "alertmanager.log");
    return testing::WaitFor(
               [&] {
                 if (!process_->Running()) return true;
                 httplib::Client c("127.0.0.1", port_);
                 auto r = c.Get("/-/ready");
                 return r && r->status == 200;
               },
               kWait) &&
           process_->Running();
  }
  void Stop() {
    if (process_) process_->Stop();
  }
  std::string Log() const { return process_ ? process_->Log() : ""; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Active alerts as Alertmanager reports them (resolved ones are not listed).
  json Alerts() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(seconds(5));
    auto r = c.Get("/api/v2/alerts");
    if (!r || r->status != 200) return json::array();
    json j = json::parse(r->body, nullptr, false);
    return j.is_array() ? j : json::array();
  }
  // The active alert whose alert_id annotation is `id`, or null.
  json Find(const std::string& id) const {
    for (const json& a : Alerts()) {
      if (a["annotations"].value("alert_id", "") == id) return a;
    }
    return nullptr;
  }

 private:
  const testing::TempDir& dir_;
  uint16_t port_;
  std::unique_ptr<testing::ExternalProcess> process_;
};

NotifierOptions AmOptions(prometheus::Registry* registry, const std::filesystem::path& spool,
                          const std::string& url) {
  NotifierOptions o;
  o.alertmanager = AlertmanagerConfig{url, seconds(60), seconds(2)};
  o.instance = "gw-01";
  o.spool_dir = spool;
  o.retry_initial = milliseconds(100);
  o.retry_max = milliseconds(500);
  o.registry = registry;
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

TEST_CASE("Alertmanager receives a firing alert and then its resolution",
          "[notify][integration][alertmanager]") {
  INFO("install the Debian package: ./dev deps (or apt-get install prometheus-alertmanager)");
  REQUIRE(testing::HasExecutable(kAlertmanager));
  testing::TempDir dir;
  Alertmanager am(dir, testing::FreeLoopbackPort());
  REQUIRE(am.Start());
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
        alert = am.Find("a1");
        return !alert.is_null();
      },
      kWait));
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
  CHECK(testing::WaitFor([&] { return am.Find("a1").is_null(); }, kWait));
  auto status = (*n)->status();
  CHECK(status.receivers[0].name == "alertmanager");
  CHECK(status.receivers[0].queue_length == 0);
  CHECK(status.receivers[0].failed == 0);
  am.Stop();
}

TEST_CASE("alerts survive an Alertmanager outage with a daemon restart in between",
          "[notify][integration][alertmanager]") {
  INFO("install the Debian package: ./dev deps (or apt-get install prometheus-alertmanager)");
  REQUIRE(testing::HasExecutable(kAlertmanager));
  testing::TempDir dir;
  Alertmanager am(dir, testing::FreeLoopbackPort());
  REQUIRE(am.Start());
  INFO("alertmanager log:\n" << am.Log());
  WallTime starts = std::chrono::system_clock::now() - seconds(5);

  {
    prometheus::Registry registry;
    auto n = Notifier::Create(AmOptions(&registry, dir / "spool", am.url()));
    REQUIRE(n.ok());
    (*n)->OnAlert(Firing("a1", starts));
    REQUIRE(testing::WaitFor([&] { return !am.Find("a1").is_null(); }, kWait));

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
        kWait));
    REQUIRE((*n)->Flush(seconds(5)).ok());
  }  // The daemon stops.

  // The daemon starts again while Alertmanager is still down: the spool is restored and retried.
  prometheus::Registry registry;
  auto n = Notifier::Create(AmOptions(&registry, dir / "spool", am.url()));
  REQUIRE(n.ok());
  CHECK((*n)->status().receivers[0].queue_length == 3);
  REQUIRE(testing::WaitFor([&] { return (*n)->status().receivers[0].consecutive_failures >= 1; },
                           kWait));

  REQUIRE(am.Start());  // Same port, fresh in-memory alert state.
  CHECK(testing::WaitFor([&] { return !am.Find("a2").is_null() && !am.Find("a3").is_null(); },
                         kWait));
  CHECK(testing::WaitFor([&] { return (*n)->status().receivers[0].queue_length == 0; }, kWait));
  CHECK(am.Find("a1").is_null());  // Its resolution came after its firing: not active.
  CHECK(am.Find("a2")["status"]["state"] == "active");
  auto s = (*n)->status().receivers[0];
  CHECK(s.sent == 3);
  CHECK(s.dropped == 0);
  CHECK(s.rejected == 0);
  am.Stop();
}

}  // namespace
}  // namespace cg
