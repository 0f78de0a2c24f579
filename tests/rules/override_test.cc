// Rule files adjust rules of other files without copying them: `disable: [ids]` and
// `override: [{id, <fields>}]` (rules/rule_loader.h), as an operator's rules.d/ drop-in does to
// the shipped pack.
#include <catch2/catch.hpp>

#include "base/fs.h"
#include "rules/rule_loader.h"
#include "tests/rules/rule_test_util.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using std::chrono::minutes;

constexpr const char* kOverridePack = R"(rules:
  - id: db.pool
    description: pool exhausted
    severity: critical
    match: 'PoolExhaustedException on (?P<pool>\w+)'
    threshold: {count: 3, window: 5m}
    clear: {count: 1}
    labels: {component: database, team: dba}
  - id: db.auth
    description: bad password
    severity: critical
    match: 'password authentication failed'
  - id: cpu.high
    description: CPU busy
    severity: warning
    metric: host.cpu_busy_ratio
    above: 0.9
)";

struct OverrideFiles {
  cg::testing::TempDir dir;
  std::filesystem::path pack, local;
  explicit OverrideFiles(const std::string& local_text) {
    pack = dir.Write("pack.yaml", kOverridePack);
    local = dir.Write("rules.d/local.yaml", local_text);
  }
  Result<std::vector<RuleSpec>, Diagnostics> Load(std::vector<DisabledRule>* disabled = nullptr) {
    return LoadRuleFiles({pack, local}, disabled);
  }
  std::string At(int line, int col) const {
    return local.string() + ":" + std::to_string(line) + ":" + std::to_string(col);
  }
};

const RuleSpec& OverrideFind(const std::vector<RuleSpec>& rules, const std::string& id) {
  for (const auto& r : rules) {
    if (r.id == id) return r;
  }
  FAIL("no rule " << id);
  return rules.front();
}

TEST_CASE("an override changes severity threshold labels and runbook of a pack rule",
          "[rules][loader][override]") {
  OverrideFiles f(R"(override:
  - id: db.pool
    severity: warning
    threshold: {count: 10}
    labels: {team: platform, site: ams}
    runbook: Page the platform team.
)");
  auto rules = f.Load();
  REQUIRE(rules.ok());
  const RuleSpec& r = OverrideFind(*rules, "db.pool");
  CHECK(r.severity == Severity::kWarning);
  CHECK(r.threshold.count == 10);
  CHECK(r.threshold.window == minutes(5));  // Not named: the pack's.
  CHECK(r.match == "PoolExhaustedException on (?P<pool>\\w+)");
  CHECK(r.runbook == "Page the platform team.");
  // Labels merge: the pack's component stays, team is replaced, site is added.
  CHECK(r.labels == Labels{{"component", "database"}, {"site", "ams"}, {"team", "platform"}});
  // Where each changed field came from, in the order applied.
  REQUIRE(r.overridden.size() == 4);
  CHECK(r.overridden[0].first == "runbook");
  CHECK(r.overridden[0].second.ToString() == f.At(6, 14));
  CHECK(r.overridden[1].first == "severity");
  CHECK(r.overridden[1].second.ToString() == f.At(3, 15));
  CHECK(r.overridden[2].first == "labels");
  CHECK(r.overridden[3].first == "threshold");
  CHECK(r.overridden[3].second.ToString() == f.At(4, 16));
  // The rule keeps its own position; the others are untouched.
  CHECK(r.pos.file == f.pack.string());
  CHECK(OverrideFind(*rules, "db.auth").overridden.empty());
  // A changed definition is a different fingerprint (a reload restarts its alert state).
  auto pack_only = LoadRuleFiles({f.pack});
  REQUIRE(pack_only.ok());
  CHECK(Fingerprint(OverrideFind(*pack_only, "db.pool")) != Fingerprint(r));
}

TEST_CASE("disable switches a pack rule off and says where", "[rules][loader][override]") {
  OverrideFiles f("disable: [db.auth]\n");
  std::vector<DisabledRule> disabled;
  auto rules = f.Load(&disabled);
  REQUIRE(rules.ok());
  CHECK(rules->size() == 2);
  for (const auto& r : *rules) CHECK(r.id != "db.auth");
  REQUIRE(disabled.size() == 1);
  CHECK(disabled[0].id == "db.auth");
  CHECK(disabled[0].defined_at.file == f.pack.string());
  CHECK(disabled[0].defined_at.line == 9);
  CHECK(disabled[0].disabled_at.ToString() == f.At(1, 11));
}

TEST_CASE("an adjustment naming no loaded rule is an error with a hint",
          "[rules][loader][override]") {
  OverrideFiles f("disable: [db.auht]\noverride:\n  - {id: db.pol, severity: info}\n");
  auto rules = f.Load();
  REQUIRE_FALSE(rules.ok());
  const std::string errors = rules.error().ToString();
  CHECK(errors.find(f.At(3, 5) +
                    ": override: no rule \"db.pol\" is loaded (did you mean \"db.pool\"?)") !=
        std::string::npos);
  CHECK(errors.find(f.At(1, 11) +
                    ": disable: no rule \"db.auht\" is loaded (did you mean \"db.auth\"?)") !=
        std::string::npos);
}

