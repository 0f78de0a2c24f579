// Golden replays: realistic scenario logs (tests/fixtures/rules/scenarios/<name>/) through
// `cutover-guard replay` with the shipped rule pack; the JSON output must equal expected.json
// (regenerate with CG_UPDATE_GOLDENS=1 after an intended change, and review the diff), and the
// recommendation and evidence are asserted explicitly below.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "base/fs.h"
#include "daemon/cli.h"
#include "daemon/commands.h"
#include "tests/support/gzip_file.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using nlohmann::json;

const fs::path kScenarios = fs::path(CG_FIXTURES_DIR) / "rules" / "scenarios";

struct Run {
  int code = -1;
  std::string out, err;
  json doc;
};

std::vector<std::string> LogFiles(const fs::path& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".log" || e.path().extension() == ".gz") {
      files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string CutoverOf(const fs::path& dir) {
  auto text = ReadFile(dir / "scenario.yaml", 1ull << 30);
  REQUIRE(text.ok());
  const std::string key = "cutover_at: \"";
  auto p = text->find(key);
  if (p == std::string::npos) return "";
  return text->substr(p + key.size(), 19);
}

std::string ExpectOf(const fs::path& dir) {
  auto text = ReadFile(dir / "scenario.yaml", 1ull << 30);
  REQUIRE(text.ok());
  auto p = text->find("expect: ");
  REQUIRE(p != std::string::npos);
  return text->substr(p + 8, text->find('\n', p) - p - 8);
}

Run Replay(std::vector<std::string> files, std::string cutover = "",
           std::string config = (kScenarios / "replay.yaml").string(), std::string format = "json",
           std::string log_format = "") {
  ReplayOptions o;
  o.config = std::move(config);
  o.cutover_at = std::move(cutover);
  o.output_format = std::move(format);
  o.log_format = std::move(log_format);
  o.files = std::move(files);
  std::ostringstream out, err;
  Run r;
  r.code = ReplayCommand(o, out, err);
  r.out = out.str();
  r.err = err.str();
  // JSON is printed for every verdict, `unknown` (3) included; errors print nothing to out.
  if (o.output_format == "json" && !r.out.empty()) r.doc = json::parse(r.out);
  return r;
}

Run ReplayScenario(const std::string& name) {
  const fs::path dir = kScenarios / name;
  return Replay(LogFiles(dir), CutoverOf(dir));
}

// Paths in the output depend on the checkout; the goldens hold them relative.
std::string Normalized(const json& doc, const fs::path& dir) {
  std::string s = doc.dump(2);
  const std::string abs = dir.string() + "/";
  for (size_t p; (p = s.find(abs)) != std::string::npos;) s.replace(p, abs.size(), "");
  return s + "\n";
}

std::set<std::string> Firing(const json& doc) {
  std::set<std::string> out;
  for (const auto& a : doc["alerts"]) {
    if (a["state"] == "firing") out.insert(a["rule"].get<std::string>());
  }
  return out;
}

const json& AlertFor(const json& doc, const std::string& rule) {
  for (const auto& a : doc["alerts"]) {
    if (a["rule"] == rule) return a;
  }
  FAIL("no alert for " << rule);
  return doc;
}

// The text of `alert`'s evidence number `i`.
std::string EvidenceText(const json& alert, size_t i) {
  return alert["evidence"][i]["text"].get<std::string>();
}

TEST_CASE("every scenario's replay matches its golden output and expected verdict",
          "[rules][replay][golden]") {
  const std::string name = GENERATE(as<std::string>{}, "healthy-noisy-boot", "db-pool-exhaustion",
                                    "schema-not-migrated", "keystore-mismatch", "oom", "boot-loop");
  INFO("scenario " << name);
  const fs::path dir = kScenarios / name;
  Run r = ReplayScenario(name);
  INFO(r.err);
  const std::string expect = ExpectOf(dir);
  CHECK(r.doc["recommendation"] == expect);
  CHECK(r.code == (expect == "continue" ? 0 : expect == "investigate" ? 1 : 2));
  const std::string got = Normalized(r.doc, dir);
  const fs::path golden = dir / "expected.json";
  if (std::getenv("CG_UPDATE_GOLDENS") != nullptr) {
    REQUIRE(WriteFileAtomic(golden, got).ok());
  }
  auto want = ReadFile(golden, 1ull << 30);
  REQUIRE(want.ok());
  CHECK(got == *want);
}

TEST_CASE("every evidence record points at its bytes in the replayed file",
          "[rules][replay][golden]") {
  const std::string name = GENERATE(as<std::string>{}, "db-pool-exhaustion", "schema-not-migrated",
                                    "keystore-mismatch", "oom", "boot-loop");
  INFO("scenario " << name);
  Run r = ReplayScenario(name);
  size_t checked = 0;
  for (const auto& a : r.doc["alerts"]) {
    for (const auto& e : a["evidence"]) {
      const std::string text = e["text"];
      const std::string first = text.substr(0, text.find('\n'));
      auto content = ReadFile(e["file"].get<std::string>(), 1ull << 30);
      REQUIRE(content.ok());
      CHECK(content->compare(e["offset"].get<size_t>(), first.size(), first) == 0);
      ++checked;
    }
  }
  CHECK(checked > 0);
}

TEST_CASE("a healthy but noisy boot recommends continue with nothing firing",
          "[rules][replay][golden]") {
  Run r = ReplayScenario("healthy-noisy-boot");
  CHECK(r.code == 0);
  CHECK(r.doc["alerts"].empty());
  CHECK(r.doc["timeline"].empty());
  // The noise was seen and deliberately not counted: warm-up suppressed the boot-time failures.
  uint64_t suppressed = 0;
  for (const auto& m : r.doc["rule_matches"]) suppressed += m["suppressed"].get<uint64_t>();
  // JMS failed x2, databridge x2, control-plane retries x4: each counted by its warning and its
  // loop rule (2 x 8), from wso2carbon.log only (the errors-log copies are not read twice).
  CHECK(suppressed == 16);
  // 42 carbon records + 16 errors-log records + 65 access lines.
  CHECK(r.doc["records"] == 123);
}

TEST_CASE("database pool exhaustion escalates to rollback with the pool errors as evidence",
          "[rules][replay][golden]") {
  Run r = ReplayScenario("db-pool-exhaustion");
  CHECK(r.code == 2);
  CHECK(Firing(r.doc) ==
        std::set<std::string>{"wso2.db.pool_exhausted", "wso2.db.pool_exhausted.persisting"});
  const json& a = AlertFor(r.doc, "wso2.db.pool_exhausted.persisting");
  CHECK(a["fired_at"] == "2024-11-16T02:41:39.551Z");
  // Counted once although the errors log repeats every event.
  CHECK(a["count"] == 12);
  REQUIRE(a["evidence"].size() == 5);
  const json& first = a["evidence"][0];
  CHECK(first["time"] == "2024-11-16T02:41:09.551Z");
  CHECK(first["log"] == "carbon");
  CHECK(fs::path(first["file"].get<std::string>()).filename() == "wso2carbon.log");
  CHECK(first["text"].get<std::string>().find(
            "PoolExhaustedException: [https-jsse-nio-9443-exec-47] Timeout: Pool empty") !=
        std::string::npos);
  CHECK(r.doc["reasons"][0]["rule"] == "wso2.db.pool_exhausted.persisting");
}

TEST_CASE("a schema that was not migrated is a rollback, shown by the missing relation",
          "[rules][replay][golden]") {
  Run r = ReplayScenario("schema-not-migrated");
  CHECK(r.code == 2);
  CHECK(Firing(r.doc) == std::set<std::string>{"wso2.db.schema_not_migrated",
                                               "wso2.apim.component_init_failed",
                                               "wso2.apim.core_config_failed"});
  const json& a = AlertFor(r.doc, "wso2.db.schema_not_migrated");
  CHECK(a["count"] == 2);
  CHECK_THAT(EvidenceText(a, 0),
             Contains("PSQLException: ERROR: relation \"am_system_configs\" does not exist"));
  CHECK_THAT(EvidenceText(a, 1), Contains("column \"organization\" does not exist"));
}

TEST_CASE("a keystore mismatch is a rollback, shown by the decryption failure",
          "[rules][replay][golden]") {
  Run r = ReplayScenario("keystore-mismatch");
  CHECK(r.code == 2);
  CHECK(Firing(r.doc) == std::set<std::string>{"wso2.crypto.decrypt_failed"});
  const json& a = AlertFor(r.doc, "wso2.crypto.decrypt_failed");
  CHECK(a["count"] == 3);
  CHECK_THAT(EvidenceText(a, 0),
             Contains("Caused by: javax.crypto.BadPaddingException: Decryption error"));
}

TEST_CASE("an out-of-memory error is a rollback, shown by the OutOfMemoryError",
          "[rules][replay][golden]") {
  Run r = ReplayScenario("oom");
  CHECK(r.code == 2);
  const json& a = AlertFor(r.doc, "wso2.jvm.out_of_memory");
  CHECK(a["state"] == "firing");
  CHECK(a["fired_at"] == "2024-11-16T03:12:44.019Z");
  CHECK_THAT(EvidenceText(a, 0), Contains("java.lang.OutOfMemoryError: Java heap space"));
  CHECK(AlertFor(r.doc, "wso2.gw.worker_pool_exhausted")["count"] == 2);
}

TEST_CASE("a boot loop is a rollback, with the failing boot and its errors as evidence",
          "[rules][replay][golden]") {
  Run r = ReplayScenario("boot-loop");
  CHECK(r.code == 2);
  CHECK(Firing(r.doc) ==
        std::set<std::string>{"wso2.boot.failed", "wso2.boot.loop", "wso2.jvm.unexpected_restart",
                              "wso2.keystore.load_failed", "wso2.carbon.init_failed"});
  const json& boot = AlertFor(r.doc, "wso2.boot.failed");
  CHECK(boot["fired_at"] == "2019-03-15T10:21:11.002Z");
  REQUIRE(boot["evidence"].size() == 3);
  CHECK_THAT(EvidenceText(boot, 0), Contains("Starting WSO2 Carbon..."));
  CHECK_THAT(EvidenceText(boot, 1),
             Contains("Keystore was tampered with, or password was incorrect"));
  CHECK(AlertFor(r.doc, "wso2.boot.loop")["fired_at"] == "2019-03-15T10:22:21.002Z");
}

using testing::GzipFile;

TEST_CASE("a gzip-rotated log replays exactly like the plain one", "[rules][replay]") {
  cg::testing::TempDir tmp;
  const fs::path dir = kScenarios / "db-pool-exhaustion";
  GzipFile(dir / "wso2carbon.log", tmp / "wso2carbon-11-16-2024-1.log.gz");
  fs::copy_file(dir / "wso2-apigw-errors.log", tmp / "wso2-apigw-errors.log");
  Run plain = ReplayScenario("db-pool-exhaustion");
  Run gz = Replay(
      {(tmp / "wso2carbon-11-16-2024-1.log.gz").string(), (tmp / "wso2-apigw-errors.log").string()},
      CutoverOf(dir));
  CHECK(gz.code == plain.code);
  CHECK(gz.doc["recommendation"] == "rollback");
  REQUIRE(gz.doc["alerts"].size() == plain.doc["alerts"].size());
  for (size_t i = 0; i < gz.doc["alerts"].size(); ++i) {
    CHECK(gz.doc["alerts"][i]["id"] == plain.doc["alerts"][i]["id"]);
    CHECK(gz.doc["alerts"][i]["count"] == plain.doc["alerts"][i]["count"]);
    CHECK(gz.doc["alerts"][i]["evidence"][0]["offset"] ==
          plain.doc["alerts"][i]["evidence"][0]["offset"]);
  }
}

TEST_CASE("records before the cutover mark are not evaluated", "[rules][replay]") {
  const fs::path dir = kScenarios / "db-pool-exhaustion";
  Run r = Replay(LogFiles(dir), "2024-11-16 02:43:30");
  CHECK(r.doc["cutover_at"] == "2024-11-16T02:43:30.000Z");
  CHECK(r.doc["records_before_cutover"].get<uint64_t>() > 0);
  // The pool errors before the mark are history; the 2 after it (02:43:39, 02:43:54) are below
  // the persisting threshold of 3.
  CHECK(Firing(r.doc) == std::set<std::string>{"wso2.db.pool_exhausted"});
  CHECK(r.code == 1);
}

TEST_CASE("the text report shows the timeline, the evidence and the verdict", "[rules][replay]") {
  const fs::path dir = kScenarios / "db-pool-exhaustion";
  Run r = Replay(LogFiles(dir), CutoverOf(dir), (kScenarios / "replay.yaml").string(), "text");
  CHECK(r.code == 2);
  CHECK(r.out.find("2024-11-16T02:41:39.551Z  FIRING   critical wso2.db.pool_exhausted.persisting "
                   "{component=\"database\"}") != std::string::npos);
  CHECK(r.out.find("recommendation investigate -> ROLLBACK") != std::string::npos);
  CHECK(r.out.find("evidence: carbon " + (dir / "wso2carbon.log").string() + "@") !=
        std::string::npos);
  CHECK(r.out.find("\nRecommendation: ROLLBACK\n") != std::string::npos);
}

TEST_CASE("replay without --config uses the shipped rule pack", "[rules][replay]") {
  Run r = Replay({(kScenarios / "keystore-mismatch" / "wso2carbon.log").string()}, "", "");
  INFO(r.err);
  CHECK(r.code == 2);
  CHECK(Firing(r.doc).count("wso2.crypto.decrypt_failed") == 1);
  CHECK(r.doc["files"][0]["log"] == "carbon");
  CHECK(r.doc["files"][0]["format"] == "wso2-carbon");
}

TEST_CASE("a file of unknown name is recognised by its first line", "[rules][replay]") {
  cg::testing::TempDir tmp;
  fs::copy_file(kScenarios / "oom" / "wso2carbon.log", tmp / "pilot-node1.txt");
  Run r = Replay({(tmp / "pilot-node1.txt").string()}, "", "");
  CHECK(r.code == 2);
  CHECK(r.doc["files"][0]["format"] == "wso2-carbon");
}

TEST_CASE("the --log-format flag overrides the format of every file", "[rules][replay]") {
  Run r = Replay({(kScenarios / "oom" / "wso2carbon.log").string()}, "", "", "json", "plain");
  CHECK(r.doc["files"][0]["format"] == "plain");
  // Every line is its own record now.
  CHECK(r.doc["records"] == r.doc["lines"]);
}

TEST_CASE("replay errors exit 3 with the reason", "[rules][replay]") {
  const std::string log = (kScenarios / "oom" / "wso2carbon.log").string();
  Run missing = Replay({"/nonexistent/wso2carbon.log"});
  CHECK(missing.code == 3);
  CHECK(missing.err == "replay: /nonexistent/wso2carbon.log: not a readable file\n");
  Run cutover = Replay({log}, "yesterday");
  CHECK(cutover.code == 3);
  CHECK(cutover.err.rfind("replay: --cutover-at: ", 0) == 0);
  Run format = Replay({log}, "", "", "json", "log4j");
  CHECK(format.code == 3);
  CHECK(format.err.find("--log-format \"log4j\" is not one of") != std::string::npos);
  Run config = Replay({log}, "", "/nonexistent/config.yaml");
  CHECK(config.code == 3);
}

TEST_CASE("the CLI runs replay with its flags", "[rules][replay]") {
  const std::string log = (kScenarios / "keystore-mismatch" / "wso2carbon.log").string();
  const std::string cfg = (kScenarios / "replay.yaml").string();
  const char* argv[] = {"cutover-guard",       "replay",   "--config", cfg.c_str(), "--cutover-at",
                        "2024-11-16 02:12:50", "--format", "json",     log.c_str()};
  std::ostringstream out, err;
  CHECK(RunCli(9, argv, out, err) == 2);
  CHECK(json::parse(out.str())["recommendation"] == "rollback");
}

// check-config of the config and its rules alone (this machine's paths are not the point).
CheckConfigOptions RulesOnly(std::string config) {
  CheckConfigOptions o;
  o.config = std::move(config);
  o.host_checks = false;
  return o;
}

TEST_CASE("check-config compiles the rule files and reports their errors", "[rules][replay]") {
  cg::testing::TempDir tmp;
  tmp.Write("rules/bad.yaml", "rules:\n  - {id: x, description: d, severity: info, match: '('}\n");
  auto cfg = tmp.Write("config.yaml", "rule_files: [rules/*.yaml]\n");
  std::ostringstream out, err;
  CHECK(CheckConfigCommand(RulesOnly(cfg.string()), out, err) == 1);
  CHECK(err.str() == (tmp / "rules/bad.yaml").string() +
                         ":2:52: rule \"x\".match: invalid regular expression: missing ): (\n" +
                         cfg.string() + ": 1 error in the rule files\n");

  std::ostringstream out2, err2;
  CHECK(CheckConfigCommand(RulesOnly((kScenarios / "replay.yaml").string()), out2, err2) == 0);
  // The pack's size, counted here from its files ("  - id:" opens each rule).
  size_t pack_files = 0, pack_rules = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(CG_SOURCE_DIR) / "rules/wso2-apim")) {
    if (entry.path().extension() != ".yaml") continue;
    ++pack_files;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) pack_rules += line.rfind("  - id:", 0) == 0;
  }
  CHECK(out2.str().find(std::to_string(pack_files) + " rule file(s), " +
                        std::to_string(pack_rules) + " rule(s))") != std::string::npos);
}

