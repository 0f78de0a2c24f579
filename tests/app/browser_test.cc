// The status page (GET /) in a real browser: a daemon on a fixture directory whose log holds a
// record that makes a rule fire, and headless Chromium (Debian package `chromium`) loading the
// page. The DOM must show the verdict of /api/v1/status and the alert's evidence, the inline
// script must run under the page's CSP and refresh <main>; a 1280x800 screenshot goes to the
// test's temp dir and, when CG_SCREENSHOT_OUT is set, to that path too (the README's
// docs/status-page.png is made that way). Every Chromium run is bounded by `timeout`.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/app/daemon_fixture.h"
#include "tests/support/external_process.h"

namespace cg {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Daemon;

constexpr const char* kBrowserChromium = "/usr/bin/chromium";

// Fires on a single record and stays firing for the length of the test.
constexpr const char* kBrowserRules = R"(rules:
  - id: wso2.db_unreachable
    description: The API Manager cannot reach its database
    severity: critical
    runbook: https://runbooks.example/wso2/db-unreachable
    match: 'Communications link failure'
    threshold: {count: 1, window: 10m}
)";

constexpr const char* kBrowserStackTrace =
    "\tat com.mysql.cj.jdbc.exceptions.SQLError.createCommunicationsException(SQLError.java:174)\n"
    "\tat com.mysql.cj.jdbc.ConnectionImpl.createNewIO(ConnectionImpl.java:836)\n"
    "\tat org.apache.tomcat.jdbc.pool.PooledConnection.connect(PooledConnection.java:346)\n";

// A wso2carbon.log line stamped now (local time, as the fixture's log has no `timezone`).
std::string BrowserCarbonLine(const std::string& level, const std::string& message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  ::localtime_r(&t, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  return "TID: [-1234] [] [" + std::string(stamp) + ",000] " + std::string(5 - level.size(), ' ') +
         level + " {org.wso2.carbon.apimgt.impl.utils.APIMgtDBUtil} - " + message + "\n";
}

std::string BrowserReadFile(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs headless Chromium on `url` with `args` (bounded by `timeout 45`, so both runs fit ctest's
// 120 s), its output in `out` and its log in `log` under `dir`. Returns the exit code (124: timed
// out).
int BrowserRun(const std::filesystem::path& dir, const std::string& args, const std::string& url,
               const std::filesystem::path& out, const std::filesystem::path& log) {
  // A profile and HOME of its own: nothing of the user's is read or written.
  const std::string profile = (dir / "chromium-profile").string();
  const std::string command =
      "(HOME='" + dir.string() + "' XDG_CONFIG_HOME='" + dir.string() + "' XDG_CACHE_HOME='" +
      dir.string() + "' timeout -k 5 45 " + kBrowserChromium +
      " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
      " --disable-extensions --disable-sync --disable-background-networking"
      " --disable-component-update --disable-default-apps --hide-scrollbars --mute-audio"
      " --user-data-dir='" +
      profile + "' " + args + " '" + url + "' >'" + out.string() + "' 2>'" + log.string() + "')";
  std::string ignored;
  return testing::RunShell(command, &ignored);
}

}  // namespace

TEST_CASE("a real browser shows the verdict and the firing alert evidence on the status page",
          "[app][browser]") {
  {
    INFO("needs " << kBrowserChromium << ": install the Debian package chromium (./dev deps)");
    REQUIRE(testing::HasExecutable(kBrowserChromium));
  }

  testing::TempDir dir;
  // The test process stands in for the JVM, so the page has a target and its plots.
  dir.Write("app.pid", std::to_string(::getpid()) + "\n");
  Daemon d(dir, "targets:\n  - name: wso2am\n    pidfile: app.pid\n", kBrowserRules);
  d.Start();
  // Records before the mark are not evaluated: the mark goes two minutes back.
  REQUIRE(d.Post("/api/v1/cutover", R"({"at": "2m"})")->status == 200);
  d.Append(BrowserCarbonLine("INFO", "WSO2 Carbon started in 41 sec"));
  d.Append(BrowserCarbonLine("ERROR",
                             "Error while getting a connection from the pool "
                             "com.mysql.cj.jdbc.exceptions.CommunicationsException: "
                             "Communications link failure <db.internal:3306> & retrying") +
           kBrowserStackTrace);
  REQUIRE(testing::WaitUntil([&] {
    json a = d.Get("/api/v1/alerts?state=firing")["alerts"];
    return a.size() == 1 && !a[0]["evidence"].empty();
  }));
  // A few more samples so the plots have a line.
  std::this_thread::sleep_for(1500ms);
  const json status = d.Get("/api/v1/status");
  const std::string recommendation = status["recommendation"];
  CHECK(recommendation == "rollback");
  const std::string url = "http://127.0.0.1:" + std::to_string(d.port()) + "/";

  // The DOM after the page has run for 12 s of virtual time: the refresh script has swapped
  // <main> at least once by then.
  const auto dom_file = dir / "dom.html";
  int rc = BrowserRun(dir.path(), "--virtual-time-budget=12000 --dump-dom", url, dom_file,
                      dir / "chromium-dom.log");
  INFO("chromium log:\n" << BrowserReadFile(dir / "chromium-dom.log"));
  REQUIRE(rc == 0);
  const std::string dom = BrowserReadFile(dom_file);
  REQUIRE(!dom.empty());
  std::smatch m;
  REQUIRE(std::regex_search(dom, m, std::regex("<h1 id=\"verdict\">([^<]*)</h1>")));
  CHECK(m[1].str() == recommendation);
  // The evidence (escaped in the source, as text in the DOM) and its stack trace.
  CHECK(dom.find("Communications link failure &lt;db.internal:3306&gt; &amp; retrying") !=
        std::string::npos);
  CHECK(dom.find("ConnectionImpl.createNewIO(ConnectionImpl.java:836)") != std::string::npos);
  CHECK(dom.find("wso2.db_unreachable") != std::string::npos);
  CHECK(dom.find("<svg class=\"plot\"") != std::string::npos);
  // The inline script ran (the CSP hash matches) and refreshed <main> from /?fragment=1.
  CHECK(dom.find("data-live=\"on\"") != std::string::npos);
  CHECK(std::regex_search(dom, std::regex("data-refreshes=\"[1-9]")));
  CHECK(dom.find("id=\"stale\" class=\"stale\" role=\"status\" hidden") != std::string::npos);

  // The screenshot at 1280x800.
  const auto png = dir / "status-page.png";
  rc = BrowserRun(dir.path(), "--window-size=1280,800 --screenshot='" + png.string() + "'", url,
                  dir / "chromium-shot.out", dir / "chromium-shot.log");
  INFO("chromium log:\n" << BrowserReadFile(dir / "chromium-shot.log"));
  REQUIRE(rc == 0);
  const std::string image = BrowserReadFile(png);
  REQUIRE(image.size() > 10'000);
  CHECK(image.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
  if (const char* out = std::getenv("CG_SCREENSHOT_OUT"); out != nullptr && *out != '\0') {
    std::filesystem::path target(out);
    if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
    std::filesystem::copy_file(png, target, std::filesystem::copy_options::overwrite_existing);
    WARN("screenshot copied to " << target.string());
  }
}

}  // namespace cg
