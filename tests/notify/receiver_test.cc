// Delivery logic of one receiver, driven step by step with a scripted sender and explicit times.
#include "daemon/notify/receiver.h"

#include <prometheus/registry.h>

#include <catch2/catch.hpp>

#include "base/units.h"
#include "daemon/notify/hmac.h"
#include "daemon/notify/payloads.h"
#include "tests/notify/notify_test_util.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using testing::kT0;

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeSender;

const MonoTime kM0 = MonoTime(std::chrono::seconds(1000));

// A receiver over a temp spool, with the sender kept reachable for scripting and inspection.
struct Rig {
  explicit Rig(bool alertmanager, std::string secret = "", uint64_t spool_bytes = 1 << 20) {
    ReceiverOptions o;
    o.name = alertmanager ? "alertmanager" : "webhook:ops";
    o.alertmanager = alertmanager;
    o.instance = "gw-01";
    o.secret = std::move(secret);
    o.resend_interval = seconds(60);
    o.retry_initial = seconds(1);
    o.retry_max = seconds(8);
    o.max_batch = 3;
    options = o;
    Open(spool_bytes);
  }
  void Open(uint64_t spool_bytes = 1 << 20) {
    queue.reset();
    auto s = Spool::Open(dir / "spool.jsonl", spool_bytes);
    REQUIRE(s.ok());
    auto f = std::make_unique<FakeSender>();
    sender = f.get();
    queue = std::make_unique<ReceiverQueue>(options, std::move(f), std::move(s.value()),
                                            RegisterReceiverMetrics(registry, options.name));
  }
  void PushAlert(const AlertNotice& n, WallTime at) {
    SpoolItem item{n.id + "@" + n.state, "alert",
                   std::chrono::duration_cast<milliseconds>(at.time_since_epoch()).count(),
                   nullptr};
    item.data =
        options.alertmanager ? AlertNoticeToJson(n) : WebhookAlertEvent(n, "gw-01", item.id);
    queue->Push(std::move(item));
  }
  double Metric(const std::string& name, const std::string& result = "") {
    for (const auto& f : registry.Collect()) {
      if (f.name != name) continue;
      for (const auto& m : f.metric) {
        bool match = result.empty();
        for (const auto& l : m.label) match = match || (l.name == "result" && l.value == result);
        if (match)
          return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
      }
    }
    return -1;
  }

  testing::TempDir dir;
  prometheus::Registry registry;
  ReceiverOptions options;
  FakeSender* sender = nullptr;
  std::unique_ptr<ReceiverQueue> queue;
};

TEST_CASE("spooled alerts go to Alertmanager in order, in batches", "[notify][receiver]") {
  Rig r(/*alertmanager=*/true);
  for (int i = 1; i <= 4; ++i)
    r.PushAlert(testing::Notice("a" + std::to_string(i), "firing", kT0), kT0);
  CHECK(r.Metric("cutover_guard_notification_queue_length") == 4);
  MonoTime next = r.queue->Step(kM0, kT0);
  CHECK(next == MonoTime::max());  // Nothing firing to re-send: only new input creates work.
  REQUIRE(r.sender->calls.size() == 2);
  json first = r.sender->calls[0].Json();
  REQUIRE(first.size() == 3);
  CHECK(first[0]["annotations"]["alert_id"] == "a1");
  CHECK(first[2]["annotations"]["alert_id"] == "a3");
  CHECK(r.sender->calls[1].Json()[0]["annotations"]["alert_id"] == "a4");
  CHECK(r.queue->spool().empty());
  CHECK(r.queue->status().sent == 4);
  CHECK(r.Metric("cutover_guard_notifications_total", "sent") == 4);
  CHECK(r.Metric("cutover_guard_notification_queue_length") == 0);
}

TEST_CASE("a failed delivery is retried with exponential backoff up to the cap",
          "[notify][receiver]") {
  Rig r(true);
  r.PushAlert(testing::Notice("a1", "firing", kT0), kT0);
  r.sender->fallback = FakeSender::Down();
  std::vector<milliseconds> delays;
  MonoTime now = kM0;
  for (int i = 0; i < 6; ++i) {
    MonoTime next = r.queue->Step(now, kT0);
    delays.push_back(std::chrono::duration_cast<milliseconds>(next - now));
    // Not due yet: no attempt in between.
    size_t calls = r.sender->calls.size();
    CHECK(r.queue->Step(next - milliseconds(1), kT0) == next);
    CHECK(r.sender->calls.size() == calls);
    now = next;
  }
  CHECK(delays == std::vector<milliseconds>{seconds(1), seconds(2), seconds(4), seconds(8),
                                            seconds(8), seconds(8)});
  CHECK(r.queue->status().consecutive_failures == 6);
  CHECK(r.queue->status().failed == 6);
  CHECK(r.queue->status().last_error == "connection refused");
  CHECK(r.queue->spool().size() == 1);

  r.sender->fallback = FakeSender::Ok();
  r.queue->Step(now, kT0);
  CHECK(r.queue->spool().empty());
  CHECK(r.queue->status().consecutive_failures == 0);
  CHECK(r.Metric("cutover_guard_notifications_total", "failed") == 6);
}