TEST_CASE("a log replayed in a layout it is not in is unknown (exit 3) with the reason",
          "[rules][replay][unknown]") {
  // The carbon log read as Tomcat access lines: no line has an access-log timestamp, so no
  // record is recognised, and none of the pack's rules can see what the lines say.
  const std::string log = (kScenarios / "healthy-noisy-boot" / "wso2carbon.log").string();
  Run wrong = Replay({log}, "", "", "json", "tomcat-access");
  INFO(wrong.err);
  CHECK(wrong.code == 3);
  REQUIRE_FALSE(wrong.doc.is_null());
  CHECK(wrong.doc["recommendation"] == "unknown");
  CHECK(wrong.doc["files"][0]["recognised_lines"] == 0);
  bool reason = false;
  for (const auto& x : wrong.doc["reasons"]) {
    reason = reason || (x["kind"] == "coverage" && x["subject"] == "file " + log &&
                        x["description"].get<std::string>().find("not in the tomcat-access "
                                                                 "layout") != std::string::npos);
  }
  CHECK(reason);
  // The same log in its own layout is judged as before.
  Run right = Replay({log});
  CHECK(right.code == 0);
  CHECK(right.doc["recommendation"] == "continue");
  CHECK(right.doc["files"][0]["recognised_lines"] == right.doc["files"][0]["lines"]);
}

