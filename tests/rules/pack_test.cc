// The WSO2 rule pack (rules/wso2-apim/*.yaml): it loads, and every rule has fixture records that
// it must count and records it must not count (tests/fixtures/rules/pack/*.yaml). Records go
// through the real record assembler of their log's format, as they would live.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "base/fs.h"
#include "collectors/logs/read_records.h"
#include "tests/rules/rule_test_util.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

namespace fs = std::filesystem;
using cg::testing::DefaultContext;
using cg::testing::FakeMetrics;
using cg::testing::MakeRecord;
using cg::testing::Sec;

const fs::path kPackDir = fs::path(CG_SOURCE_DIR) / "rules" / "wso2-apim";
const fs::path kFixtureDir = fs::path(CG_FIXTURES_DIR) / "rules" / "pack";

std::vector<fs::path> PackFiles() {
  auto files = ExpandGlob((kPackDir / "*.yaml").string());
  REQUIRE(files.ok());
  return *files;
}

std::shared_ptr<const RuleSet> Pack(const RuleContext& ctx = DefaultContext()) {
  auto specs = LoadRuleFiles(PackFiles());
  if (!specs.ok()) FAIL(specs.error().ToString());
  auto set = CompileRules(*specs, ctx);
  if (!set.ok()) FAIL(set.error().ToString());
  return *set;
}

std::unique_ptr<Engine> PackEngine(const RuleContext& ctx = DefaultContext()) {
  auto e = Engine::Create(Pack(ctx), EngineOptions{});
  REQUIRE(e.ok());
  return std::move(e).value();
}

// Fixture records of the errors log stand for a setup where that is the only WSO2 log (with
// wso2carbon.log configured too, the pack reads the carbon copy of each WARN/ERROR event).
// Records of the console log stand for a container or a foreground run, where the console is
// the only WSO2 log there is.
RuleContext ContextFor(const std::string& log) {
  if (log == "carbon") return DefaultContext();
  RuleContext ctx = DefaultContext();
  if (log == "console") {
    ctx.logs = {{"console", LogFormat::kWso2Console}};
    return ctx;
  }
  ctx.logs.erase(ctx.logs.begin());
  return ctx;
}

// A fresh engine over the pack compiled once per fixture log (compiling the pack for each of
// the hundreds of fixture texts took most of this test's time under ASan).
std::unique_ptr<Engine> PackEngineFor(const std::string& log) {
  static std::map<std::string, std::shared_ptr<const RuleSet>> compiled;
  auto& set = compiled[log];
  if (!set) set = Pack(ContextFor(log));
  auto e = Engine::Create(set, EngineOptions{});
  REQUIRE(e.ok());
  return std::move(e).value();
}

// Assembles `text` as one record of log `log` (format from the default context).
Record Assemble(const std::string& text, const std::string& log) {
  cg::testing::TempDir dir;
  auto path = dir.Write("fixture.log", text + (text.ends_with('\n') ? "" : "\n"));
  LogSpec spec;
  spec.name = log;
  for (const auto& l : ContextFor(log).logs) {
    if (l.name == log) spec.format = l.format;
  }
  spec.timezone = TimeZone::Utc();
  std::vector<Record> records;
  Status st = ReadRecordsFromFile(
      path, spec, [&](const Record& r) { records.push_back(r); }, nullptr);
  REQUIRE(st.ok());
  REQUIRE(records.size() == 1);
  return records[0];
}

uint64_t Matches(Engine& e, const std::string& rule) {
  for (const auto& s : e.rule_status()) {
    if (s.id == rule) return s.matches;
  }
  FAIL("no rule " << rule << " in the pack");
  return 0;
}

struct FixtureText {
  std::string log = "carbon";
  std::string text;
};

std::vector<FixtureText> Texts(const YAML::Node& list) {
  std::vector<FixtureText> out;
  if (!list.IsDefined()) return out;
  for (const auto& item : list) {
    FixtureText t;
    if (item.IsMap()) {
      t.log = item["log"].as<std::string>();
      t.text = item["text"].as<std::string>();
    } else {
      t.text = item.as<std::string>();
    }
    out.push_back(std::move(t));
  }
  return out;
}

