// Every endpoint over a real socket on an ephemeral port: status codes, JSON fields, auth.
#include <prometheus/gauge.h>

#include <catch2/catch.hpp>

#include "base/units.h"
#include "tests/http/http_test_util.h"

namespace cg {
namespace {

using nlohmann::json;
using testing::Json;
using testing::TestServer;

std::vector<std::string> Ids(const json& alerts) {
  std::vector<std::string> ids;
  for (const auto& a : alerts) ids.push_back(a["id"]);
  return ids;
}

TEST_CASE("healthz answers 200 while the loop heartbeat is fresh", "[http][endpoints]") {
  TestServer s;
  s.clock.Advance(std::chrono::seconds(9));
  auto r = s.Client().Get("/healthz");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(Json(r)["status"] == "ok");
  CHECK(Json(r)["heartbeat_age_seconds"] == 9.0);
}

TEST_CASE("healthz answers 503 once the heartbeat is older than the limit", "[http][endpoints]") {
  TestServer s;
  s.clock.Advance(std::chrono::seconds(11));
  auto r = s.Client().Get("/healthz");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(Json(r)["error"] == "unavailable");
  CHECK(Json(r)["detail"].get<std::string>().find("stuck") != std::string::npos);
}

TEST_CASE("health and readiness are 503 before the first snapshot", "[http][endpoints]") {
  TestServer s;
  s.backend.Publish(nullptr);
  auto c = s.Client();
  for (const char* path : {"/healthz", "/readyz", "/api/v1/status", "/api/v1/alerts"}) {
    auto r = c.Get(path);
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(Json(r)["error"] == "unavailable");
  }
}

TEST_CASE("readyz follows the snapshot's ready flag", "[http][endpoints]") {
  TestServer s;
  auto c = s.Client();
  auto snap = testing::SampleSnapshot(s.clock);
  snap->ready = false;
  s.backend.Publish(snap);
  auto r = c.Get("/readyz");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(Json(r)["detail"].get<std::string>().find("not ready") != std::string::npos);
  snap = testing::SampleSnapshot(s.clock);
  s.backend.Publish(snap);
  r = c.Get("/readyz");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(Json(r)["status"] == "ready");
}

TEST_CASE("status returns the published status object as JSON", "[http][endpoints]") {
  TestServer s;
  auto r = s.Client().Get("/api/v1/status");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  json body = Json(r);
  CHECK(body["recommendation"] == "investigate");
  CHECK(body["reasons"] == json::array({"error rate above baseline"}));
  CHECK(body["cutover"]["seconds_since"] == 120);
}

TEST_CASE("alerts are listed unfiltered and filtered by state and severity", "[http][endpoints]") {
  TestServer s;
  auto c = s.Client();
  auto all = c.Get("/api/v1/alerts");
  REQUIRE(all);
  CHECK(all->status == 200);
  CHECK(Ids(Json(all)["alerts"]) == std::vector<std::string>{"a1", "a2", "a3"});

  auto firing = c.Get("/api/v1/alerts?state=firing");
  REQUIRE(firing);
  CHECK(Ids(Json(firing)["alerts"]) == std::vector<std::string>{"a1", "a2"});

  auto both = c.Get("/api/v1/alerts?state=firing&severity=critical");
  REQUIRE(both);
  CHECK(Ids(Json(both)["alerts"]) == std::vector<std::string>{"a1"});

  auto list = c.Get("/api/v1/alerts?state=resolved,firing&severity=warning&severity=critical");
  REQUIRE(list);
  CHECK(Ids(Json(list)["alerts"]) == std::vector<std::string>{"a1", "a2", "a3"});

  auto none = c.Get("/api/v1/alerts?severity=info");
  REQUIRE(none);
  CHECK(Json(none)["alerts"] == json::array());
}

TEST_CASE("an unknown query parameter is a 400 with a did-you-mean hint", "[http][endpoints]") {
  TestServer s;
  auto r = s.Client().Get("/api/v1/alerts?sevrity=critical");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(Json(r)["error"] == "bad_request");
  CHECK(Json(r)["detail"] == "unknown query parameter \"sevrity\" (did you mean \"severity\"?)");
}

TEST_CASE("rules returns the published rules array", "[http][endpoints]") {
  TestServer s;
  auto r = s.Client().Get("/api/v1/rules");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(Json(r)["rules"] == json::array({{{"id", "db-pool"}, {"matches", 3}}}));
}

TEST_CASE("samples returns a series' history, optionally since a time", "[http][endpoints]") {
  TestServer s;
  auto c = s.Client();
  auto all = c.Get("/api/v1/samples?series=host.load1");
  REQUIRE(all);
  CHECK(all->status == 200);
  json body = Json(all);
  CHECK(body["series"] == "host.load1");
  CHECK(body["target"] == "");
  REQUIRE(body["points"].size() == 3);
  CHECK(body["points"][0]["value"] == 0.5);
  CHECK(body["points"][2]["value"] == 1.0);
  CHECK(body["points"][2]["at"] == FormatRfc3339(s.clock.Now() - std::chrono::seconds(1)));

  auto recent = c.Get("/api/v1/samples?series=host.load1&since=2s");
  REQUIRE(recent);
  json rb = Json(recent);
  REQUIRE(rb["points"].size() == 2);
  CHECK(rb["points"][0]["value"] == 0.75);
  CHECK(rb["since"] == FormatRfc3339(s.clock.Now() - std::chrono::seconds(2)));

  auto target = c.Get("/api/v1/samples?series=process.cpu_ratio&target=apim");
  REQUIRE(target);
  CHECK(target->status == 200);
  CHECK(Json(target)["points"].size() == 1);
}

TEST_CASE("samples rejects missing, unknown and malformed parameters", "[http][endpoints]") {
  TestServer s;
  auto c = s.Client();
  auto missing = c.Get("/api/v1/samples");
  REQUIRE(missing);
  CHECK(missing->status == 400);
  CHECK(Json(missing)["detail"].get<std::string>().find("missing query parameter \"series\"") == 0);

  auto unknown = c.Get("/api/v1/samples?series=host.nope");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(Json(unknown)["detail"] == "unknown series \"host.nope\"");

  auto wrong_target = c.Get("/api/v1/samples?series=process.cpu_ratio&target=other");
  REQUIRE(wrong_target);
  CHECK(wrong_target->status == 404);

  auto bad_since = c.Get("/api/v1/samples?series=host.load1&since=yesterday");
  REQUIRE(bad_since);
  CHECK(bad_since->status == 400);
  CHECK(Json(bad_since)["detail"].get<std::string>().find("since: invalid time") == 0);

  auto twice = c.Get("/api/v1/samples?series=host.load1&series=host.load5");
  REQUIRE(twice);
  CHECK(twice->status == 400);
}

TEST_CASE("metrics serves the registry in the Prometheus text format", "[http][endpoints]") {
  TestServer s;
  auto c = s.Client();
  REQUIRE(c.Get("/api/v1/status"));
  auto r = c.Get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(r->body.find("# TYPE cutover_guard_http_requests_total counter") != std::string::npos);
  CHECK(r->body.find(
            "cutover_guard_http_requests_total{code=\"200\",handler=\"/api/v1/status\"} 1") !=
        std::string::npos);
}

TEST_CASE("HEAD is answered like GET without a body", "[http][endpoints]") {
  TestServer s;
  auto r = s.Client().Head("/api/v1/status");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.empty());
}

TEST_CASE("the index lists every endpoint", "[http][endpoints]") {
  TestServer s;
  // Without this header GET / is the HTML status page (tests/http/status_page_test.cc).
  auto r = s.Client().Get("/", {{"Accept", "application/json"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  json endpoints = Json(r)["endpoints"];
  CHECK(endpoints.size() == 12);
  json ack{{"method", "POST"}, {"path", "/api/v1/alerts/{id}/ack"}};
  CHECK(std::find(endpoints.begin(), endpoints.end(), ack) != endpoints.end());
  CHECK(endpoints.back() == json{{"method", "GET"}, {"path", "/"}});
}

TEST_CASE("signatures are filtered by state and a bad state is a 400", "[http][endpoints]") {
  TestServer s;
  auto snap = std::make_shared<ApiSnapshot>();
  snap->signatures = std::make_shared<const json>(
      json{{"baseline", {{"source", "snapshot"}}},
           {"signatures",
            json::array({json{{"id", "a"}, {"state", "new"}}, json{{"id", "b"}, {"state", "known"}},
                         json{{"id", "c"}, {"state", "regressed"}}})}});
  s.backend.Publish(snap);
  auto c = s.Client();
  auto all = c.Get("/api/v1/signatures");
  REQUIRE(all);
  CHECK(all->status == 200);
  CHECK(Json(all)["signatures"].size() == 3);
  CHECK(Json(all)["baseline"]["source"] == "snapshot");
  auto fresh = c.Get("/api/v1/signatures?state=new");
  REQUIRE(fresh);
  REQUIRE(Json(fresh)["signatures"].size() == 1);
  CHECK(Json(fresh)["signatures"][0]["id"] == "a");
  auto two = c.Get("/api/v1/signatures?state=new&state=regressed");
  REQUIRE(two);
  CHECK(Json(two)["signatures"].size() == 2);
  CHECK(Json(c.Get("/api/v1/signatures?state=all"))["signatures"].size() == 3);
  auto bad = c.Get("/api/v1/signatures?state=old");
  REQUIRE(bad);
  CHECK(bad->status == 400);
}

TEST_CASE("an unknown path is a JSON 404", "[http][endpoints]") {
  TestServer s;
  auto r = s.Client().Get("/api/v1/nope");
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(Json(r)["error"] == "not_found");
  CHECK(Json(r)["detail"] == "no endpoint /api/v1/nope (GET / lists them)");
}

TEST_CASE("a known path with the wrong method is a 405 naming the allowed ones",
          "[http][endpoints]") {
  TestServer s;
  auto c = s.Client();
  auto get_write = c.Get("/api/v1/cutover");
  REQUIRE(get_write);
  CHECK(get_write->status == 405);
  CHECK(get_write->get_header_value("Allow") == "POST");
  CHECK(Json(get_write)["error"] == "method_not_allowed");

  auto post_read = c.Post("/metrics", "", "application/json");
  REQUIRE(post_read);
  CHECK(post_read->status == 405);
  CHECK(post_read->get_header_value("Allow") == "GET, HEAD");

  auto del = c.Delete("/api/v1/status");
  REQUIRE(del);
  CHECK(del->status == 405);
}

TEST_CASE("writes without a token are 401 with a Bearer challenge", "[http][endpoints][auth]") {
  TestServer s;
  auto r = s.Client().Post("/api/v1/cutover", "", "application/json");
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->get_header_value("WWW-Authenticate") == "Bearer realm=\"cutover-guard\"");
  CHECK(Json(r)["error"] == "unauthorized");
  CHECK(s.backend.cutover_calls.empty());
}

TEST_CASE("writes with a wrong token are 403 and do not reach the loop",
          "[http][endpoints][auth]") {
  TestServer s;
  auto c = s.Client();
  auto r = c.Post("/api/v1/alerts/a1/ack", s.Auth("s3cret-tokeN"), "", "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(Json(r)["detail"] == "wrong bearer token");
  auto basic = c.Post("/-/reload", {{"Authorization", "Basic czNjcmV0"}}, "", "application/json");
  REQUIRE(basic);
  CHECK(basic->status == 401);
  CHECK(s.backend.ack_calls.empty());
  CHECK(s.backend.reload_calls == 0);
}

TEST_CASE("writes are refused with 403 when no token is configured", "[http][endpoints][auth]") {
  TestServer s([](HttpApiOptions& o) { o.token.clear(); });
  auto r = s.Client().Post("/-/reload", s.Auth(""), "", "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(Json(r)["detail"].get<std::string>().find("no api.token_file") != std::string::npos);
}

TEST_CASE("cutover with a time in the body passes that instant to the loop", "[http][endpoints]") {
  TestServer s;
  s.backend.SetWriteResult(ApiResult(json{{"cutover", "2026-11-25T02:00:00.000Z"}}));
  auto r = s.Client().Post("/api/v1/cutover", s.Auth(), R"({"at": "2026-11-25T02:00:00Z"})",
                           "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(Json(r)["cutover"] == "2026-11-25T02:00:00.000Z");
  REQUIRE(s.backend.cutover_calls.size() == 1);
  REQUIRE(s.backend.cutover_calls[0].has_value());
  CHECK(FormatRfc3339(*s.backend.cutover_calls[0]) == "2026-11-25T02:00:00.000Z");
}

TEST_CASE("cutover without a body means now", "[http][endpoints]") {
  TestServer s;
  auto r = s.Client().Post("/api/v1/cutover", s.Auth(), "", "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  REQUIRE(s.backend.cutover_calls.size() == 1);
  CHECK_FALSE(s.backend.cutover_calls[0].has_value());
}

TEST_CASE("cutover rejects malformed bodies with 400", "[http][endpoints]") {
  TestServer s;
  auto c = s.Client();
  auto detail = [&](const std::string& body) {
    auto r = c.Post("/api/v1/cutover", s.Auth(), body, "application/json");
    REQUIRE(r);
    CHECK(r->status == 400);
    return Json(r)["detail"].get<std::string>();
  };
  CHECK(detail("{\"at\": ") == "body is not valid JSON");
  CHECK(detail("[1]") == "body must be a JSON object like {\"at\": \"...\"}");
  CHECK(detail(R"({"when": "now"})") == "unknown field \"when\" (expected \"at\")");
  CHECK(detail(R"({"at": true})") == "\"at\" must be a time string or Unix seconds");
  CHECK(detail(R"({"at": "2026-13-01T00:00:00Z"})").find("\"at\": invalid time") == 0);
  // Found by fuzz_http: Unix seconds past the clock's range used to overflow the conversion.
  CHECK(detail(R"({"at": 9e10})") == "\"at\": Unix time out of range");
  CHECK(detail(R"({"at": 10764036000.11})") == "\"at\": Unix time out of range");
  CHECK(s.backend.cutover_calls.empty());
}

TEST_CASE("ack passes the alert id and maps an unknown id to 404", "[http][endpoints]") {
  TestServer s;
  auto c = s.Client();
  auto ok = c.Post("/api/v1/alerts/a1/ack", s.Auth(), "", "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  s.backend.SetWriteResult(ApiResult(ApiError::NotFound("no alert \"zz\"")));
  auto missing = c.Post("/api/v1/alerts/zz/ack", s.Auth(), "", "application/json");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(Json(missing)["detail"] == "no alert \"zz\"");
  CHECK(s.backend.ack_calls == std::vector<std::string>{"a1", "zz"});
}

TEST_CASE("a failed reload is a 409 carrying the loop's message", "[http][endpoints]") {
  TestServer s;
  s.backend.SetWriteResult(ApiResult(ApiError::Conflict("rules.yaml:3:5: unknown key")));
  auto r = s.Client().Post("/-/reload", s.Auth(), "", "application/json");
  REQUIRE(r);
  CHECK(r->status == 409);
  CHECK(Json(r)["error"] == "conflict");
  CHECK(Json(r)["detail"] == "rules.yaml:3:5: unknown key");
  CHECK(s.backend.reload_calls == 1);
}

TEST_CASE("a write the loop never answers is a 503 after the backend timeout",
          "[http][endpoints]") {
  TestServer s([](HttpApiOptions& o) { o.backend_timeout = std::chrono::milliseconds(200); });
  s.backend.SetWriteResult(std::nullopt);
  auto r = s.Client().Post("/-/reload", s.Auth(), "", "application/json");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(Json(r)["detail"] == "the event loop did not answer within 200ms");
}

TEST_CASE("request counts and durations are labelled by route pattern", "[http][endpoints]") {
  TestServer s;
  auto c = s.Client();
  REQUIRE(c.Post("/api/v1/alerts/a1/ack", s.Auth(), "", "application/json"));
  REQUIRE(c.Post("/api/v1/alerts/a2/ack", s.Auth(), "", "application/json"));
  REQUIRE(c.Get("/nope"));
  auto r = c.Get("/metrics");
  REQUIRE(r);
  CHECK(r->body.find("cutover_guard_http_requests_total{code=\"200\",handler=\"/api/v1/alerts/{id}/"
                     "ack\"} 2") != std::string::npos);
  CHECK(r->body.find("cutover_guard_http_requests_total{code=\"404\",handler=\"other\"} 1") !=
        std::string::npos);
  CHECK(r->body.find("cutover_guard_http_request_duration_seconds_count{handler=\"/api/v1/alerts/"
                     "{id}/ack\"} 2") != std::string::npos);
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

TEST_CASE("a metrics page is reused within its max age and re-rendered after",
          "[http][endpoints]") {
  testing::TestServer s([](HttpApiOptions& o) { o.metrics_max_age = std::chrono::seconds(1); });
  auto& gauge = prometheus::BuildGauge().Name("test_value").Help("t").Register(s.registry).Add({});
  gauge.Set(1);
  auto c = s.Client();
  auto first = c.Get("/metrics");
  REQUIRE(first);
  CHECK(first->body.find("test_value 1") != std::string::npos);
  gauge.Set(2);
  s.clock.Advance(std::chrono::milliseconds(999));
  auto cached = c.Get("/metrics");
  REQUIRE(cached);
  CHECK(cached->body == first->body);
  s.clock.Advance(std::chrono::milliseconds(1));
  auto fresh = c.Get("/metrics");
  REQUIRE(fresh);
  CHECK(fresh->body.find("test_value 2") != std::string::npos);
}

TEST_CASE("each response closes its connection by default", "[http][endpoints]") {
  testing::TestServer s([](HttpApiOptions& o) { o.keep_alive_max_requests = 1; });
  // Two pipelined requests: the first response says Connection: close and the server closes,
  // so the second is never answered.
  std::string resp = testing::RawExchange(
      s.api->port(),
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
      std::chrono::seconds(10), /*until_close=*/true);
  CHECK(testing::RawStatus(resp) == 200);
  CHECK(resp.find("Connection: close") != std::string::npos);
  CHECK(resp.find("HTTP/1.1", 1) == std::string::npos);
}

}  // namespace
}  // namespace cg