TEST_CASE("a log whose lines fold into one undated record is unknown", "[rules][replay][unknown]") {
  // What a console-layout file forced to wso2-carbon used to give: one record, no header.
  cg::testing::TempDir tmp;
  std::string text;
  for (int i = 0; i < 20; ++i) {
    text += "[2024-02-01 10:11:" + std::to_string(10 + i) +
            ",345] ERROR - OrderHandler Order rejected by the backend\n";
  }
  auto file = tmp.Write("console.out", text);
  Run r = Replay({file.string()}, "", "", "json", "wso2-carbon");
  CHECK(r.code == 3);
  CHECK(r.doc["recommendation"] == "unknown");
  CHECK(r.doc["records"] == 1);
  CHECK(r.doc["summary"].get<std::string>().rfind("unknown: cannot judge", 0) == 0);
}

TEST_CASE("an empty input yields no record and is unknown", "[rules][replay][unknown]") {
  cg::testing::TempDir tmp;
  auto file = tmp.Write("wso2carbon.log", "");
  Run r = Replay({file.string()});
  CHECK(r.code == 3);
  CHECK(r.doc["recommendation"] == "unknown");
  CHECK(r.doc["reasons"][0]["subject"] == "input");
}

TEST_CASE("replay with no rule loaded is unknown, not continue", "[rules][replay][unknown]") {
  // The shipped config from a source tree: its rule globs point at the installed paths.
  cg::testing::TempDir tmp;
  auto cfg = tmp.Write("config.yaml", "rule_files: [/nonexistent/rules/*.yaml]\n");
  Run r = Replay({(kScenarios / "db-pool-exhaustion" / "wso2carbon.log").string()}, "",
                 cfg.string(), "text");
  CHECK(r.code == 3);
  CHECK(r.out.find("Recommendation: UNKNOWN") != std::string::npos);
  CHECK(r.out.find("  - rules: no rule is loaded") != std::string::npos);
}

