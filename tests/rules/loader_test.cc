#include <catch2/catch.hpp>

#include "rules/rule_loader.h"
#include "rules/rule_set.h"
#include "tests/rules/rule_test_util.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using cg::testing::DefaultContext;
using cg::testing::LoadErrors;
using std::chrono::milliseconds;
using std::chrono::minutes;

TEST_CASE("a complete log rule loads with every field", "[rules][loader]") {
  auto file = LoadRules(R"(rules:
  - id: db.pool
    description: pool exhausted
    runbook: check the DB
    severity: critical
    match: 'PoolExhaustedException: \[(?P<thread>[^\]]+)\]'
    levels: [ERROR, FATAL]
    loggers: 'TransactionManager$'
    logs: [carbon]
    exclude: 'healthcheck'
    threshold: {count: 3, window: 2m}
    for: 30s
    clear: {count: 1, keep_firing_for: 5m}
    labels: {component: database}
    max_label_sets: 7
    evidence: 4
    warmup: 90s
)",
                        "pack.yaml");
  REQUIRE(file.ok());
  REQUIRE(file->rules.size() == 1);
  const RuleSpec& r = file->rules[0];
  CHECK(r.id == "db.pool");
  CHECK(r.runbook == "check the DB");
  CHECK(r.severity == Severity::kCritical);
  CHECK(r.kind == RuleKind::kLog);
  CHECK(r.levels ==
        ((1u << static_cast<int>(Level::kError)) | (1u << static_cast<int>(Level::kFatal))));
  CHECK(r.loggers == "TransactionManager$");
  CHECK(r.logs == std::vector<std::string>{"carbon"});
  CHECK(r.threshold.count == 3);
  CHECK(r.threshold.window == minutes(2));
  CHECK(r.for_ == milliseconds(30000));
  CHECK(r.clear.count == 1u);
  CHECK(r.clear.keep_firing_for == minutes(5));
  CHECK(r.labels == Labels{{"component", "database"}});
  CHECK(r.max_label_sets == 7);
  CHECK(r.evidence == 4);
  CHECK(r.warmup == milliseconds(90000));
  CHECK_FALSE(r.warmup_default);
  CHECK(r.pos.ToString() == "pack.yaml:2:5");
}

TEST_CASE("an empty rule file holds no rules and is not an error", "[rules][loader]") {
  auto file = LoadRules("", "empty.yaml");
  REQUIRE(file.ok());
  CHECK(file->rules.empty());
}

