#include "rules/engine.h"

#include <prometheus/registry.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/rules/rule_test_util.h"
#include "tests/rules/sample_rules.h"

namespace cg {
namespace {

using testing::FakeMetrics;
using testing::MakeEngine;
using testing::MakeRecord;
using testing::PoolRule;
using testing::RuleFile;
using testing::Sec;

const FakeMetrics kNoMetrics;

const std::string kPool = RuleFile({PoolRule()});

void Feed(Engine& e, int64_t second, std::string_view text = "PoolExhaustedException: Timeout",
          Level level = Level::kError, std::string_view logger = "org.example.Dao",
          std::string_view log = "carbon") {
  e.OnRecord(MakeRecord(text, level, logger, Sec(second), log), Sec(second));
}

Record BootStart(int64_t second);

std::vector<std::string> Kinds(const std::vector<AlertEvent>& events) {
  std::vector<std::string> out;
  for (const auto& ev : events) {
    std::string s(AlertEventKindName(ev.kind));
    if (ev.kind == AlertEvent::Kind::kRecommendationChanged) s += ":" + ev.recommendation;
    out.push_back(s);
  }
  return out;
}

// The engine's one alert (the test fails unless there is exactly one).
Alert OnlyAlert(const Engine& e) {
  auto alerts = e.alerts();
  REQUIRE(alerts.size() == 1);
  return alerts[0];
}

// Evaluates a second before and a second after `second`: nothing fires before it, then the one
// alert has fired, at `second`. Returns that alert.
Alert CheckFiresAt(Engine& e, int64_t second, const MetricSource& metrics = kNoMetrics) {
  e.Evaluate(Sec(second - 1), metrics);
  CHECK(e.alerts().empty());
  e.Evaluate(Sec(second + 1), metrics);
  const Alert alert = OnlyAlert(e);
  CHECK(alert.fired_at == Sec(second));
  return alert;
}

// The engine's first alert is resolved, and was at `second`.
void CheckResolvedAt(const Engine& e, int64_t second) {
  CHECK(e.alerts()[0].state == AlertState::kResolved);
  CHECK(e.alerts()[0].resolved_at == Sec(second));
}

TEST_CASE("a log rule fires at the match that reaches the threshold", "[rules][engine]") {
  auto e = MakeEngine(kPool);
  Feed(*e, 0);
  Feed(*e, 10);
  e->Evaluate(Sec(15), kNoMetrics);
  CHECK(e->alerts().empty());
  CHECK(e->recommendation().verdict == Verdict::kContinue);
  Feed(*e, 20);
  e->Evaluate(Sec(21), kNoMetrics);
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.state == AlertState::kFiring);
  CHECK(alert.fired_at == Sec(20));
  CHECK(alert.first_seen == Sec(0));
  CHECK(alert.count == 3);
  CHECK(alert.window_count == 3);
  CHECK(e->recommendation().verdict == Verdict::kRollback);
  CHECK(e->recommendation().since == Sec(20));
}

TEST_CASE("matches spread wider than the window do not fire", "[rules][engine]") {
  auto e = MakeEngine(kPool);
  for (int s : {0, 40, 80, 120}) {
    Feed(*e, s);
    e->Evaluate(Sec(s), kNoMetrics);
  }
  CHECK(e->alerts().empty());
  CHECK(e->rule_status()[0].matches == 4);
  CHECK(e->rule_status()[0].window_count == 2);
}

TEST_CASE("a firing log alert resolves when its count leaves the threshold, at the exact time",
          "[rules][engine]") {
  auto e = MakeEngine(kPool);
  Feed(*e, 0);
  Feed(*e, 10);
  Feed(*e, 20);
  e->Evaluate(Sec(30), kNoMetrics);
  e->Evaluate(Sec(59), kNoMetrics);
  CHECK(e->alerts()[0].state == AlertState::kFiring);
  e->Evaluate(Sec(75), kNoMetrics);
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.state == AlertState::kResolved);
  // The match at 0 s left the 1 m window at 60 s.
  CHECK(alert.resolved_at == Sec(60));
  auto events = e->TakeTransitions();
  CHECK(Kinds(events) == std::vector<std::string>{"firing", "recommendation:rollback", "resolved",
                                                  "recommendation:continue"});
  CHECK(events[2].at == Sec(60));
  CHECK(events[3].at == Sec(60));
  CHECK(e->TakeTransitions().empty());
}

TEST_CASE("transition times do not depend on how often Evaluate runs", "[rules][engine]") {
  auto e = MakeEngine(kPool);
  Feed(*e, 0);
  Feed(*e, 10);
  Feed(*e, 20);
  e->Evaluate(Sec(300), kNoMetrics);  // One late tick sees both transitions.
  auto events = e->TakeTransitions();
  REQUIRE(Kinds(events) == std::vector<std::string>{"firing", "resolved"});
  CHECK(events[0].at == Sec(20));
  CHECK(events[1].at == Sec(60));
  CHECK(e->recommendation().verdict == Verdict::kContinue);
}

TEST_CASE("`for` keeps an alert pending, then fires when it has held that long",
          "[rules][engine]") {
  auto e = MakeEngine(RuleFile({PoolRule("2m", "for: 30s")}));
  Feed(*e, 0);
  Feed(*e, 10);
  Feed(*e, 20);
  e->Evaluate(Sec(25), kNoMetrics);
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.state == AlertState::kPending);
  CHECK(alert.pending_since == Sec(20));
  CHECK(e->recommendation().verdict == Verdict::kContinue);
  e->Evaluate(Sec(49), kNoMetrics);
  CHECK(e->alerts()[0].state == AlertState::kPending);
  e->Evaluate(Sec(51), kNoMetrics);
  CHECK(e->alerts()[0].state == AlertState::kFiring);
  CHECK(e->alerts()[0].fired_at == Sec(50));
}

TEST_CASE("a pending alert whose condition goes away never fires", "[rules][engine]") {
  auto e = MakeEngine(RuleFile({PoolRule("1m", "for: 1m")}));
  Feed(*e, 0);
  Feed(*e, 10);
  Feed(*e, 20);
  e->Evaluate(Sec(30), kNoMetrics);
  CHECK(e->alerts()[0].state == AlertState::kPending);
  e->Evaluate(Sec(90), kNoMetrics);  // The condition ended at 60 s, before 20 s + 1 m.
  CHECK(e->alerts().empty());
  CHECK(Kinds(e->TakeTransitions()).empty());
}