TEST_CASE("replay reports a file whose name is not UTF-8", "[rules][replay]") {
  cg::testing::TempDir tmp;
  fs::copy_file(kScenarios / "oom" / "wso2carbon.log", tmp / "wso2carbon\xff.log");
  Run r = Replay({(tmp / "wso2carbon\xff.log").string()}, "", "");
  INFO(r.err);
  CHECK(r.code == 2);
  CHECK(r.doc["files"][0]["path"].get<std::string>().find("wso2carbon\xEF\xBF\xBD.log") !=
        std::string::npos);
}

TEST_CASE("a usage error of replay exits 3, never 2 (rollback)", "[rules][replay][unknown]") {
  const char* argv[] = {"cutover-guard", "replay", "--no-such-flag", "x.log"};
  std::ostringstream out, err;
  CHECK(RunCli(4, argv, out, err) == 3);
  const char* missing[] = {"cutover-guard", "replay"};
  CHECK(RunCli(2, missing, out, err) == 3);
  const char* check[] = {"cutover-guard", "check-config", "--no-such-flag"};
  CHECK(RunCli(3, check, out, err) == 2);  // Not a verdict command: the usual 2.
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

// A gateway node's console as `api-manager.sh` in a container prints it: the start script's
// lines first, then the schema error every cutover fears (fact sheet §7.3).
std::string ReplayConsoleText() {
  return "JAVA_HOME environment variable is set to /usr/lib/jvm/java-11-openjdk-amd64\n"
         "CARBON_HOME environment variable is set to /home/wso2carbon/wso2am-4.2.0\n"
         "[2024-02-01 10:11:12,345]  INFO - CarbonCoreActivator Starting WSO2 Carbon...\n"
         "[2024-02-01 10:11:40,001] ERROR - APIManagerComponent Error while initializing the "
         "API manager component\n"
         "org.wso2.carbon.apimgt.api.APIManagementException: Error while saving tenant conf\n"
         "\tat org.wso2.carbon.apimgt.impl.utils.APIUtil.loadAndSyncTenantConf(APIUtil.java:3912)"
         "\n"
         "Caused by: org.postgresql.util.PSQLException: ERROR: relation \"am_system_configs\" "
         "does not exist\n"
         "  Position: 39\n"
         "[2024-02-01 10:11:41,220]  INFO - StartupFinalizerServiceComponent WSO2 Carbon started "
         "in 29 sec\n";
}

std::string ReplayCri(const std::string& text) {
  std::string out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string line = text.substr(start, nl - start);
    // Long lines in two pieces, as the runtime splits them.
    if (line.size() > 60) {
      out += "2024-02-01T10:11:50.000000001Z stdout P " + line.substr(0, 40) + "\n";
      out += "2024-02-01T10:11:50.000000002Z stdout F " + line.substr(40) + "\n";
    } else {
      out += "2024-02-01T10:11:50.000000001Z stderr F " + line + "\n";
    }
  }
  return out;
}