TEST_CASE("a firing alert delivered late gets endsAt from the time it is sent",
          "[notify][receiver]") {
  Rig r(true);
  r.PushAlert(testing::Notice("a1", "firing", kT0), kT0);
  r.sender->script = {FakeSender::Down()};
  r.queue->Step(kM0, kT0);
  // Delivered an hour later, after the outage: still active for 4 x resend from then.
  WallTime later = kT0 + std::chrono::hours(1);
  r.queue->Step(kM0 + std::chrono::hours(1), later);
  REQUIRE(r.sender->calls.size() == 2);
  json a = r.sender->calls[1].Json()[0];
  CHECK(a["startsAt"] == "2025-11-25T02:00:00.000Z");
  CHECK(a["endsAt"] == "2025-11-25T03:04:00.000Z");
}

TEST_CASE("a resolved alert is sent with its resolution time as endsAt", "[notify][receiver]") {
  Rig r(true);
  r.PushAlert(testing::Notice("a1", "resolved", kT0, kT0 + seconds(90)), kT0 + seconds(91));
  r.queue->Step(kM0, kT0 + std::chrono::hours(2));
  REQUIRE(r.sender->calls.size() == 1);
  CHECK(r.sender->calls[0].Json()[0]["endsAt"] == "2025-11-25T02:01:30.000Z");
}

TEST_CASE("a refused batch is retried one by one and only the bad alert is dropped",
          "[notify][receiver]") {
  Rig r(true);
  for (const char* id : {"a1", "bad", "a3"}) r.PushAlert(testing::Notice(id, "firing", kT0), kT0);
  r.sender->script = {FakeSender::Refused(), FakeSender::Ok(), FakeSender::Refused(),
                      FakeSender::Ok()};
  r.queue->Step(kM0, kT0);
  REQUIRE(r.sender->calls.size() == 4);
  CHECK(r.sender->calls[0].Json().size() == 3);
  CHECK(r.sender->calls[1].Json()[0]["annotations"]["alert_id"] == "a1");
  CHECK(r.sender->calls[2].Json()[0]["annotations"]["alert_id"] == "bad");
  CHECK(r.sender->calls[3].Json()[0]["annotations"]["alert_id"] == "a3");
  CHECK(r.queue->spool().empty());
  CHECK(r.queue->status().sent == 2);
  CHECK(r.queue->status().rejected == 1);
  CHECK(r.Metric("cutover_guard_notifications_total", "rejected") == 1);
}

TEST_CASE("the firing set is re-sent at once after start and then every resend interval",
          "[notify][receiver]") {
  Rig r(true);
  r.queue->SetFiring({testing::Notice("a1", "firing", kT0), testing::Notice("a2", "firing", kT0)});
  MonoTime next = r.queue->Step(kM0, kT0);
  CHECK(next == kM0 + seconds(60));
  REQUIRE(r.sender->calls.size() == 1);
  json sent = r.sender->calls[0].Json();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0]["endsAt"] == "2025-11-25T02:04:00.000Z");

  CHECK(r.queue->Step(kM0 + seconds(59), kT0 + seconds(59)) == kM0 + seconds(60));
  CHECK(r.sender->calls.size() == 1);
  r.queue->Step(kM0 + seconds(60), kT0 + seconds(60));
  REQUIRE(r.sender->calls.size() == 2);
  CHECK(r.sender->calls[1].Json()[0]["endsAt"] == "2025-11-25T02:05:00.000Z");

  r.queue->SetFiring({});
  CHECK(r.queue->Step(kM0 + seconds(200), kT0) == MonoTime::max());
  CHECK(r.sender->calls.size() == 2);
}

