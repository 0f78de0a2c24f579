// The threaded Notifier over real HTTP: local recording receivers on ephemeral ports, real
// clocks and bounded waits.
#include "daemon/notify/notifier.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>

#include "daemon/http/http_metrics.h"
#include "daemon/notify/hmac.h"
#include "tests/notify/notify_test_util.h"
#include "tests/support/external_process.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using testing::kT0;

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kDeliveryWait = seconds(20);

NotifierOptions WebhookOptions(prometheus::Registry* registry, const std::filesystem::path& spool,
                               const std::string& url, const std::filesystem::path& secret = "") {
  NotifierOptions o = testing::BaseOptions(registry, spool, milliseconds(50), milliseconds(200));
  WebhookConfig wh;
  wh.name = "ops";
  wh.url = url;
  wh.secret_file = secret;
  wh.timeout = milliseconds(2000);
  o.webhooks.push_back(wh);
  return o;
}

TEST_CASE("webhooks receive signed alert and recommendation events", "[notify][notifier]") {
  testing::RecordingReceiver receiver;
  testing::TempDir dir;
  prometheus::Registry registry;
  auto secret = dir.Write("secret", "hush\n");
  auto n = Notifier::Create(WebhookOptions(&registry, dir / "spool", receiver.url(), secret));
  REQUIRE(n.ok());
  (*n)->OnAlert(testing::Notice("a1", "firing", kT0));
  (*n)->OnRecommendation({"continue", "rollback", {"db pool exhausted"}, kT0});
  auto got = receiver.WaitForAccepted(2, kDeliveryWait);
  REQUIRE(got.size() == 2);
  CHECK(got[0].path == "/hook");
  CHECK(json::parse(got[0].body)["alert"]["id"] == "a1");
  CHECK(json::parse(got[1].body)["recommendation"]["to"] == "rollback");
  for (const auto& req : got) {
    CHECK(req.headers.find("X-Cutover-Guard-Signature")->second ==
          "sha256=" + HmacSha256Hex("hush", req.body));
    CHECK(req.headers.find("Content-Type")->second == "application/json");
    CHECK(req.headers.find("User-Agent")->second == "cutover-guard");
  }
  CHECK(got[0].headers.find("X-Cutover-Guard-Delivery")->second !=
        got[1].headers.find("X-Cutover-Guard-Delivery")->second);
}

TEST_CASE("notifications wait out a receiver outage and arrive in order", "[notify][notifier]") {
  testing::RecordingReceiver receiver;
  receiver.set_status(503);
  testing::TempDir dir;
  prometheus::Registry registry;
  auto n = Notifier::Create(WebhookOptions(&registry, dir / "spool", receiver.url()));
  REQUIRE(n.ok());
  for (int i = 1; i <= 3; ++i)
    (*n)->OnAlert(testing::Notice("a" + std::to_string(i), "firing", kT0));
  // Several refused attempts: the queue is held, not dropped.
  REQUIRE(receiver.WaitForAttempts(3, kDeliveryWait) >= 3);
  auto status = (*n)->status();
  REQUIRE(status.receivers.size() == 1);
  CHECK(status.receivers[0].name == "webhook:ops");
  CHECK(status.receivers[0].queue_length == 3);
  CHECK(status.receivers[0].last_error.find("HTTP 503") != std::string::npos);

  receiver.set_status(200);
  auto got = receiver.WaitForAccepted(3, kDeliveryWait);
  REQUIRE(got.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(json::parse(got[i].body)["alert"]["id"] == "a" + std::to_string(i + 1));
  }
  CHECK(testing::WaitFor([&] { return (*n)->status().receivers[0].queue_length == 0; },
                         kDeliveryWait));
  CHECK((*n)->status().receivers[0].sent == 3);
}

TEST_CASE("notifications handed over before a restart are delivered by the next process",
          "[notify][notifier]") {
  testing::TempDir dir;
  prometheus::Registry registry;
  std::string dead_url =
      "http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()) + "/hook";
  std::string delivery_id;
  {
    auto n = Notifier::Create(WebhookOptions(&registry, dir / "spool", dead_url));
    REQUIRE(n.ok());
    (*n)->OnAlert(testing::Notice("a1", "firing", kT0));
    (*n)->OnRecommendation({"continue", "investigate", {"gc pauses"}, kT0});
    REQUIRE((*n)->Flush(seconds(5)).ok());
    CHECK((*n)->status().receivers[0].queue_length == 2);
  }  // Destroyed: the "daemon" stops with both undelivered.

  testing::RecordingReceiver receiver;
  prometheus::Registry registry2;
  auto n = Notifier::Create(WebhookOptions(&registry2, dir / "spool", receiver.url()));
  REQUIRE(n.ok());
  auto got = receiver.WaitForAccepted(2, kDeliveryWait);
  REQUIRE(got.size() == 2);
  CHECK(json::parse(got[0].body)["alert"]["id"] == "a1");
  CHECK(json::parse(got[1].body)["recommendation"]["to"] == "investigate");
}