TEST_CASE("clear.count holds a firing alert until the count falls that low", "[rules][engine]") {
  auto e = MakeEngine(RuleFile({PoolRule("1m", "clear: {count: 1}")}));
  for (int s : {0, 10, 20, 30}) Feed(*e, s);
  e->Evaluate(Sec(75), kNoMetrics);  // Window holds 20 s and 30 s: 2 > clear.count.
  CHECK(e->alerts()[0].state == AlertState::kFiring);
  e->Evaluate(Sec(85), kNoMetrics);  // The 20 s match left at 80 s: count 1.
  CheckResolvedAt(*e, 80);
}

TEST_CASE("keep_firing_for delays resolution after the count has cleared", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - id: oom
    description: OutOfMemoryError
    severity: critical
    match: OutOfMemoryError
    threshold: {count: 1, window: 1m}
    clear: {keep_firing_for: 2m}
)");
  Feed(*e, 0, "java.lang.OutOfMemoryError: Java heap space");
  e->Evaluate(Sec(179), kNoMetrics);
  CHECK(e->alerts()[0].state == AlertState::kFiring);
  e->Evaluate(Sec(181), kNoMetrics);
  CheckResolvedAt(*e, 180);
}

TEST_CASE("clear.until_boot keeps a boot-time failure firing until WSO2 boots again",
          "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - id: schema
    description: table missing
    severity: critical
    match: 'relation "[^"]+" does not exist'
    clear: {until_boot: true}
)");
  Feed(*e, 0, R"(PSQLException: ERROR: relation "am_system_configs" does not exist)");
  e->Evaluate(Sec(3600), kNoMetrics);
  CHECK(e->alerts()[0].state == AlertState::kFiring);
  CHECK(e->recommendation().verdict == Verdict::kRollback);
  e->OnRecord(BootStart(4000), Sec(4000));
  e->Evaluate(Sec(4001), kNoMetrics);
  CheckResolvedAt(*e, 4000);
}

TEST_CASE("a resolved alert that fires again keeps its id", "[rules][engine]") {
  auto e = MakeEngine(kPool);
  for (int s : {0, 1, 2}) Feed(*e, s);
  e->Evaluate(Sec(100), kNoMetrics);
  const std::string id = e->alerts()[0].id;
  for (int s : {200, 201, 202}) Feed(*e, s);
  e->Evaluate(Sec(203), kNoMetrics);
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.id == id);
  CHECK(alert.state == AlertState::kFiring);
  CHECK(alert.fired_at == Sec(202));
  CHECK_FALSE(alert.resolved_at.has_value());
}

const std::string kPerApi = RuleFile({testing::kPerApiRule});

std::string Fault(std::string_view api) {
  return "{api:" + std::string(api) +
         "} STATUS = Executing default 'fault' sequence, ERROR_CODE = 101503, ERROR_MESSAGE = "
         "Error connecting to the back end";
}

TEST_CASE("named captures split alerts by label, with stable ids", "[rules][engine]") {
  auto e = MakeEngine(kPerApi);
  Feed(*e, 0, Fault("admin--OrdersAPI:v1.0.0"), Level::kInfo);
  Feed(*e, 1, Fault("admin--BillingAPI:v2.0.0"), Level::kInfo);
  Feed(*e, 2, Fault("admin--OrdersAPI:v1.0.0"), Level::kInfo);
  e->Evaluate(Sec(3), kNoMetrics);
  const Alert alert = OnlyAlert(*e);
  const Labels want{{"api", "admin--OrdersAPI:v1.0.0"}, {"component", "gateway"}};
  CHECK(alert.labels == want);
  CHECK(alert.id == AlertId("gw.backend", want));
  CHECK(alert.id.size() == 16);
  CHECK(alert.count == 2);
  CHECK(e->recommendation().verdict == Verdict::kInvestigate);
}

TEST_CASE("capture label sets beyond the cap are counted and kept under _other",
          "[rules][engine]") {
  auto e = MakeEngine(kPerApi);
  for (auto api : {"a", "b", "c", "d", "c"}) Feed(*e, 0, Fault(api), Level::kInfo);
  e->Evaluate(Sec(1), kNoMetrics);
  auto status = e->rule_status();
  CHECK(status[0].overflow == 3);
  CHECK(status[0].matches == 5);
  CHECK(status[0].alerts == 3);
  const Alert alert = OnlyAlert(*e);  // Only _other reached 2 matches.
  CHECK(alert.labels == Labels{{"api", "_other"}, {"component", "gateway"}});
  CHECK(alert.count == 3);
}

TEST_CASE("a distinct threshold needs that many different capture values", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - id: gw.backend.many
    description: backends unreachable for several APIs
    severity: critical
    match: '\{api:(?P<api>[^}]+)\} .*ERROR_CODE = 101503'
    threshold: {count: 3, window: 5m, distinct: {label: api, count: 3}}
)");
  for (int i = 0; i < 10; ++i) Feed(*e, i, Fault("a"), Level::kInfo);
  e->Evaluate(Sec(10), kNoMetrics);
  CHECK(e->alerts().empty());
  Feed(*e, 11, Fault("b"), Level::kInfo);
  e->Evaluate(Sec(11), kNoMetrics);
  CHECK(e->alerts().empty());
  Feed(*e, 12, Fault("c"), Level::kInfo);
  e->Evaluate(Sec(12), kNoMetrics);
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.labels.empty());  // The distinct capture counts; it does not split.
  CHECK(alert.fired_at == Sec(12));
  CHECK(alert.count == 12);
}