TEST_CASE("an override cannot change what a rule matches", "[rules][loader][override]") {
  OverrideFiles f("override:\n  - id: db.pool\n    match: 'anything'\n    levels: [INFO]\n");
  auto rules = f.Load();
  REQUIRE_FALSE(rules.ok());
  const std::string errors = rules.error().ToString();
  CHECK(errors.find(f.At(3, 12) +
                    ": override \"db.pool\".match: an override cannot change what a rule "
                    "matches; disable the rule (`disable: [db.pool]`) and write your own") !=
        std::string::npos);
  CHECK(errors.find("override \"db.pool\".levels:") != std::string::npos);
}

TEST_CASE("an override is checked against the rule it changes", "[rules][loader][override]") {
  SECTION("clear.count must stay below the new threshold") {
    OverrideFiles f("override:\n  - id: db.pool\n    threshold: {count: 1}\n");
    auto rules = f.Load();
    REQUIRE_FALSE(rules.ok());
    CHECK(rules.error().ToString().find(
              "override \"db.pool\": clear.count (1) must stay below threshold.count (1)") !=
          std::string::npos);
  }
  SECTION("distinct names a capture of the rule's own pattern") {
    OverrideFiles ok(
        "override:\n  - id: db.pool\n    threshold: {distinct: {label: pool, "
        "count: 2}}\n");
    auto rules = ok.Load();
    REQUIRE(rules.ok());
    CHECK(OverrideFind(*rules, "db.pool").threshold.distinct_label == "pool");
    OverrideFiles bad(
        "override:\n  - id: db.pool\n    threshold: {distinct: {label: api, "
        "count: 2}}\n");
    auto wrong = bad.Load();
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().ToString().find("\"api\" is not a named capture") != std::string::npos);
  }
  SECTION("a metric rule has no threshold") {
    OverrideFiles f("override:\n  - id: cpu.high\n    threshold: {count: 2}\n");
    auto rules = f.Load();
    REQUIRE_FALSE(rules.ok());
    CHECK(rules.error().ToString().find(
              "override \"cpu.high\".threshold: does not apply to metric rules") !=
          std::string::npos);
  }
  SECTION("unknown keys get a hint and bad values their usual message") {
    OverrideFiles f("override:\n  - id: db.pool\n    severty: info\n    severity: loud\n");
    auto rules = f.Load();
    REQUIRE_FALSE(rules.ok());
    const std::string errors = rules.error().ToString();
    CHECK(errors.find("severty") != std::string::npos);
    CHECK(errors.find("severity") != std::string::npos);
  }
}

TEST_CASE("the last override of a field wins and disable beats override",
          "[rules][loader][override]") {
  cg::testing::TempDir dir;
  auto pack = dir.Write("pack.yaml", kOverridePack);
  auto a = dir.Write("a.yaml", "override:\n  - {id: db.pool, severity: info}\n");
  auto b = dir.Write("b.yaml",
                     "override:\n  - {id: db.pool, severity: warning}\n  - {id: db.auth, "
                     "severity: info}\ndisable: [db.auth]\n");
  std::vector<DisabledRule> disabled;
  auto rules = LoadRuleFiles({pack, a, b}, &disabled);
  REQUIRE(rules.ok());
  const RuleSpec& r = OverrideFind(*rules, "db.pool");
  CHECK(r.severity == Severity::kWarning);
  REQUIRE(r.overridden.size() == 2);
  CHECK(r.overridden[1].second.file == b.string());
  REQUIRE(disabled.size() == 1);
  CHECK(disabled[0].id == "db.auth");
}

TEST_CASE("adjustment lists of the wrong shape are errors at their position",
          "[rules][loader][override]") {
  CHECK(cg::testing::LoadErrors("disable: db.pool\n") ==
        "r.yaml:1:10: disable: expected a list of rule ids, got \"db.pool\"\n");
  CHECK(cg::testing::LoadErrors("override: [{severity: info}]\n") ==
        "r.yaml:1:12: override: each entry is a mapping with the \"id\" of a rule\n");
  CHECK(cg::testing::LoadErrors("disable: [{a: b}]\n") ==
        "r.yaml:1:11: disable: expected a rule id, got a mapping\n");
  // A file of adjustments only needs no `rules:`; one with neither still does.
  CHECK(cg::testing::LoadErrors("disable: []\n").empty());
  CHECK(cg::testing::LoadErrors("{}\n") ==
        "r.yaml:1:1: rule file: missing required key \"rules\" (or \"disable\", \"override\")\n");
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

TEST_CASE("hostile adjustment files are errors not crashes", "[rules][loader][override]") {
  SECTION("a hundred thousand disables of unknown ids") {
    std::string text = "disable: [";
    for (int i = 0; i < 100000; ++i)
      text += (i ? ", " : "") + std::string("no.such") + std::to_string(i);
    text += "]\n";
    OverrideFiles f(text);
    auto rules = f.Load();
    REQUIRE_FALSE(rules.ok());
    CHECK(rules.error().size() == 100000);
  }
  SECTION("labels nested thousands deep") {
    std::string nested(3000, '[');
    nested += std::string(3000, ']');
    OverrideFiles f("override:\n  - id: db.pool\n    labels: {team: " + nested + "}\n");
    auto rules = f.Load();
    REQUIRE_FALSE(rules.ok());
    CHECK(rules.error().ToString().find(f.local.string()) != std::string::npos);
  }
  SECTION("an override file over the size cap") {
    OverrideFiles f("override: []\n# " + std::string(kMaxConfigFileBytes, 'x') + "\n");
    auto rules = f.Load();
    REQUIRE_FALSE(rules.ok());
    CHECK(rules.error().items()[0].file == f.local.string());
  }
}

}  // namespace
}  // namespace cg
