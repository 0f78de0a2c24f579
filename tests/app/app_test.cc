// The whole daemon in-process: config in a temp dir, HTTP on port 0, this machine's /proc,
// a real log file. Waits are bounded polls on observable state (never fixed sleeps).
#include "daemon/app.h"

#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/fs.h"
#include "daemon/state_bundle.h"
#include "rules/signatures/baseline.h"
#include "tests/app/daemon_fixture.h"

namespace cg {

using namespace std::chrono_literals;

using nlohmann::json;
using testing::CarbonLine;
using testing::Daemon;
using testing::Options;
using testing::WaitUntil;

namespace {

// A second rule file: the JVM running out of heap.
constexpr const char* kOomRules = R"(rules:
  - id: test.oom
    description: The JVM ran out of heap
    severity: critical
    match: 'java\.lang\.OutOfMemoryError'
)";

// Runs a daemon on `dir` until it has read two INFO records with texts `first` and `second`,
// then stops it; returns its exit status.
int ReadTwoLinesThenStop(const testing::TempDir& dir, const std::string& first,
                         const std::string& second) {
  Daemon d(dir);
  d.Start();
  d.Append(CarbonLine("INFO", first) + CarbonLine("INFO", second));
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() == 2; }));
  return d.Stop();
}

}  // namespace

TEST_CASE("a persisting database failure turns the recommendation to rollback with evidence",
          "[app]") {
  testing::TempDir dir;
  Daemon d(dir);
  d.Start();
  CHECK(d.Get("/api/v1/status")["recommendation"] == "continue");
  CHECK(d.Get("/api/v1/status")["daemon"]["rules"] == 1);
  for (int i = 0; i < 3; ++i) {
    d.Append(CarbonLine("ERROR",
                        "Error while retrieving subscriptions "
                        "com.mysql.cj.jdbc.exceptions.CommunicationsException: "
                        "Communications link failure"));
  }
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/status")["recommendation"] == "rollback"; }));
  json s = d.Get("/api/v1/status");
  REQUIRE(s["reasons"].size() == 1);
  CHECK(s["reasons"][0]["rule"] == "test.db_unreachable");
  CHECK(s["reasons"][0]["count"] == 3);
  CHECK(s["alerts"]["firing"] == 1);
  json alerts = d.Get("/api/v1/alerts?state=firing")["alerts"];
  REQUIRE(alerts.is_array());
  REQUIRE(alerts.size() == 1);
  REQUIRE_FALSE(alerts[0]["evidence"].empty());
  CHECK(alerts[0]["evidence"][0]["log"] == "carbon");
  CHECK(alerts[0]["evidence"][0]["text"].get<std::string>().find("Communications link failure") !=
        std::string::npos);
  std::string m = d.Metrics();
  CHECK(m.find("cutover_guard_recommendation{recommendation=\"rollback\"} 1") != std::string::npos);
  CHECK(m.find("cutover_guard_log_lines_total{log=\"carbon\"} 3") != std::string::npos);
  CHECK(m.find("cutover_guard_ready 1") != std::string::npos);
}

TEST_CASE("healthy log traffic stays at continue", "[app]") {
  testing::TempDir dir;
  Daemon d(dir);
  d.Start();
  for (int i = 0; i < 20; ++i)
    d.Append(CarbonLine("INFO", "Throttle data refreshed " + std::to_string(i)));
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() == 20; }));
  json s = d.Get("/api/v1/status");
  CHECK(s["recommendation"] == "continue");
  CHECK(s["alerts"]["firing"] == 0);
  CHECK(s["host"]["cpus"].get<int>() >= 1);
}

TEST_CASE("a valid reload adds rules and an invalid one keeps the running rules", "[app]") {
  testing::TempDir dir;
  Daemon d(dir);
  d.Start();
  CHECK(d.Get("/api/v1/rules")["rules"].size() == 1);
  dir.Write("rules/more.yaml", kOomRules);
  auto ok = d.Post("/-/reload");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(d.Get("/api/v1/rules")["rules"].size() == 2);

  dir.Write("rules/broken.yaml",
            "rules:\n  - id: test.bad\n    severity: critical\n    match: '(unclosed'\n");
  auto bad = d.Post("/-/reload");
  REQUIRE(bad);
  CHECK(bad->status == 409);
  CHECK(bad->body.find("test.bad") != std::string::npos);
  CHECK(d.Get("/api/v1/rules")["rules"].size() == 2);
  json s = d.Get("/api/v1/status");
  CHECK(s["daemon"]["reloads"]["success"] == 1);
  CHECK(s["daemon"]["reloads"]["failure"] == 1);
  CHECK(d.Metrics().find("cutover_guard_reloads_total{result=\"failure\"} 1") != std::string::npos);
  // The daemon still works after the failed reload.
  d.Append(CarbonLine("ERROR", "java.lang.OutOfMemoryError: Java heap space"));
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/status")["recommendation"] == "rollback"; }));
}