TEST_CASE("levels, loggers, logs and exclude filter the records a rule counts", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - id: r
    description: d
    severity: warning
    match: 'Connection refused'
    levels: [ERROR]
    loggers: 'JMSTaskManager$'
    logs: [carbon]
    exclude: 'Reconnection attempt'
)");
  const std::string text = "JMS Connection failed : Connection refused - shutting down";
  const std::string logger = "org.wso2.carbon.apimgt.common.jms.JMSTaskManager";
  Feed(*e, 0, text, Level::kWarn, logger);                             // Level.
  Feed(*e, 0, text, Level::kError, "org.example.Other");               // Logger.
  Feed(*e, 0, text, Level::kError, logger, "gw-errors");               // Log.
  Feed(*e, 0, text + " Reconnection attempt", Level::kError, logger);  // Exclude.
  Feed(*e, 0, text, Level::kError, logger);                            // Counts.
  e->Evaluate(Sec(1), kNoMetrics);
  CHECK(e->rule_status()[0].matches == 1);
  REQUIRE(e->alerts().size() == 1);
}

TEST_CASE("patterns see messages and Caused by lines, not stack frames", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: frame, description: d, severity: warning, match: 'at org\.postgresql\.core'}
  - {id: cause, description: d, severity: warning, match: 'PSQLException: ERROR'}
  - {id: position, description: d, severity: warning, match: 'Position: 39'}
)");
  Feed(*e, 0,
       "Error while initializing\n\tat org.postgresql.core.v3.QueryExecutorImpl.run(Q.java:1)\n"
       "Caused by: org.postgresql.util.PSQLException: ERROR: relation \"x\" does not exist\n"
       "  Position: 39\n\t... 62 more\n");
  auto status = e->rule_status();
  CHECK(status[0].matches == 0);
  CHECK(status[1].matches == 1);
  CHECK(status[2].matches == 1);
}

TEST_CASE("levels do not filter records that have no level", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: r, description: d, severity: warning, match: boom, levels: [ERROR]}
)");
  Feed(*e, 0, "boom (plain log line)", Level::kUnknown, "");
  Feed(*e, 1, "boom at INFO", Level::kInfo);
  CHECK(e->rule_status()[0].matches == 1);
}

TEST_CASE("records that no rule can match never run a regex set", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: r, description: d, severity: warning, match: x, levels: [ERROR]}
)");
  Feed(*e, 0, "x", Level::kInfo, "org.example.A");
  Feed(*e, 0, "x", Level::kDebug, "org.example.B");
  Feed(*e, 0, "x", Level::kError, "org.example.C");
  CHECK(e->records() == 3);
  CHECK(e->matcher_set_runs() == 1);
}

TEST_CASE("an alert keeps the first and the most recent matches as bounded evidence",
          "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: r, description: d, severity: warning, match: boom, evidence: 3}
)");
  for (int i = 1; i <= 5; ++i) {
    std::string text = "boom " + std::to_string(i);
    if (i == 5) {
      for (int f = 0; f < 30; ++f)
        text += "\n\tat org.example.Frame" + std::to_string(f) + "(X.java:1)";
    }
    Record r = MakeRecord(text, Level::kError, "org.example.A", Sec(i));
    r.offset = static_cast<uint64_t>(i) * 100;
    e->OnRecord(r, Sec(i));
  }
  e->Evaluate(Sec(6), kNoMetrics);
  const Alert alert = OnlyAlert(*e);
  const auto& ev = alert.evidence;
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].text == "boom 1");
  CHECK(ev[1].text == "boom 4");
  CHECK(ev[0].offset == 100);
  CHECK(ev[2].offset == 500);
  CHECK(ev[2].log == "carbon");
  CHECK(ev[2].file == "/var/log/wso2/carbon.log");
  CHECK(ev[2].time == Sec(5));
  CHECK(ev[2].level == Level::kError);
  CHECK(ev[2].lines == 31);
  CHECK(ev[2].truncated);
  // First line plus kEvidenceMaxLines (20) frames.
  CHECK(std::count(ev[2].text.begin(), ev[2].text.end(), '\n') == 20);
  CHECK(ev[2].text.substr(ev[2].text.rfind('\n') + 1) == "\tat org.example.Frame19(X.java:1)");
}

TEST_CASE("records before the cutover mark are not evaluated", "[rules][engine]") {
  EngineOptions o;
  o.cutover_at = Sec(100);
  auto e = MakeEngine(R"(rules:
  - {id: r, description: d, severity: critical, match: boom}
)",
                      o);
  Feed(*e, 50, "boom");
  e->Evaluate(Sec(60), kNoMetrics);
  CHECK(e->alerts().empty());
  CHECK(e->records_before_cutover() == 1);
  CHECK(e->rule_status()[0].matches == 0);
  Feed(*e, 150, "boom");
  e->Evaluate(Sec(151), kNoMetrics);
  CHECK(OnlyAlert(*e).fired_at == Sec(150));
}

constexpr const char* kWarmupRule = R"(rules:
  - id: tm
    description: traffic manager unreachable
    severity: warning
    match: 'No receiver is reachable'
    warmup: 2m
)";

Record BootStart(int64_t second) {
  return MakeRecord("Starting WSO2 Carbon...", Level::kInfo,
                    "org.wso2.carbon.core.internal.CarbonCoreActivator", Sec(second));
}

// Feeds `text` (a warning) at `inside`, within the warm-up grace, and at `after`, past it: the
// first match is suppressed, the second fires.
void CheckGraceEndsBetween(Engine& e, int64_t inside, int64_t after, std::string_view text) {
  Feed(e, inside, text, Level::kWarn);
  Feed(e, after, text, Level::kWarn);
  e.Evaluate(Sec(after + 1), kNoMetrics);
  CHECK(e.rule_status()[0].suppressed == 1);
  CHECK(e.alerts().size() == 1);
}

TEST_CASE("warm-up ignores matches right after the cutover mark", "[rules][engine]") {
  EngineOptions o;
  o.cutover_at = Sec(0);
  auto e = MakeEngine(kWarmupRule, o);
  Feed(*e, 60, "No receiver is reachable at URL", Level::kWarn);
  e->Evaluate(Sec(61), kNoMetrics);
  CHECK(e->alerts().empty());
  CHECK(e->rule_status()[0].suppressed == 1);
  Feed(*e, 130, "No receiver is reachable at URL", Level::kWarn);
  e->Evaluate(Sec(131), kNoMetrics);
  CHECK(OnlyAlert(*e).count == 1);
}

