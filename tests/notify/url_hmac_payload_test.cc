// Pure pieces of the notifier: URLs, signatures, payload shapes, status classification.
#include <catch2/catch.hpp>

#include "base/units.h"
#include "daemon/notify/hmac.h"
#include "daemon/notify/payloads.h"
#include "daemon/notify/sender.h"
#include "daemon/notify/url.h"
#include "tests/notify/notify_test_util.h"

namespace cg {
namespace {

using testing::kT0;

using nlohmann::json;

TEST_CASE("receiver URLs parse into origin and path", "[notify][url]") {
  auto [text, origin, path] = GENERATE(table<std::string, std::string, std::string>({
      {"http://127.0.0.1:9093", "http://127.0.0.1:9093", "/"},
      {"http://am.example:9093/", "http://am.example:9093", "/"},
      {"HTTPS://hooks.example/services/T0/B0?x=1", "https://hooks.example:443",
       "/services/T0/B0?x=1"},
      {"http://[::1]:8080/hook#frag", "http://[::1]:8080", "/hook"},
      {"http://host?q", "http://host:80", "/?q"},
  }));
  INFO(text);
  auto u = ParseHttpUrl(text);
  REQUIRE(u.ok());
  CHECK(u->Origin() == origin);
  CHECK(u->path == path);
}

TEST_CASE("malformed receiver URLs say what is wrong", "[notify][url]") {
  auto [text, why] = GENERATE(table<std::string, std::string>({
      {"127.0.0.1:9093", "expected http://host[:port][/path]"},
      {"ftp://host/", "scheme must be http or https"},
      {"http://:9093/", "missing host"},
      {"http://host:0/", "port must be 1..65535"},
      {"http://host:99999/", "port must be 1..65535"},
      {"http://host:/", "port must be 1..65535"},
      {"http://user:pw@host/", "credentials in the URL are not supported"},
      {"http://[::1/", "unterminated IPv6 address"},
  }));
  INFO(text);
  auto u = ParseHttpUrl(text);
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().message() == "invalid URL \"" + text + "\": " + why);
}

TEST_CASE("the Alertmanager path is appended under the base path", "[notify][url]") {
  CHECK(ParseHttpUrl("http://am:9093")->WithPath("/api/v2/alerts").ToString() ==
        "http://am:9093/api/v2/alerts");
  CHECK(ParseHttpUrl("http://am:9093/prefix/")->WithPath("/api/v2/alerts").ToString() ==
        "http://am:9093/prefix/api/v2/alerts");
}

TEST_CASE("HMAC-SHA256 matches the RFC 4231 test vectors", "[notify][hmac]") {
  // RFC 4231 test case 2.
  CHECK(HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 1: key = 20 x 0x0b, data = "Hi There".
  CHECK(HmacSha256Hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(WebhookSignature("Jefe", "what do ya want for nothing?").rfind("sha256=5bdcc146", 0) == 0);
}

TEST_CASE("label names are sanitized for Alertmanager", "[notify][payload]") {
  CHECK(SanitizeLabelName("http.status") == "http_status");
  CHECK(SanitizeLabelName("9lives") == "_9lives");
  CHECK(SanitizeLabelName("") == "_");
  CHECK(SanitizeLabelName("ok_Name1") == "ok_Name1");
}

TEST_CASE("an Alertmanager alert carries identity labels, annotations and times",
          "[notify][payload]") {
  AlertNotice n = testing::Notice("a1", "firing", kT0);
  n.labels.push_back({"severity", "ignored: identity labels win"});
  n.labels.push_back({"empty", ""});
  n.labels.push_back({"http.code", "503"});
  json a = AlertmanagerAlert(n, "gw-01", kT0 + std::chrono::minutes(4));
  CHECK(a["labels"] == json{{"alertname", "db-pool-exhausted"},
                            {"severity", "critical"},
                            {"instance", "gw-01"},
                            {"target", "apim"},
                            {"component", "gateway"},
                            {"http_code", "503"}});
  CHECK(a["annotations"]["summary"] == "DB connection pool exhausted");
  CHECK(a["annotations"]["recommendation"] == "rollback");
  CHECK(a["annotations"]["alert_id"] == "a1");
  CHECK(a["annotations"]["evidence"].get<std::string>().find("Unable to create") !=
        std::string::npos);
  CHECK(a["startsAt"] == "2025-11-25T02:00:00.000Z");
  CHECK(a["endsAt"] == "2025-11-25T02:04:00.000Z");
}

TEST_CASE("endsAt is never before startsAt", "[notify][payload]") {
  json a =
      AlertmanagerAlert(testing::Notice("a1", "resolved", kT0), "i", kT0 - std::chrono::hours(1));
  CHECK(a["endsAt"] == a["startsAt"]);
}

TEST_CASE("long evidence is cut without splitting UTF-8", "[notify][payload]") {
  AlertNotice n = testing::Notice("a1", "firing", kT0);
  n.evidence = std::string(kMaxEvidenceBytes - 1, 'x') + "\xc3\xa9" + std::string(100, 'y');
  std::string cut = AlertmanagerAlert(n, "i", kT0)["annotations"]["evidence"];
  CHECK(cut.rfind(std::string(kMaxEvidenceBytes - 1, 'x') + "\n[... 102 bytes cut]", 0) == 0);
}

TEST_CASE("alert notices survive the spool encoding unchanged", "[notify][payload]") {
  AlertNotice n = testing::Notice("a1", "resolved", kT0, kT0 + std::chrono::seconds(90));
  auto back = AlertNoticeFromJson(json::parse(AlertNoticeToJson(n).dump()));
  REQUIRE(back.ok());
  CHECK(back->id == n.id);
  CHECK(back->labels == n.labels);
  CHECK(back->starts_at == n.starts_at);
  CHECK(back->ends_at == n.ends_at);
  CHECK(back->evidence == n.evidence);
  CHECK_FALSE(AlertNoticeFromJson(json{{"id", "x"}}).ok());
}

TEST_CASE("webhook events have a stable documented shape", "[notify][payload]") {
  json e = WebhookAlertEvent(testing::Notice("a1", "firing", kT0), "gw-01", "d-1");
  CHECK(e["version"] == "1");
  CHECK(e["kind"] == "alert");
  CHECK(e["delivery_id"] == "d-1");
  CHECK(e["instance"] == "gw-01");
  CHECK(e["alert"]["state"] == "firing");
  CHECK(e["alert"]["labels"] == json{{"target", "apim"}, {"component", "gateway"}});
  CHECK(e["alert"]["ends_at"].is_null());
  json r = WebhookRecommendationEvent({"continue", "rollback", {"db pool exhausted"}, kT0}, "gw-01",
                                      "d-2");
  CHECK(r["recommendation"] == json{{"from", "continue"},
                                    {"to", "rollback"},
                                    {"reasons", {"db pool exhausted"}},
                                    {"at", "2025-11-25T02:00:00.000Z"}});
}

TEST_CASE("receiver answers are classified as delivered, retry or refused", "[notify][sender]") {
  using K = SendOutcome::Kind;
  auto [status, kind] = GENERATE(table<int, K>({{200, K::kOk},
                                                {202, K::kOk},
                                                {400, K::kReject},
                                                {413, K::kReject},
                                                {422, K::kReject},
                                                {401, K::kRetry},
                                                {404, K::kRetry},
                                                {408, K::kRetry},
                                                {429, K::kRetry},
                                                {500, K::kRetry},
                                                {503, K::kRetry},
                                                {301, K::kRetry},
                                                {0, K::kRetry}}));
  INFO(status);
  CHECK(ClassifyStatus(status) == kind);
}

}  // namespace
}  // namespace cg