TEST_CASE("a graceful stop checkpoints offsets and alert state and exits 0", "[app]") {
  testing::TempDir dir;
  CHECK(ReadTwoLinesThenStop(dir, "one", "two") == 0);
  auto checkpoint = ReadFile(dir / "state/logs/carbon.json", 1ull << 30);
  REQUIRE(checkpoint.ok());
  const auto size = std::filesystem::file_size(dir / "logs/wso2carbon.log");
  CHECK(checkpoint->find(std::to_string(size)) != std::string::npos);
  auto alerts = ReadFile(dir / "state/alerts.json", 1ull << 30);
  REQUIRE(alerts.ok());
  CHECK_FALSE(json::parse(*alerts, nullptr, false).is_discarded());
}

TEST_CASE("after a restart only the lines written while stopped are read", "[app]") {
  testing::TempDir dir;
  REQUIRE(ReadTwoLinesThenStop(dir, "before-1", "before-2") == 0);
  std::ofstream(dir / "logs/wso2carbon.log", std::ios::app)
      << CarbonLine("INFO", "while-down-1") << CarbonLine("INFO", "while-down-2")
      << CarbonLine("INFO", "while-down-3");
  Daemon d(dir);
  d.Start();
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() >= 3; }));
  // Give a wrong re-read every chance to show up before asserting the exact count.
  d.Append(CarbonLine("INFO", "after"));
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() >= 4; }));
  CHECK(d.CarbonRecords() == 4);
}

TEST_CASE("the cutover mark can be set through the API", "[app]") {
  testing::TempDir dir;
  Daemon d(dir);
  d.Start();
  CHECK(d.Get("/api/v1/status")["cutover"]["at"].is_null());
  auto r = d.Post("/api/v1/cutover", R"({"at": "2026-11-25T02:00:00Z"})");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(d.Get("/api/v1/status")["cutover"]["at"] == "2026-11-25T02:00:00.000Z");
}

TEST_CASE("systemd hears READY, STATUS and WATCHDOG while running and STOPPING on stop", "[app]") {
  testing::TempDir dir;
  std::string sock = (dir / "notify.sock").string();
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setenv("NOTIFY_SOCKET", sock.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "400000", 1);  // 0.4 s: pings every 0.2 s.
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  std::vector<std::string> seen;
  auto receive_until = [&](const std::string& prefix) {
    char buf[4096];
    for (int i = 0; i < 200; ++i) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      seen.emplace_back(buf, static_cast<size_t>(n));
      if (seen.back().starts_with(prefix)) return true;
    }
    return false;
  };
  {
    Daemon d(dir);
    d.Start();
    CHECK(receive_until("READY=1"));
    CHECK(receive_until("STATUS=recommendation continue"));
    CHECK(receive_until("WATCHDOG=1"));
    d.Stop();
    CHECK(receive_until("STOPPING=1"));
  }
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  ::close(fd);
}

TEST_CASE("startup lists every problem and does not start", "[app]") {
  testing::TempDir dir;
  dir.Write("rules/bad.yaml", "rules:\n  - id: x\n    severity: loud\n    match: a\n");
  dir.Write("config.yaml", R"(listen: "127.0.0.1:0"
state_dir: state
rule_files: [rules/bad.yaml]
api: {token_file: missing-token}
)");
  auto app = App::Create(Options(dir / "config.yaml"));
  REQUIRE_FALSE(app.ok());
  std::string all = app.error().ToString();
  CHECK(all.find("bad.yaml:3:15") != std::string::npos);
  CHECK(all.find("api.token_file") != std::string::npos);
  CHECK(all.find("missing required key \"description\"") != std::string::npos);
  CHECK(app.error().size() == 3);
}

}  // namespace cg

namespace cg {

TEST_CASE("SIGHUP reloads the rules and SIGTERM stops with exit 0 after checkpointing",
          "[app][signals]") {
  testing::TempDir dir;
  Daemon d(dir);
  d.Start();
  d.Append(CarbonLine("INFO", "one"));
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() == 1; }));
  dir.Write("rules/more.yaml", kOomRules);
  REQUIRE(::kill(::getpid(), SIGHUP) == 0);
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/status")["daemon"]["reloads"]["success"] == 1; }));
  CHECK(d.Get("/api/v1/rules")["rules"].size() == 2);

  REQUIRE(::kill(::getpid(), SIGTERM) == 0);
  auto started = std::chrono::steady_clock::now();
  CHECK(d.Join() == 0);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  auto checkpoint = ReadFile(dir / "state/logs/carbon.json", 1ull << 30);
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->find(std::to_string(std::filesystem::file_size(dir / "logs/wso2carbon.log"))) !=
        std::string::npos);
}

}  // namespace cg