TEST_CASE("a WSO2 boot start marker opens a new warm-up grace", "[rules][engine]") {
  auto e = MakeEngine(kWarmupRule);
  e->OnRecord(BootStart(1000), Sec(1000));
  CheckGraceEndsBetween(*e, 1050, 1121, "No receiver is reachable at URL");
}

TEST_CASE("warmup: true uses the configured warm-up", "[rules][engine]") {
  EngineOptions o;
  o.cutover_at = Sec(0);
  o.warmup = std::chrono::minutes(10);
  auto e = MakeEngine(R"(rules:
  - {id: tm, description: d, severity: warning, match: 'No receiver', warmup: true}
)",
                      o);
  CheckGraceEndsBetween(*e, 500, 601, "No receiver is reachable");
}

TEST_CASE("ack marks the alert without changing its state or the verdict", "[rules][engine]") {
  auto e = MakeEngine(kPool);
  for (int s : {0, 1, 2}) Feed(*e, s);
  e->Evaluate(Sec(3), kNoMetrics);
  const std::string id = e->alerts()[0].id;
  REQUIRE(e->Ack(id, Sec(4)).ok());
  e->Evaluate(Sec(5), kNoMetrics);
  auto a = e->alerts()[0];
  CHECK(a.acked);
  CHECK(a.acked_at == Sec(4));
  CHECK(a.state == AlertState::kFiring);
  CHECK(e->recommendation().verdict == Verdict::kRollback);
  CHECK(e->Ack("0000000000000000", Sec(5)).message() == "no alert with id \"0000000000000000\"");
}

TEST_CASE("a new firing clears the previous ack", "[rules][engine]") {
  auto e = MakeEngine(kPool);
  for (int s : {0, 1, 2}) Feed(*e, s);
  e->Evaluate(Sec(3), kNoMetrics);
  REQUIRE(e->Ack(e->alerts()[0].id, Sec(4)).ok());
  e->Evaluate(Sec(100), kNoMetrics);  // Resolved.
  CHECK(e->alerts()[0].acked);
  for (int s : {200, 201, 202}) Feed(*e, s);
  e->Evaluate(Sec(203), kNoMetrics);
  CHECK_FALSE(e->alerts()[0].acked);
}

TEST_CASE("a metric rule fires when the value has been above for `for`", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - id: cpu
    description: WSO2 JVM CPU saturated
    severity: warning
    metric: process.cpu_ratio
    above: 0.9
    for: 1m
)");
  FakeMetrics m;
  m.Set("process.cpu_ratio", "wso2am", 0.95);
  e->Evaluate(Sec(0), m);
  CHECK(OnlyAlert(*e).state == AlertState::kPending);
  e->Evaluate(Sec(60), m);
  auto a = e->alerts()[0];
  CHECK(a.state == AlertState::kFiring);
  CHECK(a.fired_at == Sec(60));
  CHECK(a.labels == Labels{{"target", "wso2am"}});
  CHECK(a.value == 0.95);
  m.Set("process.cpu_ratio", "wso2am", 0.5);
  e->Evaluate(Sec(90), m);
  CheckResolvedAt(*e, 90);
}

TEST_CASE("a metric rule with below and a host series has no target label", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: mem, description: d, severity: warning, metric: host.memory_available_bytes, below: 1000}
)");
  FakeMetrics m;
  m.Set("host.memory_available_bytes", "", 500);
  e->Evaluate(Sec(0), m);
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.state == AlertState::kFiring);
  CHECK(alert.labels.empty());
}

TEST_CASE("a metric without a sample is not a firing condition", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: down, description: d, severity: critical, condition: process_down}
)");
  e->Evaluate(Sec(0), kNoMetrics);
  CHECK(e->alerts().empty());
  FakeMetrics m;
  m.Set("process.up", "wso2am", 0);
  e->Evaluate(Sec(10), m);
  CHECK(OnlyAlert(*e).fired_at == Sec(10));
  m.Set("process.up", "wso2am", 1);
  e->Evaluate(Sec(20), m);
  CHECK(e->alerts()[0].state == AlertState::kResolved);
}

TEST_CASE("process_restarted fires when the restart counter grows", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: restart, description: d, severity: warning, condition: process_restarted}
)");
  FakeMetrics m;
  m.Set("process.restarts", "wso2am", 0);
  e->Evaluate(Sec(0), m);
  CHECK(e->alerts().empty());
  m.Set("process.restarts", "wso2am", 1);
  e->Evaluate(Sec(10), m);
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.labels == Labels{{"target", "wso2am"}});
  CHECK(alert.fired_at == Sec(10));
  CHECK(alert.evidence[0].text == "process.restarts of target wso2am went from 0 to 1");
  e->Evaluate(Sec(10 + 15 * 60 + 1), m);
  CheckResolvedAt(*e, 10 + 15 * 60);
}

TEST_CASE("process_restarted sees an unclean restart in the log", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: restart, description: d, severity: warning, condition: process_restarted}
)");
  Feed(*e, 0, "serving", Level::kInfo);
  e->OnRecord(BootStart(30), Sec(30));
  e->Evaluate(Sec(31), kNoMetrics);
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.labels == Labels{{"log", "carbon"}});
  CHECK(alert.evidence[0].text == "Starting WSO2 Carbon...");
}

TEST_CASE("a restart after a graceful shutdown is not unexpected", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: restart, description: d, severity: warning, condition: process_restarted}
)");
  Feed(*e, 0, "serving", Level::kInfo);
  Feed(*e, 10, "Shutdown hook triggered....", Level::kInfo,
       "org.wso2.carbon.core.init.CarbonServerManager");
  e->OnRecord(BootStart(30), Sec(30));
  e->Evaluate(Sec(31), kNoMetrics);
  CHECK(e->alerts().empty());
}