// A case, following a YAML merge key (`<<: *anchor`) by hand if yaml-cpp left it in place.
YAML::Node Field(const YAML::Node& c, const char* key) {
  if (c[key].IsDefined()) return c[key];
  if (c["<<"].IsDefined()) return c["<<"][key];
  return YAML::Node();
}

TEST_CASE("the WSO2 rule pack loads and compiles against the shipped config without warnings",
          "[rules][pack]") {
  auto specs = LoadRuleFiles(PackFiles());
  REQUIRE(specs.ok());
  CHECK(specs->size() >= 55);
  auto set = CompileRules(*specs, DefaultContext());
  REQUIRE(set.ok());
  CHECK((*set)->warnings().empty());
  for (const auto& r : (*set)->rules()) {
    INFO(r.spec.id);
    CHECK(r.spec.id.rfind("wso2.", 0) == 0);
    CHECK_FALSE(r.spec.description.empty());
  }
}

TEST_CASE("every pack log rule counts its fixture records and only those", "[rules][pack]") {
  std::map<std::string, std::pair<int, int>> covered;  // rule -> (match, no_match) cases.
  for (const auto& entry : fs::directory_iterator(kFixtureDir)) {
    YAML::Node doc = YAML::LoadFile(entry.path().string());
    for (const auto& c : doc["cases"]) {
      const std::string rule = Field(c, "rule").as<std::string>();
      // "match" texts count once, "no_match" texts not at all.
      for (const bool match : {true, false}) {
        for (const auto& t : Texts(Field(c, match ? "match" : "no_match"))) {
          INFO(entry.path().filename().string()
               << ": " << rule << (match ? " must match:\n" : " must not match:\n") << t.text);
          auto e = PackEngineFor(t.log);
          e->OnRecord(Assemble(t.text, t.log), Sec(0));
          CHECK(Matches(*e, rule) == (match ? 1 : 0));
          (match ? covered[rule].first : covered[rule].second)++;
        }
      }
    }
  }
  auto set = Pack();
  for (const auto& r : set->rules()) {
    if (r.spec.kind != RuleKind::kLog) continue;
    INFO("pack rule without fixtures: " << r.spec.id);
    CHECK(covered[r.spec.id].first >= 1);
    CHECK(covered[r.spec.id].second >= 1);
  }
  for (const auto& [rule, counts] : covered) {
    INFO("fixture for a rule the pack does not have: " << rule);
    CHECK(set->FindRule(rule) >= 0);
  }
}

// The pack's conditions and metric rules are exercised here, one TEST_CASE each.
const std::set<std::string> kConditionRulesTested = {"wso2.boot.failed",
                                                     "wso2.jvm.unexpected_restart",
                                                     "wso2.process.down",
                                                     "wso2.log.silent",
                                                     "wso2.process.fd_limit",
                                                     "wso2.change.new_error",
                                                     "wso2.change.new_error.sustained",
                                                     "wso2.change.rate_regression",
                                                     "wso2.change.error_storm",
                                                     "wso2.change.error_storm.persistent"};

TEST_CASE("every pack condition and metric rule has a test below", "[rules][pack]") {
  std::set<std::string> in_pack;
  const auto pack = Pack();
  for (const auto& r : pack->rules()) {
    if (r.spec.kind != RuleKind::kLog) in_pack.insert(r.spec.id);
  }
  CHECK(in_pack == kConditionRulesTested);
}

std::vector<std::string> FiringRules(Engine& e) {
  std::vector<std::string> out;
  for (const auto& a : e.alerts()) {
    if (a.state == AlertState::kFiring) out.push_back(a.rule);
  }
  return out;
}

// `rest` is "LEVEL {logger} - message" of a 4.2 carbon line.
void FeedPack(Engine& e, int64_t second, std::string_view rest) {
  Record r = Assemble("TID: [] [] [2024-11-16 02:10:00,000] " + std::string(rest), "carbon");
  r.time = Sec(second);
  e.OnRecord(r, Sec(second));
}