TEST_CASE("after an outage the firing set is re-sent right after the backlog",
          "[notify][receiver]") {
  Rig r(true);
  r.queue->SetFiring({testing::Notice("a1", "firing", kT0)});
  r.queue->Step(kM0, kT0);  // Initial re-send.
  r.PushAlert(testing::Notice("a2", "firing", kT0), kT0);
  r.sender->script = {FakeSender::Down()};
  MonoTime retry = r.queue->Step(kM0 + seconds(1), kT0);
  CHECK(retry == kM0 + seconds(2));
  r.queue->Step(retry, kT0 + seconds(2));
  // Call 0: initial re-send; 1: failed a2; 2: a2 delivered; 3: firing set, long before the
  // regular re-send at kM0 + 60 s.
  REQUIRE(r.sender->calls.size() == 4);
  CHECK(r.sender->calls[2].Json()[0]["annotations"]["alert_id"] == "a2");
  CHECK(r.sender->calls[3].Json()[0]["annotations"]["alert_id"] == "a1");
}

TEST_CASE("webhook deliveries carry the event, delivery id and HMAC of the exact body",
          "[notify][receiver]") {
  Rig r(/*alertmanager=*/false, "hush");
  r.PushAlert(testing::Notice("a1", "firing", kT0), kT0);
  r.queue->Step(kM0, kT0);
  REQUIRE(r.sender->calls.size() == 1);
  const auto& call = r.sender->calls[0];
  CHECK(call.Header("X-Cutover-Guard-Event") == "alert");
  CHECK(call.Header("X-Cutover-Guard-Delivery") == "a1@firing");
  CHECK(call.Header("X-Cutover-Guard-Signature") == "sha256=" + HmacSha256Hex("hush", call.body));
  CHECK(call.Json()["alert"]["id"] == "a1");
}

TEST_CASE("a webhook without a secret sends no signature", "[notify][receiver]") {
  Rig r(false);
  r.PushAlert(testing::Notice("a1", "firing", kT0), kT0);
  r.queue->Step(kM0, kT0);
  REQUIRE(r.sender->calls.size() == 1);
  CHECK(r.sender->calls[0].Header("X-Cutover-Guard-Signature").empty());
}

TEST_CASE("a webhook retry sends the same bytes and signature", "[notify][receiver]") {
  Rig r(false, "hush");
  r.PushAlert(testing::Notice("a1", "firing", kT0), kT0);
  r.sender->script = {FakeSender::Down()};
  MonoTime retry = r.queue->Step(kM0, kT0);
  r.queue->Step(retry, kT0 + seconds(5));
  REQUIRE(r.sender->calls.size() == 2);
  CHECK(r.sender->calls[0].body == r.sender->calls[1].body);
  CHECK(r.sender->calls[0].headers == r.sender->calls[1].headers);
}

TEST_CASE("undelivered notifications survive a restart through the spool file",
          "[notify][receiver]") {
  Rig r(false);
  r.sender->fallback = FakeSender::Down();
  r.PushAlert(testing::Notice("a1", "firing", kT0), kT0);
  r.PushAlert(testing::Notice("a1", "resolved", kT0, kT0 + seconds(30)), kT0 + seconds(30));
  r.queue->Step(kM0, kT0);
  REQUIRE(r.sender->calls.size() == 1);

  r.Open();  // A new process over the same spool file.
  CHECK(r.queue->status().queue_length == 2);
  r.queue->Step(kM0, kT0);
  REQUIRE(r.sender->calls.size() == 2);
  CHECK(r.sender->calls[0].Json()["alert"]["state"] == "firing");
  CHECK(r.sender->calls[1].Json()["alert"]["state"] == "resolved");
  CHECK(r.queue->spool().empty());
}

TEST_CASE("a full spool drops the oldest and counts it", "[notify][receiver]") {
  Rig r(true, "", /*spool_bytes=*/1200);
  r.sender->fallback = FakeSender::Down();
  for (int i = 0; i < 5; ++i)
    r.PushAlert(testing::Notice("a" + std::to_string(i), "firing", kT0), kT0);
  CHECK(r.queue->status().dropped > 0);
  CHECK(r.queue->status().dropped + r.queue->spool().size() == 5);
  CHECK(r.Metric("cutover_guard_notification_spool_dropped_total") ==
        static_cast<double>(r.queue->status().dropped));
  // The newest survive.
  CHECK(r.queue->spool().at(r.queue->spool().size() - 1).id == "a4@firing");
}

TEST_CASE("a stop request ends a step before its next send", "[notify][receiver]") {
  Rig r(true);
  for (int i = 0; i < 9; ++i)
    r.PushAlert(testing::Notice("a" + std::to_string(i), "firing", kT0), kT0);
  r.queue->RequestStop();
  CHECK(r.queue->Step(kM0, kT0) == kM0);
  CHECK(r.sender->calls.empty());
  CHECK(r.queue->spool().size() == 9);
}

}  // namespace
}  // namespace cg