TEST_CASE("a first boot is not a restart: pre-boot and out-of-layout lines are not a run",
          "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: restart, description: d, severity: warning, condition: process_restarted}
)");
  // A nohup.out: the start script's line (not in the layout), then the 4.x config mapper.
  Record script = MakeRecord("JAVA_HOME environment variable is set to /usr/lib/jvm/java-11",
                             Level::kUnknown, "", Sec(0));
  script.recognised = false;
  e->OnRecord(script, Sec(0));
  Feed(*e, 1, "Writing Metadata Entries...", Level::kInfo, "org.wso2.config.mapper.ConfigParser");
  Feed(*e, 2, "Writing Metadata Entries...", Level::kInfo, "ConfigParser");  // Console: %c{1}.
  e->OnRecord(BootStart(3), Sec(3));
  e->Evaluate(Sec(4), kNoMetrics);
  CHECK(e->alerts().empty());
  // One record of the run, then a start without a shutdown: that is a crash restart.
  Feed(*e, 60, "serving", Level::kInfo);
  e->OnRecord(BootStart(90), Sec(90));
  e->Evaluate(Sec(91), kNoMetrics);
  CHECK(OnlyAlert(*e).state == AlertState::kFiring);
}

TEST_CASE("log_silent fires when a log is quiet while the target is up", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: silent, description: d, severity: warning, condition: log_silent, duration: 5m, logs: [carbon]}
)");
  FakeMetrics m;
  m.Set("process.up", "wso2am", 1);
  Feed(*e, 0, "hello", Level::kInfo);
  const Alert alert = CheckFiresAt(*e, 300, m);
  CHECK(alert.labels == Labels{{"log", "carbon"}});
  Feed(*e, 400, "hello again", Level::kInfo);
  e->Evaluate(Sec(400), m);
  CheckResolvedAt(*e, 400);
}

TEST_CASE("log_silent never fires without a target to tell \"up\"", "[rules][engine]") {
  RuleContext ctx = cg::testing::DefaultContext();
  ctx.targets.clear();
  auto e = MakeEngine(R"(rules:
  - {id: silent, description: d, severity: warning, condition: log_silent, duration: 5m}
)",
                      {}, ctx);
  Feed(*e, 0, "hello", Level::kInfo);
  e->Evaluate(Sec(3600), kNoMetrics);
  CHECK(e->alerts().empty());
}

TEST_CASE("log_silent stays quiet while the target is not known to be up", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: silent, description: d, severity: warning, condition: log_silent, duration: 5m}
)");
  Feed(*e, 0, "hello", Level::kInfo);
  e->Evaluate(Sec(3600), kNoMetrics);
  CHECK(e->alerts().empty());
}

constexpr const char* kBootRule = R"(rules:
  - {id: boot, description: d, severity: critical, condition: boot_failed, within: 5m}
)";

Record BootDone(int64_t second) {
  return MakeRecord("WSO2 Carbon started in 41 sec", Level::kInfo,
                    "org.wso2.carbon.core.internal.StartupFinalizerServiceComponent", Sec(second));
}

TEST_CASE("boot_failed fires when a boot does not complete in time, with its errors",
          "[rules][engine]") {
  auto e = MakeEngine(kBootRule);
  e->OnRecord(BootStart(0), Sec(0));
  Feed(*e, 30, "Error while initializing the API manager component");
  const Alert alert = CheckFiresAt(*e, 300);
  CHECK(alert.labels == Labels{{"log", "carbon"}});
  REQUIRE(alert.evidence.size() == 2);
  CHECK(alert.evidence[0].text == "Starting WSO2 Carbon...");
  CHECK(alert.evidence[1].text == "Error while initializing the API manager component");
  e->OnRecord(BootDone(400), Sec(400));
  e->Evaluate(Sec(401), kNoMetrics);
  CheckResolvedAt(*e, 400);
}

TEST_CASE("a boot superseded by another start has failed", "[rules][engine]") {
  auto e = MakeEngine(kBootRule);
  e->OnRecord(BootStart(0), Sec(0));
  e->OnRecord(BootStart(60), Sec(60));
  e->Evaluate(Sec(61), kNoMetrics);
  CHECK(OnlyAlert(*e).fired_at == Sec(60));
}

TEST_CASE("a boot that completes in time raises nothing", "[rules][engine]") {
  auto e = MakeEngine(kBootRule);
  e->OnRecord(BootStart(0), Sec(0));
  e->OnRecord(BootDone(41), Sec(41));
  e->Evaluate(Sec(3600), kNoMetrics);
  CHECK(e->alerts().empty());
}

TEST_CASE("a reload keeps unchanged rules' alerts and resolves changed ones", "[rules][engine]") {
  constexpr const char* two = R"(rules:
  - {id: keep, description: d, severity: critical, match: keepme}
  - {id: change, description: d, severity: warning, match: changeme}
)";
  auto e = MakeEngine(two);
  Feed(*e, 0, "keepme changeme");
  e->Evaluate(Sec(1), kNoMetrics);
  REQUIRE(e->alerts().size() == 2);
  e->TakeTransitions();
  const std::string keep_id = e->alerts()[0].id;
  e->SetRuleSet(cg::testing::Compile(R"(rules:
  - {id: keep, description: d, severity: critical, match: keepme}
  - {id: change, description: d, severity: warning, match: changed}
)"));
  auto events = e->TakeTransitions();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == AlertEvent::Kind::kResolved);
  CHECK(events[0].alert.rule == "change");
  e->Evaluate(Sec(2), kNoMetrics);
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.id == keep_id);
  CHECK(alert.fired_at == Sec(0));
}

TEST_CASE("saved state restores firing alerts without new transitions", "[rules][engine]") {
  auto e = MakeEngine(kPool);
  for (int s : {0, 1, 2}) Feed(*e, s);
  e->Evaluate(Sec(3), kNoMetrics);
  REQUIRE(e->Ack(e->alerts()[0].id, Sec(3)).ok());
  const auto saved = e->SaveState();

  auto restored = MakeEngine(kPool);
  REQUIRE(restored->RestoreState(saved).ok());
  restored->Evaluate(Sec(4), kNoMetrics);
  CHECK(restored->TakeTransitions().empty());
  auto a = restored->alerts();
  REQUIRE(a.size() == 1);
  CHECK(a[0].id == e->alerts()[0].id);
  CHECK(a[0].state == AlertState::kFiring);
  CHECK(a[0].fired_at == Sec(2));
  CHECK(a[0].count == 3);
  CHECK(a[0].acked);
  CHECK(a[0].evidence.size() == 3);
  CHECK(restored->recommendation().verdict == Verdict::kRollback);
  CHECK(restored->recommendation().since == Sec(2));
  // The restored window still resolves on time.
  restored->Evaluate(Sec(70), kNoMetrics);
  CHECK(restored->alerts()[0].resolved_at == Sec(60));
}