namespace cg {
namespace {

constexpr const char* kChangeRulesApp = R"(rules:
  - id: chg.new
    description: An ERROR the baseline never had keeps recurring
    severity: warning
    condition: new_signature
    threshold: {count: 2, window: 10m}
)";

}  // namespace

TEST_CASE("a baseline snapshot in the config: a new recurring ERROR is served as new and alerts",
          "[app][change]") {
  testing::TempDir dir;
  Baseline old;
  BaselineLog log;
  log.name = "carbon";
  log.records = 1000;
  log.by_level[static_cast<size_t>(Level::kInfo)] = 988;  // Levels add up to the records.
  log.by_level[static_cast<size_t>(Level::kError)] = 12;
  log.first = WallTime(std::chrono::hours(24 * 20000));
  log.last = log.first + std::chrono::hours(24);
  old.logs.push_back(log);
  BaselineSignature known;
  known.log = "carbon";
  known.level = Level::kError;
  known.logger = "org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO";
  known.template_text =
      "Error while retrieving subscriptions com.mysql.cj.jdbc.exceptions."
      "CommunicationsException: Communications link failure";
  known.count = 12;
  old.signatures.push_back(known);
  const Status saved = SaveBaseline(old, dir / "old.json");
  INFO(saved.message());
  REQUIRE(saved.ok());

  Daemon d(dir, "baseline:\n  snapshot: old.json\n", kChangeRulesApp);
  d.Start();
  CHECK(d.Get("/api/v1/status")["baseline"]["source"] == "snapshot");
  for (int i = 0; i < 2; ++i) {
    d.Append(CarbonLine("ERROR",
                        "Error while retrieving subscriptions com.mysql.cj.jdbc.exceptions."
                        "CommunicationsException: Communications link failure"));
    d.Append(CarbonLine("ERROR", "java.lang.NoSuchMethodError: org.example.Custom.call()V"));
  }
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/status")["recommendation"] == "investigate"; }));
  json alerts = d.Get("/api/v1/alerts?state=firing")["alerts"];
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0]["rule"] == "chg.new");
  CHECK(alerts[0]["labels"]["template"].get<std::string>().find("NoSuchMethodError") !=
        std::string::npos);
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/signatures")["signatures"].size() == 2; }));
  json fresh = d.Get("/api/v1/signatures?state=new")["signatures"];
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0]["count"] == 2);
  CHECK(fresh[0]["template"].get<std::string>().find("NoSuchMethodError") != std::string::npos);
  json known_now = d.Get("/api/v1/signatures?state=known")["signatures"];
  REQUIRE(known_now.size() == 1);
  CHECK(known_now[0]["baseline_count"] == 12);
  const std::string m = d.Metrics();
  CHECK(m.find("cutover_guard_signatures{log=\"carbon\",state=\"new\"} 1") != std::string::npos);
  CHECK(m.find("cutover_guard_signature_new_total{level=\"ERROR\",log=\"carbon\"} 1") !=
        std::string::npos);
}

}  // namespace cg