std::string ReplayDocker(const std::string& text) {
  std::string out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    json j = {{"log", text.substr(start, nl - start + 1)},
              {"stream", "stdout"},
              {"time", "2024-02-01T10:11:50.123456789Z"}};
    out += j.dump() + "\n";
  }
  return out;
}

TEST_CASE("a console file is detected and read by the pack like wso2carbon.log",
          "[rules][replay][layout]") {
  cg::testing::TempDir tmp;
  const std::string text = ReplayConsoleText();
  // Plain (nohup.out), in a CRI envelope (/var/log/pods) and in Docker's json-file.
  for (const auto& [name, content, envelope] :
       {std::tuple<std::string, std::string, std::string>{"nohup.out", text, "none"},
        {"0.log", ReplayCri(text), "cri"},
        {"abc-json.log", ReplayDocker(text), "docker"}}) {
    INFO(name);
    auto file = tmp.Write(name, content);
    Run r = Replay({file.string()}, "", "");
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK(r.doc["recommendation"] == "rollback");
    CHECK(r.doc["files"][0]["format"] == "wso2-console");
    CHECK(r.doc["files"][0]["log"] == "console");
    CHECK(r.doc["files"][0]["layout_recognised"] == true);
    if (envelope != "none") CHECK(r.doc["files"][0]["envelope"] == envelope);
    CHECK(r.doc["files"][0]["layout_reason"].get<std::string>().rfind("wso2-console: ", 0) == 0);
    // The preamble, the boot start, the error with its trace, the boot end.
    CHECK(r.doc["records"] == 4);
    CHECK(Firing(r.doc).count("wso2.db.schema_not_migrated") == 1);
    // The preamble does not make the first boot look like a crash restart.
    CHECK(Firing(r.doc).count("wso2.jvm.unexpected_restart") == 0);
    // Records are dated by the log (or the envelope), never by the file's mtime.
    CHECK(r.doc["first_record"].get<std::string>().rfind("2024-02-01T10:11:", 0) == 0);
    CHECK(r.doc["last_record"].get<std::string>().rfind("2024-02-01T10:11:", 0) == 0);
  }
}