TEST_CASE("state of a changed rule is not restored", "[rules][engine]") {
  auto e = MakeEngine(kPool);
  for (int s : {0, 1, 2}) Feed(*e, s);
  e->Evaluate(Sec(3), kNoMetrics);
  auto other = MakeEngine(R"(rules:
  - {id: db.pool, description: changed, severity: critical, match: PoolExhaustedException}
)");
  REQUIRE(other->RestoreState(e->SaveState()).ok());
  CHECK(other->alerts().empty());
}

TEST_CASE("corrupt state is an error, not a crash", "[rules][engine]") {
  auto e = MakeEngine(kPool);
  CHECK_FALSE(e->RestoreState(nlohmann::json{{"version", 1}, {"rules", 3}}).ok());
  CHECK_FALSE(e->RestoreState(nlohmann::json::array()).ok());
}

double Value(prometheus::Registry& reg, const std::string& name, const std::string& label,
             const std::string& value) {
  for (const auto& fam : reg.Collect()) {
    if (fam.name != name) continue;
    for (const auto& m : fam.metric) {
      for (const auto& l : m.label) {
        if (l.name == label && l.value == value) {
          return fam.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
        }
      }
    }
  }
  return -1;
}

TEST_CASE("the engine exports matches, alerts and the recommendation", "[rules][engine]") {
  auto registry = std::make_shared<prometheus::Registry>();
  EngineOptions o;
  o.registry = registry.get();
  auto e = MakeEngine(kPool, o);
  for (int s : {0, 1, 2, 3}) Feed(*e, s);
  e->Evaluate(Sec(4), kNoMetrics);
  CHECK(Value(*registry, "cutover_guard_rule_matches_total", "rule", "db.pool") == 4);
  CHECK(Value(*registry, "cutover_guard_alerts_firing", "severity", "critical") == 1);
  CHECK(Value(*registry, "cutover_guard_alerts_firing", "severity", "warning") == 0);
  CHECK(Value(*registry, "cutover_guard_recommendation", "recommendation", "rollback") == 1);
  CHECK(Value(*registry, "cutover_guard_recommendation", "recommendation", "continue") == 0);
}

TEST_CASE("a rule set with no rules recommends unknown, not continue", "[rules][engine]") {
  auto e = MakeEngine("rules: []\n");
  Feed(*e, 0, "anything");
  e->Evaluate(Sec(1), kNoMetrics);
  const Recommendation rec = e->recommendation();
  CHECK(rec.verdict == Verdict::kUnknown);
  REQUIRE(rec.blind_spots.size() == 1);
  CHECK(rec.blind_spots[0].subject == "rules");
  auto events = e->TakeTransitions();
  REQUIRE(events.size() == 1);
  CHECK(events[0].recommendation == "unknown");
  CHECK(events[0].previous == "continue");
}

TEST_CASE("blind spots set on the engine decide unknown and clear back to continue",
          "[rules][engine][unknown]") {
  auto e = MakeEngine(R"(rules:
  - {id: r, description: d, severity: critical, match: 'boom'}
)");
  e->Evaluate(Sec(1), kNoMetrics);
  CHECK(e->recommendation().verdict == Verdict::kContinue);
  e->SetBlindSpots({{"target wso2am", "process not found", Sec(0)}});
  e->Evaluate(Sec(2), kNoMetrics);
  CHECK(e->recommendation().verdict == Verdict::kUnknown);
  Feed(*e, 3, "boom");
  e->Evaluate(Sec(4), kNoMetrics);
  CHECK(e->recommendation().verdict == Verdict::kRollback);  // Seen broken beats not seen.
  auto saved = e->SaveState();
  CHECK(saved["recommendation"] == "rollback");
  e->SetBlindSpots({});
  e->Evaluate(Sec(5), kNoMetrics);
  CHECK(e->recommendation().verdict == Verdict::kRollback);
}

TEST_CASE("state times beyond the clock's range are refused, not overflowed", "[rules][engine]") {
  // Found by fuzz_state (UBSan: milliseconds to nanoseconds overflowed).
  auto e = MakeEngine("rules: []\n");
  nlohmann::json state = e->SaveState();
  state["last_boot_start"] = INT64_MAX;
  Status s = e->RestoreState(state);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("time out of range") != std::string::npos);
  // A float where an integer belongs (9.2e19 read back from a damaged file): converting it was
  // undefined behaviour (found by the fuzz_state campaign).
  state["last_boot_start"] = 92223720368547075807.0;
  s = e->RestoreState(state);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("expected an integer") != std::string::npos);
}

TEST_CASE("a failed state restore leaves the engine as it was", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: r, description: d, severity: critical, match: 'boom'}
)");
  Feed(*e, 1, "boom");
  e->Evaluate(Sec(2), kNoMetrics);
  REQUIRE(e->alerts().size() == 1);
  nlohmann::json broken = e->SaveState();
  broken["rules"][0]["groups"][0]["state"] = "sideways";  // Fails half-way through.
  broken["rules"][0]["groups"][0]["count"] = 99;
  CHECK_FALSE(e->RestoreState(broken).ok());
  const Alert alert = OnlyAlert(*e);
  CHECK(alert.count == 1);
  CHECK(alert.state == AlertState::kFiring);
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

// A carbon record as the assembler builds it: header, then the message at message_start.
Record CarbonRecord(int64_t second, std::string_view message, std::string_view logger,
                    Level level = Level::kError) {
  const std::string header =
      "TID: [-1234] [] [2024-11-16 02:13:" + std::to_string(10 + second % 50) + ",299] " +
      std::string(LevelName(level)) + " {" + std::string(logger) + "} - ";
  Record r = MakeRecord(header + std::string(message), level, logger, Sec(second));
  r.message_start = static_cast<uint32_t>(header.size());
  return r;
}

}  // namespace

