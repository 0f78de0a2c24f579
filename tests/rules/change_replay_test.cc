// The change-aware verdict on realistic before/after logs: the scenarios of
// tests/fixtures/change/ (written by make_change_scenarios.py there; each directory has the old
// environment's log, old/wso2carbon.log.gz, the new one's, new/wso2carbon.log, and
// scenario.yaml with the replay flags and what must come out) go through `cutover-guard
// replay` exactly as an operator runs it, with the shipped rule pack. Each one is checked
// twice: against its scenario.yaml (every scenario, one generic test), and by a test of its
// own with the values the scenario is about (when the alerts fire, counts, the signature).
//
// File-local names carry the prefix Chs: the test executable is one translation unit with
// replay_test.cc.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/fs.h"
#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using ChsJson = nlohmann::json;
using ChsPath = std::filesystem::path;

const ChsPath kChsFixtures = ChsPath(CG_FIXTURES_DIR) / "change";
// The golden replays' config: the shipped logs in UTC and the rule pack (changes.yaml too).
const ChsPath kChsConfig = ChsPath(CG_FIXTURES_DIR) / "rules" / "scenarios" / "replay.yaml";

const std::set<std::string> kChsScenarioNames = {"new-recurring-error", "one-off-new-error",
                                                 "version-noise",       "warn-growing",
                                                 "noise-with-traffic",  "error-storm-no-baseline"};

// One scenario.yaml. Lists are YAML flow sequences of double-quoted strings, which are JSON.
struct ChsScenario {
  ChsPath dir;
  std::vector<std::string> args, pre_cutover_args, firing;
  std::string expect, baseline_source, new_contains, regressed_contains, storm_contains;
};

std::vector<std::string> ChsList(const std::string& value) {
  return ChsJson::parse(value).get<std::vector<std::string>>();
}

ChsScenario ChsLoad(const std::string& name) {
  ChsScenario s;
  s.dir = kChsFixtures / name;
  auto text = ReadFile(s.dir / "scenario.yaml", 1 << 20);
  REQUIRE(text.ok());
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    const std::string line = text->substr(pos, end - pos);
    pos = end + 1;
    const size_t colon = line.find(": ");
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    if (key == "args") s.args = ChsList(value);
    if (key == "pre_cutover_args") s.pre_cutover_args = ChsList(value);
    if (key == "firing") s.firing = ChsList(value);
    if (key == "expect") s.expect = value;
    if (key == "baseline_source") s.baseline_source = value;
    if (key == "new_contains") s.new_contains = value;
    if (key == "regressed_contains") s.regressed_contains = value;
    if (key == "storm_contains") s.storm_contains = value;
  }
  REQUIRE(!s.expect.empty());
  REQUIRE(!s.baseline_source.empty());
  return s;
}

// The value of --baseline is relative to the scenario directory.
std::vector<std::string> ChsResolved(const ChsScenario& s, std::vector<std::string> args) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--baseline") args[i + 1] = (s.dir / args[i + 1]).string();
  }
  return args;
}

std::string ChsOldLog(const ChsScenario& s) {
  return (s.dir / "old" / "wso2carbon.log.gz").string();
}

struct ChsRun {
  int code = -1;
  std::string out, err;
  ChsJson doc;
};

// `replay --config replay.yaml --format FORMAT ARGS new/wso2carbon.log` through the CLI.
ChsRun ChsReplay(const ChsScenario& s, const std::vector<std::string>& args,
                 const std::string& format = "json") {
  std::vector<std::string> argv = {"replay", "--config", kChsConfig.string(), "--format", format};
  for (const auto& a : ChsResolved(s, args)) argv.push_back(a);
  argv.push_back((s.dir / "new" / "wso2carbon.log").string());
  auto r = cg::testing::RunCliWith(argv);
  ChsRun run{r.code, r.out, r.err, ChsJson()};
  if (format == "json" && !r.out.empty()) run.doc = ChsJson::parse(r.out);
  return run;
}

int ChsExitCode(const std::string& verdict) {
  return verdict == "continue" ? 0 : verdict == "investigate" ? 1 : verdict == "rollback" ? 2 : 3;
}

