// The status page at GET / (daemon/http/status_page.h): rendered from fake snapshots (banner,
// evidence, sections, size bounds, escaping of hostile strings, the CSP script hash), its
// charts (svg_plot.h), and the route's content negotiation over a real socket.
#include "daemon/http/status_page.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <regex>

#include "daemon/http/html_escape.h"
#include "daemon/http/svg_plot.h"
#include "tests/http/http_test_util.h"

namespace cg {
namespace {

using nlohmann::json;
using testing::TestServer;

const WallTime kSpNow = WallTime(std::chrono::seconds(1'795'575'600));  // 2026-11-25T03:00Z

size_t SpCount(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

bool SpHas(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The text of <h1 id="verdict">...</h1>, or "" when absent.
std::string SpBanner(const std::string& html) {
  std::smatch m;
  static const std::regex re("<h1 id=\"verdict\">([^<]*)</h1>");
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

json SpEvidence(const std::string& text, const std::string& time = "2026-11-25T02:58:00.000Z") {
  return {{"log", "carbon"},
          {"file", "/var/log/wso2carbon.log"},
          {"offset", 1234},
          {"time", time},
          {"level", "ERROR"},
          {"text", text},
          {"lines", SpCount(text, "\n") + 1},
          {"truncated", false}};
}

json SpAlert(const std::string& id, const std::string& state, json evidence = json::array()) {
  return {{"id", id},
          {"rule", "wso2.db_unreachable"},
          {"description", "The database cannot be reached"},
          {"runbook", "https://runbooks.example/db"},
          {"severity", "critical"},
          {"kind", "threshold"},
          {"state", state},
          {"labels", {{"component", "db"}}},
          {"first_seen", "2026-11-25T02:55:00.000Z"},
          {"last_seen", "2026-11-25T02:58:00.000Z"},
          {"pending_since", "2026-11-25T02:55:00.000Z"},
          {"fired_at", state == "firing" ? json("2026-11-25T02:56:00.000Z") : json()},
          {"resolved_at", nullptr},
          {"count", 7},
          {"window_count", 3},
          {"value", nullptr},
          {"acked", false},
          {"acked_at", nullptr},
          {"detail", ""},
          {"evidence", std::move(evidence)}};
}

// A realistic snapshot: rollback, one firing alert with a stack trace, a log, a target and a
// history ring with a cutover mark inside it.
ApiSnapshot SpSnapshot() {
  ApiSnapshot s;
  s.status = {
      {"recommendation", "rollback"},
      {"summary", "1 critical alert firing"},
      {"since", "2026-11-25T02:56:00.000Z"},
      {"reasons",
       json::array({{{"kind", "alert"},
                     {"alert_id", "a1"},
                     {"rule", "wso2.db_unreachable"},
                     {"description", "The database cannot be reached"},
                     {"severity", "critical"},
                     {"state", "firing"},
                     {"since", "2026-11-25T02:56:00.000Z"},
                     {"count", 7},
                     {"evidence", "CommunicationsException: Communications link failure"}}})},
      {"cutover",
       {{"at", "2026-11-25T02:50:00.000Z"}, {"since_seconds", 600}, {"warmup_seconds", 60}}},
      {"logs", json::array({{{"name", "carbon"},
                             {"records", 1200},
                             {"lag_bytes", 0},
                             {"rotations", 1},
                             {"truncations", 0},
                             {"gap_events", 0},
                             {"problem", ""},
                             {"last_record_time", "2026-11-25T02:59:58.000Z"}}})},
      {"targets", json::array({{{"name", "wso2am"},
                                {"up", true},
                                {"pid", 4242},
                                {"uptime_seconds", 3000},
                                {"restarts", 0},
                                {"cpu_ratio", 0.5},
                                {"resident_memory_bytes", 2.5e9},
                                {"threads", 310},
                                {"open_fds", 900},
                                {"problems", json::array()}}})},
      {"coverage",
       {{"rules", 12},
        {"rule_files", json::array({{{"path", "rules/a.yaml"}, {"rules", 12}}})},
        {"logs", json::array({{{"name", "carbon"},
                               {"path", "/var/log/wso2carbon.log"},
                               {"format", "wso2-carbon"},
                               {"problem", ""}}})},
        {"targets", json::array({{{"name", "wso2am"}, {"problem", ""}}})},
        {"blind_spots", json::array()}}},
      {"daemon",
       {{"version", "1.0.0"},
        {"instance", "gw-01"},
        {"uptime_seconds", 3600},
        {"rules", 12},
        {"reloads", {{"success", 0}, {"failure", 0}}},
        {"last_reload_error", ""}}},
  };
  s.alerts = json::array({SpAlert("a1", "firing",
                                  json::array({SpEvidence(
                                      "CommunicationsException: Communications link failure\n"
                                      "\tat com.mysql.cj.jdbc.ConnectionImpl.connect(Impl.java:1)\n"
                                      "\tat org.wso2.carbon.Pool.get(Pool.java:42)")})),
                          SpAlert("a2", "resolved")});
  auto h = std::make_shared<HistorySnapshot>();
  std::vector<SamplePoint> cpu, rss;
  for (int i = 0; i < 900; ++i) {
    WallTime t = kSpNow - std::chrono::seconds(900 - i);
    cpu.push_back({t, 0.2 + 0.1 * std::sin(i / 30.0)});
    rss.push_back({t, 2e9 + 1e6 * i});
  }
  h->Set("host.cpu_busy_ratio", "", cpu);
  h->Set("host.memory_used_ratio", "", cpu);
  h->Set("process.cpu_ratio", "wso2am", cpu);
  h->Set("process.resident_memory_bytes", "wso2am", rss);
  h->Set("process.threads", "wso2am", {{kSpNow - std::chrono::seconds(5), 310}});
  h->Set("process.open_fds", "wso2am", {});
  s.samples = h;
  s.ready = true;
  return s;
}

std::string SpSha256Base64(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) == 1);
  unsigned char b64[4 * EVP_MAX_MD_SIZE];
  int n = EVP_EncodeBlock(b64, digest, static_cast<int>(len));
  return std::string(reinterpret_cast<const char*>(b64), static_cast<size_t>(n));
}

}  // namespace

TEST_CASE("HtmlEscape neutralises markup quotes ampersands and bad bytes", "[http][status_page]") {
  CHECK(HtmlEscape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;");
  CHECK(HtmlEscape("a \"b\" 'c' & d") == "a &quot;b&quot; &#39;c&#39; &amp; d");
  CHECK(HtmlEscape("&amp;") == "&amp;amp;");  // Escaped once more: shown as typed.
  CHECK(HtmlEscape("\"><img src=x onerror=alert(1)>") ==
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  CHECK(HtmlEscape("tab\tnew\nline\r") == "tab\tnew\nline\r");
  CHECK(HtmlEscape(std::string("nul\0bell\x07", 9)) ==
        "nul\xEF\xBF\xBD"
        "bell\xEF\xBF\xBD");
  CHECK(HtmlEscape("caf\xC3\xA9 \xE2\x9C\x93") == "caf\xC3\xA9 \xE2\x9C\x93");  // Valid UTF-8 kept.
  // Invalid UTF-8 (should already be sanitised upstream) still never reaches the page raw.
  CHECK(HtmlEscape("bad \xC3\x28 \xFF<") == "bad \xEF\xBF\xBD( \xEF\xBF\xBD&lt;");
  CHECK(HtmlEscape("") == "");
  size_t cut = 0;
  CHECK(HtmlEscapePrefix("\xC3\xA9\xC3\xA9<", 3, &cut) == "\xC3\xA9");  // Never half a char.
  CHECK(cut == 3);
}

TEST_CASE("the status page banner text is the recommendation", "[http][status_page]") {
  ApiSnapshot s = SpSnapshot();
  for (std::string v : {"continue", "investigate", "rollback", "unknown"}) {
    s.status["recommendation"] = v;
    std::string html = RenderStatusPage(s, kSpNow);
    CHECK(SpBanner(html) == v);
    CHECK(SpHas(html, "class=\"banner v-" + v + "\""));
  }
  // Anything outside the four words is shown as unknown, never echoed into a class name.
  s.status["recommendation"] = "\"><b>x";
  CHECK(SpBanner(RenderStatusPage(s, kSpNow)) == "unknown");
  s.status.erase("recommendation");
  CHECK(SpBanner(RenderStatusPage(s, kSpNow)) == "unknown");
}

TEST_CASE("the status page shows the verdict reasons and the time since the cutover",
          "[http][status_page]") {
  std::string html = RenderStatusPage(SpSnapshot(), kSpNow);
  CHECK(SpHas(html, "<title>ROLLBACK \xC2\xB7 cutover-guard \xC2\xB7 gw-01</title>"));
  CHECK(SpHas(html, "1 critical alert firing"));
  CHECK(SpHas(html, "<strong>10m 0s ago</strong>"));  // Cutover mark at 02:50, now 03:00.
  CHECK(SpHas(html,
              "Verdict since <time datetime=\"2026-11-25T02:56:00.000Z\">02:56:00 UTC"
              "</time> (4m 0s ago)"));
  CHECK(SpHas(html, "<b>wso2.db_unreachable</b> firing"));
  ApiSnapshot no_mark = SpSnapshot();
  no_mark.status["cutover"]["at"] = nullptr;
  CHECK(SpHas(RenderStatusPage(no_mark, kSpNow), "No cutover mark is set"));
}

TEST_CASE("the status page shows a firing alert with its evidence escaped", "[http][status_page]") {
  ApiSnapshot s = SpSnapshot();
  s.alerts[0]["evidence"].push_back(
      SpEvidence("Bad <script>alert('x')</script> & \"quoted\"\n\tat Foo.bar(Foo.java:1)"));
  s.alerts[0]["acked"] = true;
  s.alerts[0]["acked_at"] = "2026-11-25T02:59:00.000Z";
  std::string html = RenderStatusPage(s, kSpNow);
  CHECK(
      SpHas(html, "Bad &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"));
  CHECK_FALSE(SpHas(html, "<script>alert"));
  CHECK(SpCount(html, "<script>") == 1);  // Only the page's own.
  // A stack trace folds into <details> with its first line as the summary.
  CHECK(SpHas(html, "<details class=\"ev\" id=\"ev-a1-0\">"));
  CHECK(SpHas(html, "\tat org.wso2.carbon.Pool.get(Pool.java:42)</pre>"));
  CHECK(SpHas(html, "<dt>Acknowledged</dt><dd>yes, <time"));
  CHECK(SpHas(html, "<a href=\"https://runbooks.example/db\""));
  CHECK(SpHas(html, "1 firing, 0 pending"));
  CHECK(SpHas(html, "1 resolved"));
  CHECK_FALSE(SpHas(html, "id=\"alert-a2\""));  // Resolved alerts are only counted.
}

TEST_CASE("the status page orders firing before pending and most severe first",
          "[http][status_page]") {
  ApiSnapshot s = SpSnapshot();
  json warn = SpAlert("w", "firing");
  warn["severity"] = "warning";
  s.alerts = json::array({SpAlert("p", "pending"), warn, SpAlert("c", "firing")});
  std::string html = RenderStatusMain(s, kSpNow);
  size_t c = html.find("id=\"alert-c\""), w = html.find("id=\"alert-w\""),
         p = html.find("id=\"alert-p\"");
  REQUIRE(p != std::string::npos);
  CHECK(c < w);
  CHECK(w < p);
  CHECK(SpHas(html, "2 firing, 1 pending"));
  CHECK(SpHas(html, "<dt>Pending since</dt>"));
}

TEST_CASE("hostile strings in every field of the snapshot are escaped", "[http][status_page]") {
  const std::string evil = "\"'><img src=x onerror=alert(1)>&";
  ApiSnapshot s = SpSnapshot();
  s.status["summary"] = evil;
  s.status["reasons"][0]["rule"] = evil;
  s.status["reasons"][0]["evidence"] = evil;
  s.status["reasons"].push_back(
      {{"kind", "coverage"}, {"subject", evil}, {"description", evil}, {"since", evil}});
  s.status["daemon"]["instance"] = evil;
  s.status["daemon"]["version"] = evil;
  s.status["daemon"]["last_reload_error"] = evil;
  s.status["logs"][0]["name"] = evil;
  s.status["logs"][0]["problem"] = evil;
  s.status["logs"][0]["last_record_time"] = evil;
  s.status["coverage"]["logs"][0]["name"] = evil;
  s.status["coverage"]["logs"][0]["path"] = evil;
  s.status["coverage"]["blind_spots"] = json::array({{{"subject", evil}, {"description", evil}}});
  s.status["targets"][0]["name"] = evil;
  s.status["targets"][0]["problems"] = json::array({evil});
  s.status["cutover"]["at"] = evil;
  json a = SpAlert(evil, "firing", json::array({SpEvidence(evil + "\n" + evil, evil)}));
  a["rule"] = evil;
  a["description"] = evil;
  a["detail"] = evil;
  a["severity"] = evil;
  a["runbook"] = "javascript:alert(1)";
  a["labels"] = {{evil, evil}};
  a["fired_at"] = evil;
  a["evidence"].push_back(SpEvidence(evil));
  a["evidence"][1]["log"] = evil;
  a["evidence"][1]["level"] = evil;
  s.alerts.push_back(a);
  s.signatures =
      std::make_shared<const json>(json{{"baseline", {{"source", evil}}},
                                        {"signatures", json::array({{{"state", "new"},
                                                                     {"template", evil},
                                                                     {"log", evil},
                                                                     {"level", evil},
                                                                     {"logger", evil},
                                                                     {"first_seen", evil}}})}});
  std::string html = RenderStatusPage(s, kSpNow);
  CHECK_FALSE(SpHas(html, "<img"));
  CHECK_FALSE(SpHas(html, "\"'>"));
  CHECK_FALSE(SpHas(html, "href=\"javascript:"));
  CHECK(SpHas(html, "javascript:alert(1)"));  // Shown as text, not a link.
  CHECK(SpCount(html, "&lt;img src=x onerror=alert(1)&gt;&amp;") >= 20);
}

TEST_CASE("the new since the cutover section appears only with a change detector",
          "[http][status_page]") {
  ApiSnapshot s = SpSnapshot();
  CHECK_FALSE(SpHas(RenderStatusPage(s, kSpNow), "id=\"h-new\""));
  s.signatures = std::make_shared<const json>(
      json{{"baseline", {{"source", "snapshot"}, {"signatures", 5}}},
           {"signatures", json::array({{{"state", "new"},
                                        {"template", "Timeout waiting for <*> from pool"},
                                        {"log", "carbon"},
                                        {"level", "ERROR"},
                                        {"count", 3},
                                        {"first_seen", "2026-11-25T02:57:00.000Z"}},
                                       {{"state", "regressed"}, {"template", "Slow query"}},
                                       {{"state", "known"}, {"template", "Routine reconnect"}},
                                       {{"state", "unjudged"}, {"template", "No baseline"}}})}});
  std::string html = RenderStatusPage(s, kSpNow);
  CHECK(SpHas(html, "<h2 id=\"h-new\">New since the cutover"));
  CHECK(SpHas(html, "Timeout waiting for &lt;*&gt; from pool"));
  CHECK(SpHas(html, "Slow query"));
  CHECK_FALSE(SpHas(html, "Routine reconnect"));
  CHECK(SpHas(html, "2 new or regressed"));
  CHECK(SpHas(html, "1 signatures could not be judged"));
  CHECK_FALSE(SpHas(html, ">No baseline<"));
  CHECK(SpHas(html, "<th scope=\"row\"><span class=\"badge new\">new</span></th>"));
  s.signatures = std::make_shared<const json>(json{{"signatures", json::array()}});
  CHECK(SpHas(RenderStatusPage(s, kSpNow), "No new or regressed"));
}

TEST_CASE("the status page plots the history with the cutover and alert marks",
          "[http][status_page]") {
  std::string html = RenderStatusPage(SpSnapshot(), kSpNow);
  // Host CPU, host memory, and the target's CPU, RSS, threads and open fds.
  CHECK(SpCount(html, "<svg class=\"plot\"") == 6);
  CHECK(SpHas(html, "<figcaption>wso2am RSS <b>"));
  CHECK(SpCount(html, "class=\"mk-cut\"") == 6);
  CHECK(SpCount(html, "class=\"mk-alert\"") == 6);
  CHECK(SpHas(html, "<title>wso2.db_unreachable fired (critical)</title>"));
  CHECK(SpHas(html, ">no samples yet</text>"));  // open fds: an empty ring.
  CHECK(SpHas(html, "<circle class=\"dot\""));   // threads: a single sample.
  ApiSnapshot none = SpSnapshot();
  none.samples = nullptr;
  std::string empty = RenderStatusPage(none, kSpNow);
  CHECK(SpHas(empty, "No samples yet."));
  CHECK_FALSE(SpHas(empty, "<svg"));
}

TEST_CASE("the status page shows coverage of logs targets rules and reloads",
          "[http][status_page]") {
  ApiSnapshot s = SpSnapshot();
  s.status["daemon"]["reloads"] = {{"success", 2}, {"failure", 1}};
  s.status["daemon"]["last_reload_error"] = "rules/x.yaml:3: unknown field";
  s.status["targets"][0]["up"] = false;
  s.status["targets"][0]["restarts"] = 2;
  std::string html = RenderStatusPage(s, kSpNow);
  CHECK(SpHas(html, "<b>12 rules</b> loaded from 1 rule files; reloads: 2 succeeded, 1 failed"));
  CHECK(SpHas(html, "Last reload failed (the previous rules stay): rules/x.yaml:3: unknown field"));
  CHECK(SpHas(html,
              "<th scope=\"row\">carbon<br><small class=\"muted\">/var/log/wso2carbon.log "
              "(wso2-carbon)</small></th>"));
  CHECK(SpHas(html, "<td class=\"n\">20.0</td>"));  // 1200 records in 60 minutes.
  CHECK(SpHas(html, "<span class=\"bad\">down</span>"));
  CHECK(SpHas(html, "<span class=\"bad\">2</span>"));
  CHECK(SpHas(html, "<th scope=\"col\">Restarts</th>"));
}

TEST_CASE("the status page stays small however much there is to show", "[http][status_page]") {
  // Typical: one alert, a few signatures, a 15-minute ring.
  std::string typical = RenderStatusPage(SpSnapshot(), kSpNow);
  INFO("typical page: " << typical.size() << " bytes");
  CHECK(typical.size() < 40 * 1024);

  ApiSnapshot s = SpSnapshot();
  const std::string huge = "java.lang.OutOfMemoryError\n" + std::string(100 * 1024, 'x');
  json evidence = json::array();
  for (int i = 0; i < 20; ++i) evidence.push_back(SpEvidence(huge));
  s.alerts = json::array();
  for (int i = 0; i < 200; ++i) {
    s.alerts.push_back(SpAlert("a" + std::to_string(i), "firing", evidence));
  }
  json sigs = json::array();
  for (int i = 0; i < 1000; ++i) {
    sigs.push_back({{"state", "new"}, {"template", std::string(2000, 't')}});
  }
  s.signatures = std::make_shared<const json>(json{{"signatures", sigs}});
  s.status["reasons"] = json::array();
  for (int i = 0; i < 100; ++i) s.status["reasons"].push_back(s.status["reasons"].size());
  auto h = std::make_shared<HistorySnapshot>();
  std::vector<SamplePoint> ring;
  for (int i = 0; i < 100'000; ++i) {
    ring.push_back({kSpNow - std::chrono::milliseconds(100'000 - i), (i % 97) / 97.0});
  }
  h->Set("host.cpu_busy_ratio", "", ring);
  s.samples = h;
  std::string html = RenderStatusPage(s, kSpNow);
  INFO("worst page: " << html.size() << " bytes");
  CHECK(html.size() < 300 * 1024);
  CHECK(SpCount(html, "<article class=\"alert") == kMaxAlerts);
  CHECK(SpHas(html, "150 more alerts not shown"));
  CHECK(SpCount(html, "<tr><th scope=\"row\"><span class=\"badge new\">") == kMaxSignatures);
  CHECK(SpHas(html, "980 more signatures not shown"));
  CHECK(SpHas(html, "90 more reasons not shown"));
  CHECK(SpHas(html, "more bytes not shown"));
  CHECK(SpHas(html, "15 more evidence records not shown"));
  // The evidence budget ends evidence early, never the alerts themselves.
  CHECK(SpCount(html, "<details class=\"ev\"") < kMaxAlerts * kMaxEvidence);
}

TEST_CASE("the fragment is exactly the content of the page main element", "[http][status_page]") {
  ApiSnapshot s = SpSnapshot();
  std::string page = RenderStatusPage(s, kSpNow);
  std::string main = RenderStatusMain(s, kSpNow);
  CHECK(SpHas(page, "<main id=\"main\">\n" + main + "</main>"));
  CHECK_FALSE(SpHas(main, "<html"));
  CHECK(SpHas(main, "data-title=\"ROLLBACK"));
  // No forms, no buttons, nothing loaded from elsewhere.
  for (std::string_view banned :
       {"<form", "<button", "<input", "src=\"http", "href=\"//", "@import", "url("}) {
    INFO(banned);
    CHECK_FALSE(SpHas(page, banned));
  }
  CHECK(SpHas(page, "<meta name=\"viewport\""));
  CHECK(SpHas(page, "<noscript><meta http-equiv=\"refresh\" content=\"10\"></noscript>"));
}

TEST_CASE("the CSP hash matches the inline refresh script", "[http][status_page]") {
  const std::string hash = SpSha256Base64(StatusPageScript());
  INFO("put 'sha256-" << hash << "' in kStatusPageCsp (daemon/http/status_page.h)");
  CHECK(SpHas(kStatusPageCsp, "'sha256-" + hash + "'"));
  std::string page = RenderStatusPage(SpSnapshot(), kSpNow);
  CHECK(SpHas(page, "<script>" + std::string(StatusPageScript()) + "</script>"));
}

TEST_CASE("svg plots reduce long rings and break lines at gaps", "[http][status_page][svg]") {
  const WallTime from = kSpNow - std::chrono::minutes(15);
  PlotSpec spec{"cpu", PlotUnit::kRatio, from, kSpNow, {}};
  std::vector<SamplePoint> many;
  for (int i = 0; i < 9000; ++i) {
    many.push_back({from + std::chrono::milliseconds(100 * i), i == 4500 ? 1.0 : 0.25});
  }
  std::string svg = RenderSvgPlot(spec, many);
  CHECK(SpCount(svg, "<polyline") == 1);
  CHECK(SpCount(svg, ",") <= 2 * kPlotBuckets);
  CHECK(SpHas(svg, ",10.0 "));  // The one spike to 100% survives the reduction.
  CHECK(SpHas(svg, ">100%</text>"));

  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<SamplePoint> gappy = {{from + std::chrono::minutes(1), 0.1},
                                    {from + std::chrono::minutes(2), 0.2},
                                    {from + std::chrono::minutes(3), nan},
                                    {from + std::chrono::minutes(4), 0.3},
                                    {from + std::chrono::minutes(5), 0.4}};
  spec.markers = {{from + std::chrono::minutes(2), PlotMarker::Kind::kCutover, "cutover <mark>"},
                  {from - std::chrono::minutes(2), PlotMarker::Kind::kAlert, "before the axis"},
                  {from + std::chrono::minutes(4), PlotMarker::Kind::kAlert, "a fired"}};
  svg = RenderSvgPlot(spec, gappy);
  CHECK(SpCount(svg, "<polyline") == 2);
  CHECK(SpHas(svg, "<title>cutover &lt;mark&gt;</title>"));
  CHECK(SpCount(svg, "class=\"mk-alert\"") == 1);
  CHECK_FALSE(SpHas(svg, "before the axis"));
  CHECK(SpHas(svg, ">-15m</text>"));
  CHECK(SpHas(svg, ">now</text>"));
}

TEST_CASE("plot values are written for humans", "[http][status_page][svg]") {
  CHECK(FormatPlotValue(0.4321, PlotUnit::kRatio) == "43%");
  CHECK(FormatPlotValue(0.05, PlotUnit::kRatio) == "5.0%");
  CHECK(FormatPlotValue(1.5, PlotUnit::kCoreRatio) == "150%");
  CHECK(FormatPlotValue(2.5 * 1024 * 1024 * 1024, PlotUnit::kBytes) == "2.5 GiB");
  CHECK(FormatPlotValue(512, PlotUnit::kBytes) == "512 B");
  CHECK(FormatPlotValue(310, PlotUnit::kCount) == "310");
  CHECK(FormatPlotValue(std::nan(""), PlotUnit::kCount) == "n/a");
}

// --- The route ----------------------------------------------------------------------------------

TEST_CASE("GET / answers the HTML status page by default", "[http][status_page][endpoints]") {
  TestServer s;
  auto r = s.Client().Get("/");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(r->get_header_value("Content-Security-Policy") == kStatusPageCsp);
  CHECK(r->get_header_value("Cache-Control") == "no-store");
  CHECK(r->get_header_value("Vary") == "Accept");
  CHECK(SpBanner(r->body) == "investigate");  // SampleSnapshot's recommendation.
  CHECK(SpHas(r->body, "error rate above baseline"));
  // A browser's usual Accept header still gets the page.
  auto b = s.Client().Get("/", {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
  REQUIRE(b);
  CHECK(SpBanner(b->body) == "investigate");
}

TEST_CASE("GET / with Accept application/json keeps the endpoint index",
          "[http][status_page][endpoints]") {
  TestServer s;
  for (std::string accept : {"application/json", "Application/JSON; charset=utf-8",
                             "text/html;q=0.5, application/json"}) {
    auto r = s.Client().Get("/", {{"Accept", accept}});
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "application/json");
    CHECK(r->get_header_value("Vary") == "Accept");
    CHECK(testing::Json(r)["endpoints"].back() == json{{"method", "GET"}, {"path", "/"}});
  }
}

TEST_CASE("GET /?fragment=1 answers the main content for the refresh",
          "[http][status_page][endpoints]") {
  TestServer s;
  auto r = s.Client().Get("/?fragment=1");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(r->body.rfind("<p class=\"updated\">", 0) == 0);
  CHECK_FALSE(SpHas(r->body, "<html"));
  CHECK(SpBanner(r->body) == "investigate");
  auto typo = s.Client().Get("/?fragmnt=1");
  REQUIRE(typo);
  CHECK(typo->status == 400);
  CHECK(SpHas(typo->body, "did you mean \\\"fragment\\\""));
  auto head = s.Client().Head("/");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
}

TEST_CASE("GET / before the first snapshot is a 503 starting page",
          "[http][status_page][endpoints]") {
  TestServer s;
  s.backend.Publish(nullptr);
  auto r = s.Client().Get("/");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(SpBanner(r->body) == "unknown");
  CHECK(SpHas(r->body, "The daemon is starting"));
}

}  // namespace cg