TEST_CASE("patterns see the message after the header, not the header", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - {id: start, description: d, severity: warning, match: '^Failed to start'}
  - {id: header, description: d, severity: warning, match: 'TID: \[|ERROR \{|TransactionManager'}
  - id: what
    description: d
    severity: warning
    match: '^(?P<what>\w+) to start'
)");
  const std::string logger = "org.wso2.carbon.registry.core.dataaccess.TransactionManager";
  e->OnRecord(CarbonRecord(0, "Failed to start new registry transaction.", logger), Sec(0));
  e->Evaluate(Sec(1), kNoMetrics);
  auto status = e->rule_status();
  CHECK(status[0].matches == 1);
  CHECK(status[1].matches == 0);
  CHECK(status[2].matches == 1);
  const auto alerts = e->alerts();
  REQUIRE(alerts.size() == 2);
  const auto what =
      std::find_if(alerts.begin(), alerts.end(), [](const Alert& a) { return a.rule == "what"; });
  REQUIRE(what != alerts.end());
  CHECK(what->labels == Labels{{"what", "Failed"}});
  // Evidence keeps the whole record, header included.
  REQUIRE(!what->evidence.empty());
  CHECK(what->evidence.back().text.rfind("TID: [-1234]", 0) == 0);
}

TEST_CASE("a message met again is answered from the memo with the same outcome",
          "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - id: refused
    description: d
    severity: warning
    match: 'Connection refused or failed for : (?P<host>[^/\s]+)'
  - {id: other, description: d, severity: warning, match: 'PoolExhaustedException'}
)");
  const std::string logger = "org.apache.synapse.transport.passthru.ConnectCallback";
  const std::string orders = "Connection refused or failed for : orders.internal/10.0.0.1:8080";
  const std::string billing = "Connection refused or failed for : billing.internal/10.0.0.2:8443";
  // Same messages under different headers (times): one RE2 run each, then the memo.
  for (int i = 0; i < 6; ++i) {
    e->OnRecord(CarbonRecord(i, i % 3 == 2 ? billing : orders, logger, Level::kWarn), Sec(i));
  }
  e->Evaluate(Sec(7), kNoMetrics);
  // orders: seen, kept, hit, hit; billing: seen, kept.
  CHECK(e->matcher_set_runs() == 6);
  CHECK(e->matcher_memo_hits() == 2);
  auto status = e->rule_status();
  CHECK(status[0].matches == 6);
  CHECK(status[1].matches == 0);
  std::map<std::string, uint64_t> by_host;
  for (const auto& a : e->alerts()) {
    REQUIRE(a.labels.size() == 1);
    by_host[a.labels[0].second] = a.count;
  }
  CHECK(by_host ==
        std::map<std::string, uint64_t>{{"billing.internal", 2}, {"orders.internal", 4}});
}

TEST_CASE("exclude_loggers keeps a rule off the loggers it names", "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - id: tls
    description: d
    severity: critical
    match: 'PKIX path building failed'
    exclude_loggers: '(?:TargetHandler|ClientSSLSetupHandler)$'
)");
  const std::string text = "I/O error: PKIX path building failed: unable to find valid path";
  Feed(*e, 0, text, Level::kError, "org.apache.synapse.transport.passthru.TargetHandler");
  Feed(*e, 1, text, Level::kError, "TargetHandler", "gw-errors");
  Feed(*e, 2, text, Level::kError, "org.wso2.carbon.apimgt.impl.dto.JWTValidator");
  e->Evaluate(Sec(3), kNoMetrics);
  CHECK(e->rule_status()[0].matches == 1);
  const Alert alert = OnlyAlert(*e);
  REQUIRE(alert.evidence.size() == 1);
  CHECK(alert.evidence[0].time == Sec(2));
}

}  // namespace cg

namespace cg {

TEST_CASE("a small set is not run for a message without any of its required literals",
          "[rules][engine]") {
  auto e = MakeEngine(R"(rules:
  - id: fault
    description: d
    severity: warning
    match: '\{api:(?P<api>[^}]+)\} STATUS = Executing default .fault. sequence, ERROR_CODE = 10150[345]\b'
    levels: [INFO]
    loggers: 'LogMediator$'
)");
  const std::string logger = "org.apache.synapse.mediators.builtin.LogMediator";
  // No required literal: ruled out before RE2.
  Feed(*e, 0, "{api:Orders:v1} STATUS = Message received, CORRELATION_ID = 1", Level::kInfo,
       logger);
  // The literal is there but the pattern does not match (code 101508): RE2 decides.
  Feed(*e, 1, "{api:Orders:v1} STATUS = Executing default 'fault' sequence, ERROR_CODE = 101508",
       Level::kInfo, logger);
  Feed(*e, 2,
       "{api:Orders:v1} STATUS = Executing default 'fault' sequence, ERROR_CODE = 101503, "
       "ERROR_MESSAGE = Error connecting to the back end",
       Level::kInfo, logger);
  e->Evaluate(Sec(3), kNoMetrics);
  CHECK(e->matcher_prefiltered() == 1);
  CHECK(e->matcher_set_runs() == 2);
  CHECK(e->rule_status()[0].matches == 1);
  CHECK(OnlyAlert(*e).labels == Labels{{"api", "Orders:v1"}});
}

}  // namespace cg

namespace cg {
namespace {

// One match fires it: the shape of the pack's critical single-record rules.
const std::string kOomRule = R"(rules:
  - id: jvm.oom
    description: out of memory
    severity: critical
    match: OutOfMemoryError
  - id: net.timeout
    description: read timeouts
    severity: warning
    match: 'SocketTimeoutException'
)";

Record OomRecord(uint64_t offset) {
  Record r = testing::MakeRecord("ERROR {a.B} - Failed\njava.lang.OutOfMemoryError: heap");
  r.offset = offset;
  r.lines = 2;
  return r;
}

// The record at `continues` (OomRecord's text) grown by `late` lines, as the assembler hands
// it on when they come after it was handed on early.
Record LateLines(uint64_t continues, const std::string& late, uint32_t lines) {
  Record r = OomRecord(continues);
  r.late_start = static_cast<uint32_t>(r.text.size() + 1);
  r.text += "\n" + late;
  r.offset = continues + 100;
  r.late = true;
  r.continues = continues;
  r.lines = lines;
  return r;
}

}  // namespace