// Rule files that must not load, and all that the loader says about each (FILE:LINE:COL).
struct LoadErrorCase {
  const char* name;
  const char* yaml;
  const char* errors;
};
const LoadErrorCase kLoadErrorCases[] = {
    {"an unknown key is reported at its position with a hint and the rule id",
     R"(rules:
  - id: a
    description: d
    severity: warning
    match: x
    threshhold: {count: 2}
)",
     "r.yaml:6:5: rule \"a\": unknown key \"threshhold\" (did you mean \"threshold\"?)\n"},
    {"an invalid regex names the rule and quotes RE2's message",
     R"(rules:
  - id: broken
    description: d
    severity: warning
    match: 'Error (while'
)",
     "r.yaml:5:12: rule \"broken\".match: invalid regular expression: missing ): Error "
     "(while\n"},
    {"invalid exclude and loggers regexes are reported too",
     R"(rules:
  - id: r
    description: d
    severity: warning
    match: x
    exclude: '['
    loggers: '(?P<'
    exclude_loggers: 'Handler)$'
)",
     "r.yaml:6:14: rule \"r\".exclude: invalid regular expression: missing ]: [\n"
     "r.yaml:7:14: rule \"r\".loggers: invalid regular expression: invalid perl operator: "
     "(?P\n"
     "r.yaml:8:22: rule \"r\".exclude_loggers: invalid regular expression: unexpected ): "
     "Handler)$\n"},
    {"exclude_loggers belongs to log rules only",
     R"(rules:
  - id: m
    description: d
    severity: warning
    metric: host.load1
    above: 0.9
    exclude_loggers: 'x'
)",
     "r.yaml:7:22: rule \"m\".exclude_loggers: does not apply to metric rules\n"},
    {"a duplicate id in one file names the first definition",
     R"(rules:
  - id: same
    description: d
    severity: info
    match: x
  - id: same
    description: d
    severity: info
    match: y
)",
     "r.yaml:6:5: rule \"same\": duplicate id (first defined at r.yaml:2:5)\n"},
    {"missing id, description and severity are each reported", "rules:\n  - match: x\n",
     "r.yaml:2:5: rules[0]: missing required key \"id\"\n"
     "r.yaml:2:5: rules[0]: missing required key \"description\"\n"
     "r.yaml:2:5: rules[0]: missing required key \"severity\"\n"},
    {"a wrong severity lists the allowed values with a hint",
     "rules:\n  - {id: a, description: d, severity: critcal, match: x}\n",
     "r.yaml:2:39: rule \"a\".severity: \"critcal\" is not one of info, warning, critical "
     "(did you mean \"critical\"?)\n"},
    {"a field that does not apply to the rule's kind is named as such",
     R"(rules:
  - id: cpu
    description: d
    severity: warning
    metric: process.cpu_ratio
    above: 0.9
    threshold: {count: 2}
)",
     "r.yaml:7:16: rule \"cpu\".threshold: does not apply to metric rules\n"},
    {"an unknown metric series gets a hint",
     "rules:\n  - {id: m, description: d, severity: info, metric: process.cpu, "
     "above: 1}\n",
     "r.yaml:2:53: rule \"m\".metric: unknown series \"process.cpu\" (did you mean "
     "\"process.up\"?)\n"},
    {"a host series takes no target",
     "rules:\n  - {id: m, description: d, severity: info, metric: host.load1, "
     "target: wso2am, above: 4}\n",
     "r.yaml:2:73: rule \"m\".target: host.load1 is a host series (no target)\n"},
    {"an unknown level gets a hint",
     "rules:\n  - {id: a, description: d, severity: info, match: x, levels: "
     "[ERROR, WARNING]}\n",
     "r.yaml:2:63: rule \"a\".levels: \"WARNING\" is not a level (TRACE, DEBUG, INFO, WARN, "
     "ERROR, FATAL)\n"},
    {"clear.count must be below threshold.count",
     R"(rules:
  - id: a
    description: d
    severity: info
    match: x
    threshold: {count: 3}
    clear: {count: 3}
)",
     "r.yaml:7:20: rule \"a\".clear.count: must be below threshold.count (3)\n"},
    {"a distinct threshold must name a capture of the pattern",
     R"(rules:
  - id: a
    description: d
    severity: info
    match: 'api:(?P<api>\S+)'
    threshold: {count: 3, distinct: {label: apis, count: 2}}
)",
     "r.yaml:6:45: rule \"a\".threshold.distinct.label: \"apis\" is not a named capture "
     "(?P<apis>...) of match\n"},
    {"labels must be valid, unreserved and not collide with captures",
     R"(rules:
  - id: a
    description: d
    severity: info
    match: '(?P<api>\S+)'
    labels: {severity: high, api: x, 9lives: y}
)",
     "r.yaml:6:13: rule \"a\".labels: \"severity\" is reserved\n"
     "r.yaml:6:13: rule \"a\".labels: \"9lives\" is not a valid label name "
     "([A-Za-z_][A-Za-z0-9_]*)\n"
     "r.yaml:5:12: rule \"a\".match: capture \"api\" has the same name as a static label\n"},
    {"a YAML syntax error is reported with its position", "rules:\n  - id: a\n   description: [\n",
     "r.yaml:3:4: YAML syntax error: end of sequence not found\n"},
};

