// Against the real Debian binaries: Prometheus scrapes the server, and promtool lints a scrape.
#include <catch2/catch.hpp>

#include "daemon/http/http_metrics.h"
#include "tests/http/http_test_util.h"
#include "tests/support/external_process.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using nlohmann::json;
using testing::ExternalProcess;
using testing::TestServer;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";

// Result vector of an instant query, or an empty array while Prometheus is not answering.
json Query(uint16_t port, const std::string& promql) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(std::chrono::seconds(2));
  c.set_read_timeout(std::chrono::seconds(5));
  auto r = c.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
  if (!r || r->status != 200) return json::array();
  json body = json::parse(r->body, nullptr, false);
  if (body.is_discarded() || body["status"] != "success") return json::array();
  return body["data"]["result"];
}

TEST_CASE("a real Prometheus scrapes /metrics: up is 1 and cutover_guard_ series are stored",
          "[http][integration][prometheus]") {
  INFO("install the Debian package: ./dev deps (or apt-get install prometheus)");
  REQUIRE(testing::HasExecutable(kPrometheus));
  TestServer s;
  RegisterBuildInfo(s.registry, "9.8.7-test", WallTime(std::chrono::seconds(1'764'000'000)));
  testing::TempDir dir;
  auto config = dir.Write("prometheus.yml",
                          "global:\n"
                          "  scrape_interval: 1s\n"
                          "  scrape_timeout: 1s\n"
                          "scrape_configs:\n"
                          "  - job_name: cutover-guard\n"
                          "    static_configs:\n"
                          "      - targets: ['127.0.0.1:" +
                              std::to_string(s.api->port()) + "']\n");

  std::unique_ptr<ExternalProcess> prom;
  uint16_t port = 0;
  // A port picked free can be taken before Prometheus binds it; retry on a fresh one.
  for (int attempt = 0; attempt < 3 && prom == nullptr; ++attempt) {
    port = testing::FreeLoopbackPort();
    auto p = std::make_unique<ExternalProcess>(
        std::vector<std::string>{kPrometheus, "--config.file=" + config.string(),
                                 "--storage.tsdb.path=" + (dir / "data").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                 "--log.level=warn"},
        dir / "prometheus.log");
    bool answering = testing::WaitFor(
        [&] {
          httplib::Client c("127.0.0.1", port);
          auto r = c.Get("/-/ready");
          return (r && r->status == 200) || !p->Running();
        },
        std::chrono::seconds(30));
    if (answering && p->Running()) prom = std::move(p);
  }
  REQUIRE(prom != nullptr);
  INFO("prometheus log:\n" << prom->Log());

  bool up = testing::WaitFor(
      [&] {
        json r = Query(port, "up{job=\"cutover-guard\"}");
        return r.size() == 1 && r[0]["value"][1] == "1";
      },
      std::chrono::seconds(60), std::chrono::milliseconds(250));
  CHECK(up);

  json build = json::array();
  bool stored = testing::WaitFor(
      [&] {
        build = Query(port, "cutover_guard_build_info");
        return build.size() == 1;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(250));
  REQUIRE(stored);
  CHECK(build[0]["metric"]["version"] == "9.8.7-test");
  CHECK(build[0]["metric"]["job"] == "cutover-guard");
  CHECK(build[0]["value"][1] == "1");

  // Prometheus' own scrapes show up in our request counter, under the /metrics route (from the
  // second scrape on: a response is counted once it has been written).
  json scrapes = json::array();
  bool counted = testing::WaitFor(
      [&] {
        scrapes =
            Query(port, "cutover_guard_http_requests_total{handler=\"/metrics\",code=\"200\"}");
        return scrapes.size() == 1;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(250));
  REQUIRE(counted);
  CHECK(std::stod(scrapes[0]["value"][1].get<std::string>()) >= 1);
  prom->Stop();
}

TEST_CASE("promtool check metrics finds nothing to complain about in a scrape",
          "[http][integration][promtool]") {
  INFO("install the Debian package: ./dev deps (or apt-get install prometheus)");
  REQUIRE(testing::HasExecutable(kPromtool));
  TestServer s;
  RegisterBuildInfo(s.registry, "1.0.0", WallTime(std::chrono::seconds(1'764'000'000)));
  auto c = s.Client();
  // Exercise every kind of label value the server produces.
  REQUIRE(c.Get("/api/v1/status"));
  REQUIRE(c.Get("/nope"));
  REQUIRE(c.Post("/api/v1/cutover", "", "application/json"));
  REQUIRE(c.Post("/-/reload", s.Auth(), "", "application/json"));
  auto scrape = c.Get("/metrics");
  REQUIRE(scrape);
  REQUIRE(scrape->status == 200);
  testing::TempDir dir;
  auto file = dir.Write("scrape.txt", scrape->body);
  std::string out;
  int rc = testing::RunShell(std::string(kPromtool) + " check metrics < " + file.string(), &out);
  INFO(scrape->body);
  INFO("promtool output: " << out);
  CHECK(rc == 0);
  CHECK(out.empty());
}

}  // namespace
}  // namespace cg