TEST_CASE("EvaluateMatched fires a single-record rule at once and touches nothing else",
          "[rules][engine][event]") {
  EngineOptions o;
  o.warmup = std::chrono::milliseconds(0);
  auto e = testing::MakeEngine(kOomRule, o);
  e->Evaluate(Sec(10), kNoMetrics);
  (void)e->TakeTransitions();
  CHECK_FALSE(e->has_matched());
  CHECK_FALSE(e->EvaluateMatched(Sec(11)));  // Nothing matched: nothing to do.
  e->OnRecord(OomRecord(0), Sec(11));
  CHECK(e->has_matched());
  REQUIRE(e->EvaluateMatched(Sec(11)));
  CHECK_FALSE(e->has_matched());
  const auto events = e->TakeTransitions();
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == AlertEvent::Kind::kFiring);
  CHECK(events[0].alert.rule == "jvm.oom");
  CHECK(events[1].kind == AlertEvent::Kind::kRecommendationChanged);
  CHECK(e->recommendation().verdict == Verdict::kRollback);
  // A record that matches nothing leaves nothing to evaluate.
  e->OnRecord(testing::MakeRecord("all good", Level::kInfo), Sec(12));
  CHECK_FALSE(e->has_matched());
}

TEST_CASE("EvaluateMatched does not act before the cutover mark, as Evaluate does not",
          "[rules][engine][event]") {
  EngineOptions o;
  o.warmup = std::chrono::milliseconds(0);
  o.cutover_at = Sec(100);
  auto e = testing::MakeEngine(kOomRule, o);
  // The log's clock is ahead of the daemon's: the record is after the mark, "now" is not.
  Record r = OomRecord(0);
  r.time = Sec(150);
  e->OnRecord(r, Sec(50));
  CHECK_FALSE(e->EvaluateMatched(Sec(50)));
  CHECK(e->TakeTransitions().empty());
  CHECK_FALSE(e->has_matched());  // Nothing left to do until the periodic evaluation.
  e->Evaluate(Sec(150), kNoMetrics);
  REQUIRE(e->alerts().size() == 1);
  CHECK(e->alerts()[0].state == AlertState::kFiring);
}

TEST_CASE("late continuation lines join their record's evidence and fire what they add, once",
          "[rules][engine][event]") {
  EngineOptions o;
  o.warmup = std::chrono::milliseconds(0);
  auto e = testing::MakeEngine(kOomRule, o);
  e->OnRecord(OomRecord(4096), Sec(20));
  REQUIRE(e->EvaluateMatched(Sec(20)));
  const uint64_t records = e->records();
  // The trace's last lines, with a Caused by that the timeout rule matches.
  e->OnRecord(
      LateLines(4096, "\tat a.B.c(B.java:1)\nCaused by: java.net.SocketTimeoutException", 2),
      Sec(20));
  CHECK(e->records() == records);  // Not a record of its own.
  CHECK(e->has_matched());
  REQUIRE(e->EvaluateMatched(Sec(20)));
  const auto alerts = e->alerts();
  REQUIRE(alerts.size() == 2);
  const Alert& oom = alerts[0].rule == "jvm.oom" ? alerts[0] : alerts[1];
  const Alert& timeout = alerts[0].rule == "jvm.oom" ? alerts[1] : alerts[0];
  CHECK(timeout.rule == "net.timeout");
  CHECK(timeout.count == 1);
  CHECK(oom.count == 1);  // The OOM rule counted the record once, not again for its late lines.
  REQUIRE(oom.evidence.size() == 1);
  const Evidence& ev = oom.evidence[0];
  CHECK(ev.text ==
        "ERROR {a.B} - Failed\njava.lang.OutOfMemoryError: heap\n\tat a.B.c(B.java:1)\n"
        "Caused by: java.net.SocketTimeoutException");
  CHECK(ev.lines == 4);
  CHECK_FALSE(ev.truncated);
  // The new match's evidence is the whole record, at the record's offset.
  REQUIRE(timeout.evidence.size() == 1);
  CHECK(timeout.evidence[0].offset == 4096);
  CHECK(timeout.evidence[0].text == ev.text);
  // More late lines that add no rule change only the evidence.
  Record more =
      LateLines(4096, "\tat a.B.c(B.java:1)\nCaused by: java.net.SocketTimeoutException", 2);
  more.late_start = static_cast<uint32_t>(more.text.size() + 1);
  more.text += "\n\t... 12 more";
  more.lines = 1;
  e->OnRecord(more, Sec(21));
  REQUIRE(e->EvaluateMatched(Sec(21)));
  for (const Alert& a : e->alerts()) CHECK(a.count == 1);
  // Lines continuing a record that no alert kept and that add no rule change nothing.
  e->OnRecord(LateLines(1, "\tat x.Y.z(Y.java:9)", 1), Sec(22));
  CHECK_FALSE(e->has_matched());
}

TEST_CASE("late lines beyond the evidence bounds mark it truncated", "[rules][engine][event]") {
  Evidence ev;
  CopyEvidence(OomRecord(7), &ev);
  std::string frames;
  for (int i = 0; i < 100; ++i) frames += "\tat a.B.c" + std::to_string(i) + "(B.java:1)\n";
  frames.pop_back();
  REQUIRE(ContinueEvidence(LateLines(7, frames, 100), &ev));
  CHECK(ev.truncated);
  CHECK(ev.lines == 102);
  CHECK(static_cast<size_t>(std::count(ev.text.begin(), ev.text.end(), '\n')) + 1 ==
        kEvidenceMaxLines + 1);
  CHECK(ev.text.size() <= kEvidenceMaxBytes);
  // Another record's lines are refused.
  CHECK_FALSE(ContinueEvidence(LateLines(8, "\tat q", 1), &ev));
  // So are the lines of the record at the same offset of the file that replaced this one.
  Evidence kept;
  Record first = OomRecord(7);
  first.file_id = FileIdentity{1, 100, 5};
  CopyEvidence(first, &kept);
  Record other = LateLines(7, "\tat q", 1);
  other.file_id = FileIdentity{1, 101, 6};
  CHECK_FALSE(ContinueEvidence(other, &kept));
  other.file_id = first.file_id;
  CHECK(ContinueEvidence(other, &kept));
}

}  // namespace cg