TEST_CASE("Create reports every configuration problem at once", "[notify][notifier]") {
  testing::TempDir dir;
  prometheus::Registry registry;
  NotifierOptions o;
  o.registry = &registry;
  o.spool_dir = dir / "spool";
  o.alertmanager = AlertmanagerConfig{"am:9093", milliseconds(60000), milliseconds(5000)};
  o.webhooks.push_back(WebhookConfig{"a", "http://h/x", dir / "missing-secret", milliseconds(1)});
  o.webhooks.push_back(WebhookConfig{"b", "http://h/x", "", milliseconds(1)});
  o.webhooks.push_back(WebhookConfig{"b", "http://h/y", "", milliseconds(1)});
  o.webhooks.push_back(WebhookConfig{"c", "http://h/x", dir.Write("empty", "\n"), milliseconds(1)});
  auto n = Notifier::Create(o);
  REQUIRE_FALSE(n.ok());
  const std::string& m = n.error().message();
  CHECK(m.find("alertmanager: invalid URL \"am:9093\"") != std::string::npos);
  CHECK(m.find("webhook:a: secret_file: ") != std::string::npos);
  CHECK(m.find("webhook:b: duplicate webhook name") != std::string::npos);
  CHECK(m.find("webhook:c: secret_file " + (dir / "empty").string() + " is empty") !=
        std::string::npos);
}

TEST_CASE("status lists receivers with their counters as JSON", "[notify][notifier]") {
  testing::RecordingReceiver receiver;
  testing::TempDir dir;
  prometheus::Registry registry;
  auto n = Notifier::Create(WebhookOptions(&registry, dir / "spool", receiver.url()));
  REQUIRE(n.ok());
  (*n)->OnAlert(testing::Notice("a1", "firing", kT0));
  REQUIRE(receiver.WaitForAccepted(1, kDeliveryWait).size() == 1);
  REQUIRE(testing::WaitFor([&] { return (*n)->status().receivers[0].sent == 1; }, kDeliveryWait));
  json j = ToJson((*n)->status());
  REQUIRE(j["receivers"].size() == 1);
  json r = j["receivers"][0];
  CHECK(r["name"] == "webhook:ops");
  CHECK(r["url"] ==
        receiver.url().substr(0, 7) + "127.0.0.1:" + std::to_string(receiver.port()) + "/hook");
  CHECK(r["sent"] == 1);
  CHECK(r["queue_length"] == 0);
  CHECK(r["last_success"].is_string());
  CHECK(r["last_failure"].is_null());
}

TEST_CASE("promtool check metrics is clean for the notifier and HTTP families",
          "[notify][notifier][promtool]") {
  INFO("install the Debian package: ./dev deps (or apt-get install prometheus)");
  REQUIRE(testing::HasExecutable("/usr/bin/promtool"));
  testing::RecordingReceiver receiver;
  testing::TempDir dir;
  prometheus::Registry registry;
  NotifierOptions o = WebhookOptions(&registry, dir / "spool", receiver.url());
  o.alertmanager = AlertmanagerConfig{receiver.url("/am"), seconds(60), seconds(2)};
  RegisterBuildInfo(registry, "1.0.0", kT0);
  auto n = Notifier::Create(o);
  REQUIRE(n.ok());
  (*n)->OnAlert(testing::Notice("a1", "firing", kT0));
  REQUIRE(receiver.WaitForAccepted(2, kDeliveryWait).size() == 2);
  prometheus::TextSerializer serializer;
  auto file = dir.Write("scrape.txt", serializer.Serialize(registry.Collect()));
  std::string out;
  int rc = testing::RunShell("/usr/bin/promtool check metrics < " + file.string(), &out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.empty());
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

TEST_CASE("the firing set is re-sent to Alertmanager on the injected clock", "[notify][notifier]") {
  testing::RecordingReceiver am;
  testing::TempDir dir;
  prometheus::Registry registry;
  FakeClock clock(WallTime(std::chrono::seconds(1'764'036'000)));
  NotifierOptions o;
  o.alertmanager =
      AlertmanagerConfig{am.url("/"), std::chrono::seconds(60), std::chrono::seconds(2)};
  o.instance = "gw-01";
  o.spool_dir = dir / "spool";
  o.registry = &registry;
  o.clock = &clock;
  auto n = Notifier::Create(o);
  REQUIRE(n.ok());
  (*n)->SetFiring({testing::Notice("a1", "firing", clock.Now())});
  auto first = am.WaitForAccepted(1, std::chrono::seconds(20));
  REQUIRE(first.size() == 1);
  CHECK(first[0].path == "/api/v2/alerts");
  CHECK(nlohmann::json::parse(first[0].body)[0]["endsAt"] == "2025-11-25T02:04:00.000Z");

  clock.Advance(std::chrono::seconds(59));
  (*n)->Poke();
  // Not due yet: no second request (a negative check can only look for a while).
  CHECK(am.WaitForAccepted(2, std::chrono::milliseconds(300)).size() == 1);

  clock.Advance(std::chrono::seconds(1));
  (*n)->Poke();
  auto second = am.WaitForAccepted(2, std::chrono::seconds(20));
  REQUIRE(second.size() == 2);
  CHECK(nlohmann::json::parse(second[1].body)[0]["endsAt"] == "2025-11-25T02:05:00.000Z");
}

}  // namespace
}  // namespace cg
