// Fuzzes the HTTP API's request handling below the socket: routing (404/405), bearer-token
// checks, query-parameter validation, time parameters and the cutover body, and every
// endpoint's reply, through the same Dispatch() seam the server (connection.cc) calls, over an
// in-process backend and a fixed snapshot. No socket is opened.
//
// The API listens on the network (loopback by default, but often exposed to a monitoring
// host), so any request must give a JSON reply, never a crash, hang or escaped exception.
// Input: a raw HTTP/1.1 request ("METHOD TARGET HTTP/1.1", header lines, a blank line, body),
// its target split and percent-decoded by the server's ParseRequestTarget (request_target.h).
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/units.h"
#include "daemon/http/api_backend.h"
#include "daemon/http/api_handlers.h"
#include "daemon/http/metrics_page.h"
#include "daemon/http/request_target.h"
#include "daemon/http/router.h"

namespace {

constexpr std::string_view kToken = "s3cret-token";

// Answers every write at once (a ready future), so nothing accumulates across inputs.
class InstantBackend : public cg::ApiBackend {
 public:
  explicit InstantBackend(std::shared_ptr<const cg::ApiSnapshot> snapshot)
      : snapshot_(std::move(snapshot)) {}
  std::shared_ptr<const cg::ApiSnapshot> Snapshot() const override { return snapshot_; }
  std::future<cg::ApiResult> SetCutover(std::optional<cg::WallTime> at) override {
    nlohmann::json body{{"ok", true}};
    if (at) body["at"] = cg::FormatRfc3339(*at);
    return Ready(cg::ApiResult(std::move(body)));
  }
  std::future<cg::ApiResult> Ack(std::string alert_id, std::string comment) override {
    if (alert_id == "a1") {
      return Ready(cg::ApiResult(nlohmann::json{{"acked", alert_id}, {"comment", comment}}));
    }
    return Ready(cg::ApiResult(cg::ApiError::NotFound("no alert " + alert_id)));
  }
  std::future<cg::ApiResult> Reload() override {
    return Ready(cg::ApiResult(cg::ApiError::Conflict("rules.yaml:1:1: bad")));
  }

 private:
  static std::future<cg::ApiResult> Ready(cg::ApiResult r) {
    std::promise<cg::ApiResult> p;
    p.set_value(std::move(r));
    return p.get_future();
  }
  std::shared_ptr<const cg::ApiSnapshot> snapshot_;
};

struct Fixture {
  cg::FakeClock clock;
  prometheus::Registry registry;
  std::unique_ptr<cg::MetricsPage> metrics;
  std::unique_ptr<InstantBackend> backend;
  cg::Router router;

  Fixture() {
    prometheus::BuildCounter()
        .Name("cutover_guard_fuzz_total")
        .Help("A series so that /metrics has content")
        .Register(registry)
        .Add({{"log", "carbon"}})
        .Increment();
    metrics = std::make_unique<cg::MetricsPage>(&registry, &clock, std::chrono::milliseconds(0));
    auto s = std::make_shared<cg::ApiSnapshot>();
    s->status = {{"recommendation", "investigate"}, {"reasons", {"error rate above baseline"}}};
    s->alerts = nlohmann::json::array({
        {{"id", "a1"}, {"rule", "db-pool"}, {"severity", "critical"}, {"state", "firing"}},
        {{"id", "a2"}, {"rule", "gc"}, {"severity", "warning"}, {"state", "resolved"}},
        {{"id", "a3"}, {"rule", "x"}, {"severity", 3}, {"state", nullptr}},
    });
    s->rules = nlohmann::json::array({{{"id", "db-pool"}, {"matches", 3}}});
    auto h = std::make_shared<cg::HistorySnapshot>();
    const cg::WallTime t0 = clock.Now();
    h->Set("host.load1", "",
           {{t0 - std::chrono::seconds(3), 0.5}, {t0 - std::chrono::seconds(1), 1.0}});
    h->Set("process.cpu_ratio", "wso2am", {{t0 - std::chrono::seconds(1), 0.25}});
    s->samples = h;
    s->ready = true;
    s->loop_heartbeat = clock.MonoNow();
    backend = std::make_unique<InstantBackend>(std::move(s));
    cg::ApiHandlerOptions o;
    o.backend = backend.get();
    o.metrics = metrics.get();
    o.clock = &clock;
    o.token = std::string(kToken);
    o.backend_timeout = std::chrono::milliseconds(1);
    router = cg::BuildApiRouter(o);
  }
};

std::string_view NextLine(std::string_view* rest) {
  size_t nl = rest->find('\n');
  std::string_view line = rest->substr(0, nl);
  rest->remove_prefix(nl == std::string_view::npos ? rest->size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture;
  std::string_view rest(reinterpret_cast<const char*>(data), size);

  // Request line: METHOD SP TARGET [SP VERSION].
  std::string_view request_line = NextLine(&rest);
  size_t sp = request_line.find(' ');
  if (sp == std::string_view::npos) return 0;
  std::string method(request_line.substr(0, sp));
  std::string_view target = request_line.substr(sp + 1);
  target = target.substr(0, target.find(' '));
  // The server's own parser: a target it rejects never reaches the router (400).
  std::optional<cg::RequestTarget> parsed = cg::ParseRequestTarget(target);
  if (!parsed || !cg::IsKnownMethod(method)) return 0;

  // Headers up to the blank line; the rest is the body.
  std::string authorization;
  while (!rest.empty()) {
    std::string_view line = NextLine(&rest);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    if (EqualsIgnoreCase(name, "Authorization")) {  // httplib's header map ignores case.
      authorization = std::string(Trim(line.substr(colon + 1)));
    }
  }

  cg::ApiRequest request;
  request.method = method;
  request.path = parsed->path;
  request.params = &parsed->params;
  request.body = rest;
  request.authorization = authorization;
  cg::Reply reply = cg::Dispatch(fixture->router, kToken, std::move(request));

  if (reply.status < 100 || reply.status > 599) {
    std::fprintf(stderr, "fuzz_http: reply status %d\n", reply.status);
    std::abort();
  }
  // Every JSON reply must parse (what clients and curl | jq rely on); /metrics is text and
  // the status page at / is HTML.
  if (reply.content_type == "application/json" && !nlohmann::json::accept(reply.body)) {
    std::fprintf(stderr, "fuzz_http: reply %d is not valid JSON: %s\n", reply.status,
                 reply.body.c_str());
    std::abort();
  }
  return 0;
}