constexpr const char* kStart =
    " INFO {org.wso2.carbon.core.internal.CarbonCoreActivator} - Starting WSO2 Carbon...";
constexpr const char* kStarted =
    " INFO {org.wso2.carbon.core.internal.StartupFinalizerServiceComponent} - WSO2 Carbon "
    "started in 41 sec";

TEST_CASE("pack: wso2.boot.failed fires for a boot that never completes, not for one that does",
          "[rules][pack]") {
  const FakeMetrics none;
  auto failed = PackEngine();
  FeedPack(*failed, 0, kStart);
  failed->Evaluate(Sec(11 * 60), none);
  CHECK(FiringRules(*failed) == std::vector<std::string>{"wso2.boot.failed"});

  auto ok = PackEngine();
  FeedPack(*ok, 0, kStart);
  FeedPack(*ok, 41, kStarted);
  ok->Evaluate(Sec(11 * 60), none);
  CHECK(FiringRules(*ok).empty());
}

TEST_CASE("pack: wso2.jvm.unexpected_restart fires for a crash restart, not a graceful one",
          "[rules][pack]") {
  const FakeMetrics none;
  auto crash = PackEngine();
  FeedPack(*crash, 0, kStart);
  FeedPack(*crash, 41, kStarted);
  FeedPack(*crash, 600, kStart);
  crash->Evaluate(Sec(601), none);
  CHECK(FiringRules(*crash) == std::vector<std::string>{"wso2.jvm.unexpected_restart"});

  auto graceful = PackEngine();
  FeedPack(*graceful, 0, kStart);
  FeedPack(*graceful, 41, kStarted);
  FeedPack(*graceful, 590,
           " INFO {org.wso2.carbon.core.init.CarbonServerManager} - Shutdown hook triggered....");
  FeedPack(*graceful, 600, kStart);
  graceful->Evaluate(Sec(601), none);
  CHECK(FiringRules(*graceful).empty());
}

// Sets the target's `series` to `value`, then evaluates at each of `seconds`.
void Hold(Engine& e, FakeMetrics& m, std::string_view series, double value,
          std::initializer_list<int64_t> seconds) {
  m.Set(series, "wso2am", value);
  for (int64_t s : seconds) e.Evaluate(Sec(s), m);
}

TEST_CASE("pack: wso2.process.down fires after 2 minutes down, not for a quick restart",
          "[rules][pack]") {
  auto e = PackEngine();
  FakeMetrics m;
  Hold(*e, m, "process.up", 0, {0, 60});
  CHECK(FiringRules(*e).empty());
  Hold(*e, m, "process.up", 1, {70});
  CHECK(FiringRules(*e).empty());
  Hold(*e, m, "process.up", 0, {100, 220});
  CHECK(FiringRules(*e) == std::vector<std::string>{"wso2.process.down"});
}

TEST_CASE("pack: wso2.log.silent is informational and needs the target up", "[rules][pack]") {
  auto e = PackEngine();
  FakeMetrics m;
  FeedPack(*e, 0, kStarted);
  e->Evaluate(Sec(3600), m);  // Target state unknown: nothing.
  CHECK(FiringRules(*e).empty());
  m.Set("process.up", "wso2am", 1);
  e->Evaluate(Sec(3601), m);
  CHECK(FiringRules(*e) == std::vector<std::string>{"wso2.log.silent"});
  CHECK(e->alerts()[0].severity == Severity::kInfo);
  CHECK(e->recommendation().verdict == Verdict::kContinue);
}