namespace cg {

TEST_CASE("the records before the cutover stay the baseline across a restart", "[app][change]") {
  testing::TempDir dir;
  auto line = [](const std::string& time, const std::string& level, const std::string& msg) {
    return "TID: [] [] [2026-11-25 " + time + ",000] " + std::string(5 - level.size(), ' ') +
           level + " {org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO} - " + msg + "\n";
  };
  const std::string known = "Database unreachable at 10.0.0.7:5432 after 3000 ms";
  {
    Daemon d(dir, "cutover:\n  at: \"2026-11-25 02:15:00\"\n", kChangeRulesApp);
    d.Start();
    for (int i = 0; i < 3; ++i) d.Append(line("02:1" + std::to_string(i) + ":00", "ERROR", known));
    d.Append(line("02:20:00", "INFO", "Throttle data refreshed"));
    REQUIRE(WaitUntil([&] { return std::filesystem::exists(dir / "state" / kPreCutoverFile); }));
    CHECK(d.Get("/api/v1/status")["baseline"]["source"] == "pre-cutover");
    CHECK(d.Stop() == 0);
  }
  auto saved = LoadBaseline(dir / "state" / kPreCutoverFile);
  REQUIRE(saved.ok());
  REQUIRE(saved->signatures.size() == 1);
  CHECK(saved->signatures[0].count == 3);
  REQUIRE(saved->logs.size() == 1);
  CHECK(saved->logs[0].records == 3);

  // The restart resumes after those records: the saved snapshot is the baseline now.
  Daemon d(dir, "", kChangeRulesApp);
  d.Start();
  json status = d.Get("/api/v1/status");
  CHECK(status["baseline"]["source"] == "snapshot");
  REQUIRE(status["baseline"]["learned_from"].size() == 1);
  CHECK(status["baseline"]["learned_from"][0].get<std::string>().find(
            "records before the cutover mark") == 0);
  for (int i = 0; i < 2; ++i) {
    d.Append(line("02:21:0" + std::to_string(i), "ERROR",
                  "Database unreachable at 10.0.0.9:5432 after 4000 ms"));
    d.Append(line("02:22:0" + std::to_string(i), "ERROR",
                  "java.lang.NoSuchMethodError: org.example.Custom.call()V"));
  }
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/status")["recommendation"] == "investigate"; }));
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/signatures")["signatures"].size() == 2; }));
  json known_now = d.Get("/api/v1/signatures?state=known")["signatures"];
  REQUIRE(known_now.size() == 1);
  CHECK(known_now[0]["baseline_count"] == 3);
  CHECK(d.Get("/api/v1/signatures?state=new")["signatures"].size() == 1);
  // A late record from before the mark: the saved snapshot grows by it, keeping the earlier
  // run's three (it is not replaced by what this run alone saw).
  d.Append(line("02:14:30", "ERROR", known));
  REQUIRE(WaitUntil([&] {
    auto b = LoadBaseline(dir / "state" / kPreCutoverFile);
    return b.ok() && b->signatures.size() == 1 && b->signatures[0].count == 4;
  }));
  auto grown = LoadBaseline(dir / "state" / kPreCutoverFile);
  REQUIRE(grown.ok());
  REQUIRE(grown->logs.size() == 1);
  CHECK(grown->logs[0].records == 4);
}

}  // namespace cg

namespace cg {

TEST_CASE("a damaged pre-cutover baseline in the state dir is ignored and the daemon starts",
          "[app][change]") {
  testing::TempDir dir;
  // Written by "an earlier run": nested far deeper than the snapshot's depth cap.
  dir.Write("state/" + std::string(kPreCutoverFile), std::string(100000, '['));
  Daemon d(dir, "cutover:\n  at: \"2026-11-25 02:15:00\"\n", kChangeRulesApp);
  d.Start();
  json status = d.Get("/api/v1/status");
  CHECK(status["baseline"]["source"] == "none");
  CHECK(status["baseline"]["learned_from"].empty());
}

}  // namespace cg

namespace cg {
namespace {

double MetricIn(const std::string& page, const std::string& series) {
  size_t at = page.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(page.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE("a burst of matching records is evaluated in a few batches and loses no match",
          "[app][event]") {
  testing::TempDir dir;
  testing::Daemon d(dir);
  d.Start();
  const std::string before = d.Metrics();
  const double evals_before =
      MetricIn(before, "cutover_guard_evaluations_total{trigger=\"record\"}");
  const double published_before = MetricIn(before, "cutover_guard_snapshots_published_total");
  REQUIRE(evals_before >= 0);
  // 20,000 matching records in one write: one evaluation per record would be 20,000.
  std::string burst;
  for (int i = 0; i < 20000; ++i) {
    burst += testing::CarbonLine("ERROR", "Communications link failure #" + std::to_string(i));
  }
  d.Append(burst);
  REQUIRE(testing::WaitUntil([&] {
    json rules = d.Get("/api/v1/rules")["rules"];
    return rules.size() == 1 && rules[0]["matches"] == 20000;
  }));
  REQUIRE(
      testing::WaitUntil([&] { return d.Get("/api/v1/status")["recommendation"] == "rollback"; }));
  std::string after;
  // /metrics reuses a rendering for up to 0.5 s: wait for one made after the burst.
  REQUIRE(testing::WaitUntil([&] {
    after = d.Metrics();
    return MetricIn(after, "cutover_guard_log_records_total{log=\"carbon\"}") == 20000;
  }));
  const double evals =
      MetricIn(after, "cutover_guard_evaluations_total{trigger=\"record\"}") - evals_before;
  const double published =
      MetricIn(after, "cutover_guard_snapshots_published_total") - published_before;
  INFO("event evaluations " << evals << ", publications " << published);
  CHECK(evals >= 1);
  CHECK(evals <= 100);
  CHECK(published <= 200);  // The event ones plus a few timer ticks.
  json alerts = d.Get("/api/v1/alerts?state=firing")["alerts"];
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0]["count"] == 20000);
}

}  // namespace cg