TEST_CASE("a file in no known layout is unknown with layout not recognised",
          "[rules][replay][layout][unknown]") {
  cg::testing::TempDir tmp;
  auto file = tmp.Write("notes.txt", "Dear operator,\nthe migration went fine.\nRegards\n");
  Run r = Replay({file.string()}, "", "");
  CHECK(r.code == 3);
  CHECK(r.doc["recommendation"] == "unknown");
  CHECK(r.doc["files"][0]["format"] == "plain");
  CHECK(r.doc["files"][0]["layout_recognised"] == false);
  bool reason = false;
  for (const auto& x : r.doc["reasons"]) {
    reason = reason || x["description"].get<std::string>().rfind(
                           "layout not recognised: no layout explains 60% of the 3 sampled "
                           "lines",
                           0) == 0;
  }
  CHECK(reason);
  // Told the layout, the operator's word stands (and names the log after it).
  Run told = Replay({file.string()}, "", "", "json", "plain");
  CHECK(told.code == 0);
  CHECK(told.doc["files"][0]["layout_recognised"] == true);
  CHECK(
      told.doc["files"][0]["layout_reason"].get<std::string>().ends_with("(as --log-format says)"));
  CHECK(told.doc["reasons"].empty());
}

TEST_CASE("replay --log-format names the log after the layout it sets", "[rules][replay][layout]") {
  cg::testing::TempDir tmp;
  auto file = tmp.Write("trace.txt", ReplayConsoleText());
  Run r = Replay({file.string()}, "", "", "json", "wso2-errors");
  CHECK(r.doc["files"][0]["format"] == "wso2-errors");
  CHECK(r.doc["files"][0]["log"] == "gw-errors");
  CHECK(r.doc["files"][0]["layout_reason"].get<std::string>().rfind(
            "wso2-errors: --log-format (detection: wso2-console: ", 0) == 0);
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

TEST_CASE("a customised carbon layout with source_as is read by the pack's carbon rules",
          "[rules][replay][layout]") {
  // What `init` writes for a wso2carbon.log in a customised PatternLayout.
  cg::testing::TempDir tmp;
  const std::string entry =
      R"(^\[(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3})\] \[[^\]]*\] )"
      R"((?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) {0,1} (?P<logger>[^\s]*) - )";
  auto log = tmp.Write("logs/wso2carbon.log",
                       "[2024-02-01 10:11:40.001] [main] ERROR APIManagerComponent - Error while "
                       "saving tenant conf\nCaused by: org.postgresql.util.PSQLException: ERROR: "
                       "relation \"am_system_configs\" does not exist\n");
  for (const bool as : {true, false}) {
    INFO("source_as " << as);
    auto cfg = tmp.Write(
        "config.yaml",
        "logs:\n  - name: carbon\n    path: " + (tmp / "logs/wso2carbon.log").string() +
            "\n    format: custom\n    entry_start: '" + entry + "'\n" +
            (as ? "    source_as: wso2-carbon\n" : "") + "    timezone: UTC\n" + "rule_files: [" +
            (fs::path(CG_SOURCE_DIR) / "rules/wso2-apim/*.yaml").string() + "]\n");
    Run r = Replay({log.string()}, "", cfg.string());
    INFO(r.err);
    CHECK(r.doc["records"] == 1);
    CHECK(Firing(r.doc).count("wso2.db.schema_not_migrated") == (as ? 1 : 0));
  }
}

}  // namespace
}  // namespace cg