TEST_CASE("pack: wso2.process.fd_limit fires above 90% for 2 minutes only", "[rules][pack]") {
  auto e = PackEngine();
  FakeMetrics m;
  Hold(*e, m, "process.fd_limit_ratio", 0.85, {0, 300});
  CHECK(FiringRules(*e).empty());
  Hold(*e, m, "process.fd_limit_ratio", 0.95, {301, 421});
  CHECK(FiringRules(*e) == std::vector<std::string>{"wso2.process.fd_limit"});
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

// The pack's change detectors on a carbon log with a cutover at 1 h: the hour before is the
// baseline (ten INFO records a minute and one known WARN every 6 minutes).
std::unique_ptr<Engine> PackChangeEngine() {
  EngineOptions o;
  o.cutover_at = Sec(3600);
  auto e = Engine::Create(Pack(), o);
  REQUIRE(e.ok());
  return std::move(e).value();
}

void PackMinute(Engine& e, int64_t minute, int errors, std::string_view error, int warns = 0) {
  const FakeMetrics none;
  for (int i = 0; i < 10; ++i) {
    FeedPack(e, minute * 60 + i * 6,
             " INFO {org.apache.synapse.mediators.builtin.LogMediator} - request served");
  }
  for (int i = 0; i < errors; ++i) {
    FeedPack(e, minute * 60 + 1 + i * 50 / std::max(errors, 1),
             std::string(error) + " call " + std::to_string(minute * 100 + i));
  }
  for (int i = 0; i < warns; ++i) {
    FeedPack(
        e, minute * 60 + 2 + i * 50 / warns,
        " WARN {org.example.cache.Cache} - Cache refresh slow for region " + std::to_string(i));
  }
  e.Evaluate(Sec(minute * 60 + 59), none);
}

std::vector<std::string> PackBaseline(Engine& e) {
  for (int64_t m = 0; m < 60; ++m) PackMinute(e, m, 0, "", m % 6 == 0 ? 1 : 0);
  return FiringRules(e);
}

TEST_CASE("pack: the change detectors: new errors and ERROR storms", "[rules][pack][change]") {
  constexpr const char* kNew =
      " ERROR {org.example.CustomHandler} - java.lang.NoSuchMethodError: "
      "org.wso2.carbon.apimgt.Old.call()V";
  // A new ERROR three times in a minute: warning; every minute for ten: critical.
  auto e = PackChangeEngine();
  CHECK(PackBaseline(*e).empty());
  PackMinute(*e, 60, 3, kNew);
  CHECK(FiringRules(*e) == std::vector<std::string>{"wso2.change.new_error"});
  for (int64_t m = 61; m < 70; ++m) PackMinute(*e, m, 1, kNew);
  auto fired = FiringRules(*e);
  std::sort(fired.begin(), fired.end());
  CHECK(fired ==
        std::vector<std::string>{"wso2.change.new_error", "wso2.change.new_error.sustained"});
  CHECK(e->recommendation().verdict == Verdict::kRollback);

  // Without a baseline (no cutover): only the storm detectors, 10 a minute for 5 minutes, and
  // critical when it lasts 20 minutes.
  auto storm = PackEngine();
  for (int64_t m = 0; m < 4; ++m) PackMinute(*storm, m, 12, kNew);
  CHECK(FiringRules(*storm).empty());
  PackMinute(*storm, 4, 12, kNew);
  CHECK(FiringRules(*storm) == std::vector<std::string>{"wso2.change.error_storm"});
  for (int64_t m = 5; m < 20; ++m) PackMinute(*storm, m, 12, kNew);
  CHECK(storm->recommendation().verdict == Verdict::kRollback);
  const auto stormed = FiringRules(*storm);
  CHECK(std::count(stormed.begin(), stormed.end(), "wso2.change.error_storm.persistent") == 1);
}

TEST_CASE("pack: the change detectors: a WARN growing beyond traffic", "[rules][pack][change]") {
  auto e = PackChangeEngine();
  CHECK(PackBaseline(*e).empty());
  // The known WARN at 1 every 6 minutes before; 5 a minute now, with the same traffic.
  for (int64_t m = 60; m < 64; ++m) PackMinute(*e, m, 0, "", 5);
  CHECK(FiringRules(*e) == std::vector<std::string>{"wso2.change.rate_regression"});
  CHECK(e->recommendation().verdict == Verdict::kInvestigate);
}

}  // namespace
}  // namespace cg