TEST_CASE("a rule file that does not load is reported error by error at each position",
          "[rules][loader]") {
  for (const LoadErrorCase& c : kLoadErrorCases) {
    DYNAMIC_SECTION(c.name) { CHECK(LoadErrors(c.yaml) == c.errors); }
  }
}

TEST_CASE("a duplicate id across files is an error at the second file", "[rules][loader]") {
  cg::testing::TempDir dir;
  auto a = dir.Write("a.yaml", "rules:\n  - {id: x, description: d, severity: info, match: a}\n");
  auto b = dir.Write("b.yaml", "rules:\n  - {id: x, description: d, severity: info, match: b}\n");
  auto all = LoadRuleFiles({a, b});
  REQUIRE_FALSE(all.ok());
  REQUIRE(all.error().size() == 1);
  CHECK(all.error().items()[0].ToString() == b.string() +
                                                 ":2:5: rule \"x\": duplicate id (first "
                                                 "defined at " +
                                                 a.string() + ":2:5)");
}

TEST_CASE("an unreadable rule file is reported by path", "[rules][loader]") {
  cg::testing::TempDir dir;
  auto all = LoadRuleFiles({dir / "missing.yaml"});
  REQUIRE_FALSE(all.ok());
  REQUIRE(all.error().size() == 1);
  CHECK(all.error().items()[0].file == (dir / "missing.yaml").string());
}

TEST_CASE("a rule needs exactly one of match, metric and condition", "[rules][loader]") {
  CHECK(LoadErrors("rules:\n  - {id: a, description: d, severity: info}\n") ==
        "r.yaml:2:5: rule \"a\": needs one of \"match\" (log rule), \"metric\" (metric rule) or "
        "\"condition\" (built-in condition)\n");
  CHECK(LoadErrors(
            "rules:\n  - {id: a, description: d, severity: info, match: x, metric: host.load1, "
            "above: 1}\n")
            .find("r.yaml:2:5: rule \"a\": \"match\", \"metric\" and \"condition\" are "
                  "exclusive\n") == 0);
}

TEST_CASE("a metric rule needs above or below, not both", "[rules][loader]") {
  CHECK(LoadErrors("rules:\n  - {id: m, description: d, severity: info, metric: host.load1}\n") ==
        "r.yaml:2:5: rule \"m\": a metric rule needs \"above\" or \"below\"\n");
  CHECK(LoadErrors("rules:\n  - {id: m, description: d, severity: info, metric: host.load1, "
                   "above: 1, below: 0}\n") ==
        "r.yaml:2:82: rule \"m\": use either \"above\" or \"below\", not both\n");
}

TEST_CASE("every error of a file is reported in one pass", "[rules][loader]") {
  auto file = LoadRules(R"(rules:
  - id: one
    description: d
    severity: bad
    match: '('
  - id: two
    description: d
    severity: info
    condition: log_silent
  - id: three
    description: d
    severity: info
    condition: boot_failed
    above: 3
)",
                        "r.yaml");
  REQUIRE_FALSE(file.ok());
  CHECK(file.error().ToString() ==
        "r.yaml:4:15: rule \"one\".severity: \"bad\" is not one of info, warning, critical\n"
        "r.yaml:5:12: rule \"one\".match: invalid regular expression: missing ): (\n"
        "r.yaml:6:5: rule \"two\": log_silent needs \"duration\" (how long without records)\n"
        "r.yaml:14:12: rule \"three\".above: does not apply to boot_failed rules\n");
}

TEST_CASE("warmup: true means the engine's warm-up", "[rules][loader]") {
  auto file = LoadRules(
      "rules:\n  - {id: a, description: d, severity: info, match: x, warmup: true}\n", "r.yaml");
  REQUIRE(file.ok());
  CHECK(file->rules[0].warmup_default);
}

