// Size limits, malformed requests and the listener itself (ports, IPv6, shutdown), driven over
// raw sockets where httplib::Client would refuse to send the request.
#include <catch2/catch.hpp>

#include "tests/http/http_test_util.h"

namespace cg {
namespace {

using nlohmann::json;
using testing::RawBody;
using testing::RawExchange;
using testing::RawStatus;
using testing::TestServer;

std::string PostCutover(std::string_view extra_headers, std::string_view body) {
  return "POST /api/v1/cutover HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
         std::string(testing::kToken) + "\r\n" + std::string(extra_headers) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

TEST_CASE("a body over the limit is a 413 and never reaches the loop", "[http][limits]") {
  TestServer s([](HttpApiOptions& o) { o.max_body_bytes = 100; });
  std::string body = "{\"at\": \"" + std::string(200, ' ') + "\"}";
  std::string resp = RawExchange(s.api->port(), PostCutover("", body));
  CHECK(RawStatus(resp) == 413);
  CHECK(json::parse(RawBody(resp))["error"] == "payload_too_large");
  CHECK(json::parse(RawBody(resp))["detail"] == "request body exceeds 100 bytes");
  CHECK(s.backend.cutover_calls.empty());
}

TEST_CASE("a body exactly at the limit is accepted", "[http][limits]") {
  TestServer s([](HttpApiOptions& o) { o.max_body_bytes = 100; });
  std::string body = "{\"at\": null}";
  body += std::string(100 - body.size(), ' ');
  REQUIRE(body.size() == 100);
  std::string resp = RawExchange(s.api->port(), PostCutover("", body));
  CHECK(RawStatus(resp) == 200);
  CHECK(s.backend.cutover_calls.size() == 1);
}

TEST_CASE("a chunked body over the limit is a 413 too", "[http][limits]") {
  TestServer s([](HttpApiOptions& o) { o.max_body_bytes = 100; });
  std::string req = "POST /api/v1/cutover HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    std::string(testing::kToken) + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) req += "40\r\n" + std::string(64, ' ') + "\r\n";
  req += "0\r\n\r\n";
  std::string resp = RawExchange(s.api->port(), req);
  CHECK(RawStatus(resp) == 413);
  CHECK(s.backend.cutover_calls.empty());
}

TEST_CASE("a small chunked body is read and routed", "[http][limits]") {
  TestServer s;
  std::string body = R"({"at": "2026-11-25T02:00:00Z"})";
  char size_hex[16];
  std::snprintf(size_hex, sizeof size_hex, "%zx", body.size());
  std::string req = "POST /api/v1/cutover HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    std::string(testing::kToken) + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    size_hex + "\r\n" + body + "\r\n0\r\n\r\n";
  std::string resp = RawExchange(s.api->port(), req);
  CHECK(RawStatus(resp) == 200);
  REQUIRE(s.backend.cutover_calls.size() == 1);
  CHECK(s.backend.cutover_calls[0].has_value());
}

TEST_CASE("headers over the total limit are a 431", "[http][limits]") {
  TestServer s([](HttpApiOptions& o) { o.max_header_bytes = 1024; });
  std::string req = "GET /api/v1/status HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 20; ++i)
    req += "X-Filler-" + std::to_string(i) + ": " + std::string(60, 'f') + "\r\n";
  req += "\r\n";
  std::string resp = RawExchange(s.api->port(), req);
  CHECK(RawStatus(resp) == 431);
  CHECK(json::parse(RawBody(resp))["error"] == "request_header_fields_too_large");
}

TEST_CASE("one header line over 8 KiB is a 431, not the library's bare 400", "[http][limits]") {
  TestServer s;
  std::string req =
      "GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n";
  std::string resp = RawExchange(s.api->port(), req);
  CHECK(RawStatus(resp) == 431);
  CHECK(json::parse(RawBody(resp))["detail"] == "a request header line exceeds 8192 bytes");
}

TEST_CASE("a request line over 8 KiB is a JSON 414", "[http][limits]") {
  TestServer s;
  std::string req =
      "GET /api/v1/samples?series=" + std::string(9000, 's') + " HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string resp = RawExchange(s.api->port(), req);
  CHECK(RawStatus(resp) == 414);
  CHECK(json::parse(RawBody(resp))["error"] == "uri_too_long");
}

TEST_CASE("a malformed request line is a JSON 400", "[http][limits]") {
  TestServer s;
  for (std::string_view req : {"GARBAGE\r\n\r\n", "BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n",
                               "GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n"}) {
    std::string resp = RawExchange(s.api->port(), req);
    INFO(req);
    CHECK(RawStatus(resp) == 400);
    CHECK(json::parse(RawBody(resp))["detail"] == "malformed HTTP request line");
  }
}

TEST_CASE("an invalid Content-Length is a 400", "[http][limits]") {
  TestServer s;
  std::string resp = RawExchange(
      s.api->port(), "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n");
  CHECK(RawStatus(resp) == 400);
  CHECK(json::parse(RawBody(resp))["detail"] == "invalid Content-Length");
}

TEST_CASE("a POST without Content-Length is answered at once with an empty body",
          "[http][limits]") {
  TestServer s([](HttpApiOptions& o) { o.read_timeout = std::chrono::seconds(30); });
  // Without the fix cpp-httplib reads until EOF; RawExchange would then wait for the timeout and
  // get no response at all.
  std::string resp = RawExchange(s.api->port(),
                                 "POST /-/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                     std::string(testing::kToken) + "\r\n\r\n",
                                 std::chrono::seconds(5));
  CHECK(RawStatus(resp) == 200);
  CHECK(s.backend.reload_calls == 1);
}

TEST_CASE("a multipart body is refused with 415", "[http][limits]") {
  TestServer s;
  std::string resp = RawExchange(
      s.api->port(), PostCutover("Content-Type: multipart/form-data; boundary=x\r\n", "--x--"));
  CHECK(RawStatus(resp) == 415);
  CHECK(s.backend.cutover_calls.empty());
}

TEST_CASE("library-level rejections are counted under handler other", "[http][limits]") {
  TestServer s;
  (void)RawExchange(s.api->port(), "GARBAGE\r\n\r\n");
  auto r = s.Client().Get("/metrics");
  REQUIRE(r);
  CHECK(r->body.find("cutover_guard_http_requests_total{code=\"400\",handler=\"other\"} 1") !=
        std::string::npos);
}

TEST_CASE("a second server on a taken port fails with a clear error", "[http][listen]") {
  TestServer first;
  prometheus::Registry registry;
  testing::FakeBackend backend;
  HttpApiOptions o;
  o.listen = {"127.0.0.1", first.api->port()};
  o.registry = &registry;
  o.backend = &backend;
  auto second = HttpApi::Create(std::move(o));
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message() ==
        "cannot listen on 127.0.0.1:" + std::to_string(first.api->port()) +
            ": Address already in use");
}

TEST_CASE("an unresolvable listen host fails with a clear error", "[http][listen]") {
  prometheus::Registry registry;
  testing::FakeBackend backend;
  HttpApiOptions o;
  o.listen = {"no-such-host.invalid", 0};
  o.registry = &registry;
  o.backend = &backend;
  auto api = HttpApi::Create(std::move(o));
  REQUIRE_FALSE(api.ok());
  CHECK(api.error().message().find("cannot listen on no-such-host.invalid:0: ") == 0);
}

TEST_CASE("missing registry or backend is refused at Create", "[http][listen]") {
  HttpApiOptions o;
  o.listen = {"127.0.0.1", 0};
  auto api = HttpApi::Create(o);
  REQUIRE_FALSE(api.ok());
  CHECK(api.error().message() == "http: no metrics registry");
}

TEST_CASE("the server listens on IPv6 loopback", "[http][listen]") {
  TestServer s([](HttpApiOptions& o) { o.listen = {"::1", 0}; });
  CHECK(s.api->address() == "[::1]:" + std::to_string(s.api->port()));
  httplib::Client c("::1", s.api->port());
  auto r = c.Get("/healthz");
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("the IPv6 wildcard also accepts IPv4 clients", "[http][listen]") {
  TestServer s([](HttpApiOptions& o) { o.listen = {"", 0}; });
  CHECK(s.api->address() == "[::]:" + std::to_string(s.api->port()));
  auto r4 = s.Client().Get("/healthz");
  REQUIRE(r4);
  CHECK(r4->status == 200);
  httplib::Client c6("::1", s.api->port());
  auto r6 = c6.Get("/healthz");
  REQUIRE(r6);
  CHECK(r6->status == 200);
}

TEST_CASE("stop joins promptly and is idempotent", "[http][listen]") {
  TestServer s;
  REQUIRE(s.Client().Get("/healthz"));
  auto start = std::chrono::steady_clock::now();
  s.api->Stop();
  s.api->Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  httplib::Client c("127.0.0.1", s.api->port());
  c.set_connection_timeout(std::chrono::seconds(1));
  CHECK_FALSE(c.Get("/healthz"));
}

}  // namespace
}  // namespace cg

namespace cg::testing {
namespace {

size_t ThreadsOfThisProcess() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

}  // namespace

TEST_CASE("I/O threads start one at a time as connections come, up to the limit",
          "[http][limits][threads]") {
  const size_t before = ThreadsOfThisProcess();
  TestServer server([](HttpApiOptions& o) { o.threads = 3; });
  CHECK(ThreadsOfThisProcess() == before + 1);  // One I/O thread; no write-route pool yet.
  // Keep-alive connections, each with a request answered: the server saw them all.
  std::vector<std::unique_ptr<RawClient>> clients;
  auto serve_one = [&] {
    clients.push_back(std::make_unique<RawClient>(server.api->port()));
    REQUIRE(clients.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    for (int i = 0; i < 500 && clients.back()->received().find("\r\n\r\n") == std::string::npos;
         ++i) {
      REQUIRE_FALSE(clients.back()->ClosedWithin(std::chrono::milliseconds(10)));
    }
    REQUIRE(clients.back()->received().find("\r\n\r\n") != std::string::npos);
  };
  serve_one();
  CHECK(ThreadsOfThisProcess() == before + 2);
  serve_one();
  CHECK(ThreadsOfThisProcess() == before + 3);
  serve_one();
  serve_one();
  CHECK(ThreadsOfThisProcess() == before + 3);  // options.threads is the ceiling.
  // A write route starts the two handler threads.
  auto c = server.Client();
  auto r = c.Post("/api/v1/cutover", server.Auth(), "{}", "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(ThreadsOfThisProcess() == before + 5);
  server.api->Stop();
  clients.clear();
  CHECK(ThreadsOfThisProcess() == before);
}

}  // namespace cg::testing