std::set<std::string> ChsFiring(const ChsJson& doc) {
  std::set<std::string> out;
  for (const auto& a : doc["alerts"]) {
    if (a["state"] == "firing") out.insert(a["rule"].get<std::string>());
  }
  return out;
}

// Every alert of a change detector, in any state.
std::set<std::string> ChsChangeAlerts(const ChsJson& doc) {
  std::set<std::string> out;
  for (const auto& a : doc["alerts"]) {
    const std::string rule = a["rule"];
    if (rule.rfind("wso2.change.", 0) == 0) out.insert(rule + " " + a["state"].get<std::string>());
  }
  return out;
}

const ChsJson& ChsAlert(const ChsJson& doc, const std::string& rule) {
  for (const auto& a : doc["alerts"]) {
    if (a["rule"] == rule) return a;
  }
  FAIL("no alert for " << rule);
  return doc;
}

bool ChsHas(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

// The signature of `list` ("new" or "regressed") whose template contains `fragment`, or null.
const ChsJson* ChsSignature(const ChsJson& doc, const std::string& list,
                            const std::string& fragment) {
  for (const auto& s : doc["signatures"][list]) {
    if (ChsHas(s["template"].get<std::string>(), fragment)) return &s;
  }
  return nullptr;
}

// The text report's "What is new since the cutover" section (to the verdict).
std::string ChsWhatIsNew(const std::string& text) {
  const size_t begin = text.find("\nWhat is new since the cutover:\n");
  if (begin == std::string::npos) return "";
  const size_t end = text.find("\nRecommendation: ", begin);
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

uint64_t ChsMatches(const ChsJson& doc, const std::string& rule) {
  for (const auto& m : doc["rule_matches"]) {
    if (m["id"] == rule) return m["matches"].get<uint64_t>();
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("the change fixtures are exactly the scenarios tested here", "[rules][replay][change]") {
  std::set<std::string> dirs;
  for (const auto& e : std::filesystem::directory_iterator(kChsFixtures)) {
    if (e.is_directory()) dirs.insert(e.path().filename().string());
  }
  CHECK(dirs == kChsScenarioNames);
}

TEST_CASE("every change scenario replays to its expected verdict alerts and findings",
          "[rules][replay][change]") {
  const std::string name =
      GENERATE(as<std::string>{}, "new-recurring-error", "one-off-new-error", "version-noise",
               "warn-growing", "noise-with-traffic", "error-storm-no-baseline");
  INFO("scenario " << name);
  const ChsScenario s = ChsLoad(name);
  ChsRun r = ChsReplay(s, s.args);
  INFO(r.err);
  REQUIRE(r.doc.is_object());
  CHECK(r.code == ChsExitCode(s.expect));
  CHECK(r.doc["recommendation"] == s.expect);
  // Exactly these alerts fire at the end, pack rules included: the noise fires nothing.
  CHECK(ChsFiring(r.doc) == std::set<std::string>(s.firing.begin(), s.firing.end()));
  CHECK(r.doc["signatures"]["baseline"]["source"] == s.baseline_source);
  if (!s.new_contains.empty()) CHECK(ChsSignature(r.doc, "new", s.new_contains) != nullptr);
  if (!s.regressed_contains.empty()) {
    CHECK(ChsSignature(r.doc, "regressed", s.regressed_contains) != nullptr);
  }
  if (!s.storm_contains.empty()) {
    bool found = false;
    for (const auto& a : r.doc["alerts"]) {
      found = found || (a["rule"] == "wso2.change.error_storm" && a["state"] == "firing" &&
                        ChsHas(a["labels"]["template"].get<std::string>(), s.storm_contains));
    }
    CHECK(found);
  }
  // The text report lists the same findings.
  ChsRun text = ChsReplay(s, s.args, "text");
  CHECK(text.code == r.code);
  const std::string section = ChsWhatIsNew(text.out);
  REQUIRE(!section.empty());
  if (!s.new_contains.empty()) CHECK(ChsHas(section, s.new_contains));
  if (!s.regressed_contains.empty()) CHECK(ChsHas(section, s.regressed_contains));
  if (!s.pre_cutover_args.empty()) {
    // The same scenario judged against the new log's own records before the cutover mark.
    ChsRun pre = ChsReplay(s, s.pre_cutover_args);
    CHECK(pre.code == r.code);
    CHECK(pre.doc["recommendation"] == s.expect);
    CHECK(ChsFiring(pre.doc) == ChsFiring(r.doc));
    CHECK(pre.doc["signatures"]["baseline"]["source"] == "pre-cutover");
    if (!s.new_contains.empty()) CHECK(ChsSignature(pre.doc, "new", s.new_contains) != nullptr);
  }
}

TEST_CASE("a new recurring ERROR after the cutover is a rollback against the old environment",
          "[rules][replay][change]") {
  const ChsScenario s = ChsLoad("new-recurring-error");
  ChsRun r = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"});
  INFO(r.err);
  CHECK(r.code == 2);
  CHECK(r.doc["recommendation"] == "rollback");
  CHECK(ChsFiring(r.doc) ==
        std::set<std::string>{"wso2.change.new_error", "wso2.change.new_error.sustained"});
  // 1 or 2 failures a minute from 02:12: the third at 02:13:19.469, the first of the 10th busy
  // minute at 02:21:07.269. The alerts fire at those records (the detectors evaluate later,
  // when the next record arrives, but date the condition from the record that made it hold).
  const ChsJson& warning = ChsAlert(r.doc, "wso2.change.new_error");
  CHECK(warning["fired_at"] == "2024-11-16T02:13:19.469Z");
  CHECK(warning["severity"] == "warning");
  CHECK(warning["count"] == 24);
  CHECK(ChsHas(warning["detail"].get<std::string>(), "absent from the baseline"));
  const ChsJson& critical = ChsAlert(r.doc, "wso2.change.new_error.sustained");
  CHECK(critical["fired_at"] == "2024-11-16T02:21:07.269Z");
  CHECK(critical["severity"] == "critical");
  CHECK(ChsHas(critical["detail"].get<std::string>(), "(10 distinct minutes)"));
  CHECK(r.doc["reasons"][0]["rule"] == "wso2.change.new_error.sustained");
  // The evidence is the failing record itself, with its exception.
  CHECK(ChsHas(critical["evidence"][0]["text"].get<std::string>(),
               "ERROR {org.apache.synapse.mediators.ext.ClassMediator} - "
               "{api:admin--PaymentsAPI:v2.0.0} Error invoking the Class mediator"));
  CHECK(ChsHas(critical["evidence"][0]["text"].get<std::string>(), "java.lang.NoSuchMethodError"));

  const ChsJson& sig = r.doc["signatures"];
  CHECK(sig["baseline"]["source"] == "snapshot");
  CHECK(sig["baseline"]["learned_from"] == ChsJson::array({ChsOldLog(s)}));
  // Seen again: the analytics ERROR, the stale-token WARN and the flaky backend's three WARNs
  // (ConnectCallback, EndpointContext x2).
  CHECK(sig["known"] == 5);
  CHECK(sig["unjudged"] == 0);
  CHECK(sig["regressed"].empty());
  REQUIRE(sig["new"].size() == 1);
  const ChsJson& fresh = sig["new"][0];
  CHECK(fresh["state"] == "new");
  CHECK(fresh["level"] == "ERROR");
  CHECK(fresh["logger"] == "org.apache.synapse.mediators.ext.ClassMediator");
  CHECK(fresh["count"] == 24);
  CHECK(fresh["baseline_count"] == 0);
  CHECK(fresh["first_seen"] == "2024-11-16T02:12:07.509Z");
  CHECK(ChsHas(fresh["template"].get<std::string>(),
               "Error invoking the Class mediator : com.acme.apim.mediators.PaymentHeaderEnricher "
               "java.lang.NoSuchMethodError"));
  CHECK(warning["labels"]["signature"] == fresh["id"]);
  CHECK(critical["labels"]["signature"] == fresh["id"]);

  ChsRun text = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"}, "text");
  CHECK(text.code == 2);
  const std::string section = ChsWhatIsNew(text.out);
  CHECK(ChsHas(section,
               "  baseline: snapshot, 5 signatures from the snapshot; 5 known "
               "signature(s) seen again\n"));
  CHECK(ChsHas(section,
               " New (1):\n  ERROR carbon " + fresh["id"].get<std::string>() + "  24 records"));
  CHECK(ChsHas(section, "java.lang.NoSuchMethodError"));
  CHECK(ChsHas(text.out, "Recommendation: ROLLBACK"));
}

TEST_CASE("a new recurring ERROR is also a rollback against the records before the cutover mark",
          "[rules][replay][change]") {
  // No baseline file: the new environment ran 20 minutes of smoke traffic before 02:00.
  const ChsScenario s = ChsLoad("new-recurring-error");
  ChsRun with_old = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"});
  ChsRun r = ChsReplay(s, {"--cutover-at", "2024-11-16 02:00:00"});
  INFO(r.err);
  CHECK(r.code == 2);
  CHECK(r.doc["recommendation"] == "rollback");
  CHECK(r.doc["cutover_at"] == "2024-11-16T02:00:00.000Z");
  CHECK(r.doc["records_before_cutover"] == 60);
  CHECK(ChsFiring(r.doc) ==
        std::set<std::string>{"wso2.change.new_error", "wso2.change.new_error.sustained"});
  CHECK(ChsAlert(r.doc, "wso2.change.new_error")["fired_at"] == "2024-11-16T02:13:19.469Z");
  CHECK(ChsAlert(r.doc, "wso2.change.new_error.sustained")["fired_at"] ==
        "2024-11-16T02:21:07.269Z");
  const ChsJson& sig = r.doc["signatures"];
  CHECK(sig["baseline"]["source"] == "pre-cutover");
  CHECK(sig["baseline"]["signatures"] == 0);
  CHECK(sig["baseline"]["logs"] == ChsJson::array({"carbon"}));
  CHECK(sig["known"] == 5);
  CHECK(sig["regressed"].empty());
  REQUIRE(sig["new"].size() == 1);
  // The same signature, with the same counts, as against the old environment's log.
  CHECK(sig["new"][0]["id"] == with_old.doc["signatures"]["new"][0]["id"]);
  CHECK(sig["new"][0]["count"] == 24);
  CHECK(ChsHas(sig["new"][0]["template"].get<std::string>(), "NoSuchMethodError"));

  ChsRun text = ChsReplay(s, {"--cutover-at", "2024-11-16 02:00:00"}, "text");
  const std::string section = ChsWhatIsNew(text.out);
  CHECK(ChsHas(section, "  baseline: pre-cutover; 5 known signature(s) seen again\n"));
  CHECK(ChsHas(section, " New (1):\n"));
  CHECK(ChsHas(section, "java.lang.NoSuchMethodError"));
}

TEST_CASE("a baseline snapshot learned from the old log judges like the old log itself",
          "[rules][replay][change]") {
  const ChsScenario s = ChsLoad("new-recurring-error");
  cg::testing::TempDir tmp;
  const std::string snapshot = (tmp / "b.json").string();
  auto learn = cg::testing::RunCliWith({"baseline", "learn", "--out", snapshot, ChsOldLog(s)});
  INFO(learn.err);
  REQUIRE(learn.code == 0);
  CHECK(ChsHas(learn.out, "458 records in 1 log(s) (carbon 458); 5 signatures"));

  ChsRun raw = ChsReplay(s, {"--baseline", ChsOldLog(s)});
  ChsRun snap = ChsReplay(s, {"--baseline", snapshot});
  INFO(snap.err);
  CHECK(snap.code == 2);
  CHECK(snap.doc["recommendation"] == "rollback");
  CHECK(snap.code == raw.code);
  CHECK(snap.doc["signatures"]["baseline"]["source"] == "snapshot");
  // The snapshot keeps the file it was learned from, so even that is the same.
  CHECK(snap.doc["signatures"] == raw.doc["signatures"]);
  CHECK(snap.doc["alerts"] == raw.doc["alerts"]);
  CHECK(snap.doc["timeline"] == raw.doc["timeline"]);
  CHECK(snap.doc["reasons"] == raw.doc["reasons"]);
}

TEST_CASE("a one-off new ERROR is listed as new but never alerted", "[rules][replay][change]") {
  const ChsScenario s = ChsLoad("one-off-new-error");
  ChsRun r = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.doc["recommendation"] == "continue");
  // No change alert at all, not even pending; and nothing else either.
  CHECK(ChsChangeAlerts(r.doc).empty());
  CHECK(r.doc["alerts"].empty());
  CHECK(ChsMatches(r.doc, "wso2.change.new_error") == 0);
  const ChsJson& sig = r.doc["signatures"];
  CHECK(sig["baseline"]["source"] == "snapshot");
  CHECK(sig["known"] == 5);
  CHECK(sig["regressed"].empty());
  REQUIRE(sig["new"].size() == 1);
  CHECK(sig["new"][0]["level"] == "ERROR");
  CHECK(sig["new"][0]["count"] == 1);
  CHECK(sig["new"][0]["first_seen"] == "2024-11-16T02:17:03.418Z");
  CHECK(ChsHas(sig["new"][0]["template"].get<std::string>(),
               "Error while sending the deploy event of API"));
  CHECK(ChsHas(sig["new"][0]["template"].get<std::string>(), "NotifierException"));

  ChsRun text = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"}, "text");
  CHECK(text.code == 0);
  const std::string section = ChsWhatIsNew(text.out);
  CHECK(ChsHas(section, " New (1):\n  ERROR carbon "));
  CHECK(ChsHas(section, "  1 records ("));
  CHECK(ChsHas(section, "NotifierException"));
  CHECK(ChsHas(text.out, "Recommendation: CONTINUE"));
}

TEST_CASE("old to new version noise is continue with the one new WARN listed",
          "[rules][replay][change]") {
  const ChsScenario s = ChsLoad("version-noise");
  ChsRun r = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.doc["recommendation"] == "continue");
  CHECK(r.doc["alerts"].empty());
  const ChsJson& sig = r.doc["signatures"];
  CHECK(sig["baseline"]["source"] == "snapshot");
  // The known WARN/ERROR noise of 4.0 is recognised in 4.2's log; the INFO lines worded
  // differently are never judged; the deprecation WARN is the only new signature.
  CHECK(sig["known"] == 5);
  CHECK(sig["unjudged"] == 0);
  CHECK(sig["regressed"].empty());
  REQUIRE(sig["new"].size() == 1);
  CHECK(sig["new"][0]["level"] == "WARN");
  CHECK(sig["new"][0]["count"] == 1);
  CHECK(sig["new"][0]["logger"] == "org.wso2.carbon.apimgt.impl.APIManagerConfiguration");
  CHECK(ChsHas(sig["new"][0]["template"].get<std::string>(),
               "Configuration apim.analytics.properties.publisher.reporter.class is deprecated "
               "since"));

  ChsRun text = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"}, "text");
  CHECK(text.code == 0);
  const std::string section = ChsWhatIsNew(text.out);
  CHECK(ChsHas(section, " New (1):\n  WARN  carbon "));
  CHECK(ChsHas(section, "is deprecated since"));
}

TEST_CASE("a WARN growing 50x beyond the traffic is investigate", "[rules][replay][change]") {
  const ChsScenario s = ChsLoad("warn-growing");
  ChsRun r = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"});
  INFO(r.err);
  CHECK(r.code == 1);
  CHECK(r.doc["recommendation"] == "investigate");
  CHECK(ChsFiring(r.doc) == std::set<std::string>{"wso2.change.rate_regression"});
  const ChsJson& alert = ChsAlert(r.doc, "wso2.change.rate_regression");
  CHECK(alert["severity"] == "warning");
  CHECK(alert["labels"]["level"] == "WARN");
  CHECK(alert["fired_at"] == "2024-11-16T02:21:35.186Z");
  CHECK(ChsHas(alert["detail"].get<std::string>(), "baseline 3 in 461 records"));
  const ChsJson& sig = r.doc["signatures"];
  CHECK(sig["baseline"]["source"] == "snapshot");
  CHECK(sig["new"].empty());
  REQUIRE(sig["regressed"].size() == 1);
  const ChsJson& grown = sig["regressed"][0];
  CHECK(grown["state"] == "regressed");
  CHECK(grown["logger"] == "org.apache.synapse.transport.passthru.SourceHandler");
  CHECK(grown["baseline_count"] == 3);
  CHECK(grown["count"] == 40);
  // 3 of the old log's 461 records; 25 of the new one's 57 in the last 10 minutes.
  CHECK(grown["ratio"].get<double>() >= 50.0);
  CHECK(grown["ratio"].get<double>() <= 100.0);
  CHECK(grown["p_value"].get<double>() <= 1e-6);
  CHECK(ChsHas(grown["template"].get<std::string>(),
               "Socket Timeout occurred after accepting the request headers"));
  CHECK(alert["labels"]["signature"] == grown["id"]);

  ChsRun text = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"}, "text");
  CHECK(text.code == 1);
  const std::string section = ChsWhatIsNew(text.out);
  CHECK(ChsHas(section, " Growing beyond traffic (1):\n  WARN  carbon " +
                            grown["id"].get<std::string>() + "  40 records"));
  CHECK(ChsHas(section, "x its share of traffic"));
  CHECK(ChsHas(section, "Socket Timeout occurred after accepting the request headers"));
}

TEST_CASE("noise growing exactly with the traffic is continue", "[rules][replay][change]") {
  const ChsScenario s = ChsLoad("noise-with-traffic");
  ChsRun r = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.doc["recommendation"] == "continue");
  CHECK(r.doc["alerts"].empty());
  // The WARN tripled (70 in 30 minutes, past the detector's count of 20 in 10 minutes) ...
  CHECK(ChsMatches(r.doc, "wso2.gw.invalid_credentials_spike") == 70);
  // ... with the traffic, so it is neither new nor regressed.
  const ChsJson& sig = r.doc["signatures"];
  CHECK(sig["baseline"]["source"] == "snapshot");
  CHECK(sig["known"] == 5);
  CHECK(sig["new"].empty());
  CHECK(sig["regressed"].empty());

  ChsRun text = ChsReplay(s, {"--baseline", "old/wso2carbon.log.gz"}, "text");
  CHECK(text.code == 0);
  CHECK(ChsHas(ChsWhatIsNew(text.out), "  (nothing new or growing)\n"));
}

TEST_CASE("an unknown ERROR storm without any baseline is investigate", "[rules][replay][change]") {
  const ChsScenario s = ChsLoad("error-storm-no-baseline");
  ChsRun r = ChsReplay(s, {});
  INFO(r.err);
  CHECK(r.code == 1);
  CHECK(r.doc["recommendation"] == "investigate");
  CHECK(r.doc["cutover_at"].is_null());
  CHECK(ChsFiring(r.doc) == std::set<std::string>{"wso2.change.error_storm"});
  // 12 a minute from 02:23: 50 in the 5th busy minute. The persistent one needs 15 minutes.
  const ChsJson& storm = ChsAlert(r.doc, "wso2.change.error_storm");
  CHECK(storm["fired_at"] == "2024-11-16T02:27:09.084Z");
  CHECK(storm["count"] == 84);
  CHECK(ChsHas(storm["labels"]["template"].get<std::string>(),
               "Error while building Passthrough stream org.apache.axiom.om.OMException"));
  CHECK(ChsHas(storm["detail"].get<std::string>(), "no rule covers it"));
  CHECK(ChsAlert(r.doc, "wso2.change.error_storm.persistent")["state"] == "pending");
  // Without a baseline nothing is new or regressed: everything is unjudged. With no snapshot
  // and no cutover mark only what error_storm reads (ERROR, FATAL) is mined: the 2 ERROR
  // signatures, not the log's WARNs.
  const ChsJson& sig = r.doc["signatures"];
  CHECK(sig["baseline"]["source"] == "none");
  CHECK(sig["new"].empty());
  CHECK(sig["regressed"].empty());
  CHECK(sig["known"] == 0);
  CHECK(sig["unjudged"] == 2);
  CHECK(ChsChangeAlerts(r.doc) == std::set<std::string>{"wso2.change.error_storm firing",
                                                        "wso2.change.error_storm.persistent "
                                                        "pending"});

  ChsRun text = ChsReplay(s, {}, "text");
  CHECK(text.code == 1);
  const std::string section = ChsWhatIsNew(text.out);
  CHECK(ChsHas(section, "  (no baseline: no snapshot and no record before the cutover mark"));
  // Nothing to compare with: the most frequent errors are listed, the storm's first.
  CHECK(ChsHas(section, " Seen, no baseline to compare with:\n  ERROR carbon "));
  CHECK(ChsHas(section, "Error while building Passthrough stream"));
  CHECK(ChsHas(text.out, "FIRING warning wso2.change.error_storm"));
  CHECK(ChsHas(text.out, "Error while building Passthrough stream"));
}

}  // namespace
}  // namespace cg