TEST_CASE("conditions get their documented defaults", "[rules][loader]") {
  auto file = LoadRules(R"(rules:
  - {id: boot, description: d, severity: critical, condition: boot_failed}
  - {id: restart, description: d, severity: warning, condition: process_restarted}
  - {id: silent, description: d, severity: warning, condition: log_silent, duration: 10m}
  - {id: down, description: d, severity: critical, condition: process_down, for: 1m}
)",
                        "r.yaml");
  REQUIRE(file.ok());
  REQUIRE(file->rules.size() == 4);
  CHECK(file->rules[0].kind == RuleKind::kBootFailed);
  CHECK(file->rules[0].duration == minutes(5));
  CHECK(file->rules[1].kind == RuleKind::kProcessRestarted);
  CHECK(file->rules[1].clear.keep_firing_for == minutes(15));
  CHECK(file->rules[2].kind == RuleKind::kLogSilent);
  CHECK(file->rules[2].duration == minutes(10));
  CHECK(file->rules[3].kind == RuleKind::kProcessDown);
  CHECK(file->rules[3].for_ == minutes(1));
}

// `yaml`, which must load (as r.yaml), compiled against the default context.
Result<std::shared_ptr<const RuleSet>, Diagnostics> CompileYaml(std::string_view yaml) {
  auto file = LoadRules(yaml, "r.yaml");
  REQUIRE(file.ok());
  return CompileRules(file->rules, DefaultContext());
}

// What compiling `yaml` reports; it must load, and must not compile.
std::string CompileErrors(std::string_view yaml) {
  auto set = CompileYaml(yaml);
  REQUIRE_FALSE(set.ok());
  return set.error().ToString();
}

TEST_CASE("compiling reports an unknown log name at its position with a hint", "[rules][loader]") {
  CHECK(CompileErrors(
            "rules:\n  - {id: a, description: d, severity: info, match: x, logs: [carbn]}\n") ==
        "r.yaml:2:61: rule \"a\".logs: no log named \"carbn\" in the configuration (did you mean "
        "\"carbon\"?)\n");
}

TEST_CASE("compiling reports an unknown target", "[rules][loader]") {
  CHECK(
      CompileErrors("rules:\n  - {id: a, description: d, severity: info, condition: process_down, "
                    "target: wso2}\n") ==
      "r.yaml:2:78: rule \"a\".target: no target named \"wso2\" in the configuration\n");
}

TEST_CASE("a source with no configured format is a warning, not an error", "[rules][loader]") {
  auto set = CompileYaml(
      "rules:\n  - {id: a, description: d, severity: info, match: x, source: [wso2-audit]}\n");
  REQUIRE(set.ok());
  CHECK((*set)->warnings().ToString() ==
        "r.yaml:2:63: rule \"a\": no configured log has a source format (wso2-audit); the rule "
        "reads nothing\n");
}

TEST_CASE("source picks the first format the configuration has", "[rules][loader]") {
  auto set = CompileYaml(
      "rules:\n  - {id: a, description: d, severity: info, match: x, source: [wso2-audit, "
      "wso2-carbon, wso2-errors]}\n");
  REQUIRE(set.ok());
  // carbon, gw-errors, access, other
  CHECK((*set)->rules()[0].reads_log == std::vector<bool>{true, false, false, false});
}

TEST_CASE("the fingerprint changes with the definition, not the position", "[rules][loader]") {
  auto a = LoadRules("rules:\n  - {id: a, description: d, severity: info, match: x}\n", "1.yaml");
  auto b =
      LoadRules("\n\nrules:\n  - {id: a, description: d, severity: info, match: x}\n", "2.yaml");
  auto c = LoadRules("rules:\n  - {id: a, description: d, severity: info, match: y}\n", "1.yaml");
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(Fingerprint(a->rules[0]) == Fingerprint(b->rules[0]));
  CHECK(Fingerprint(a->rules[0]) != Fingerprint(c->rules[0]));
}

}  // namespace
}  // namespace cg
