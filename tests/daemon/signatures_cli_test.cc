// `cutover-guard signatures` and `cutover-guard baseline learn|show`, run through RunCli on
// files written here.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "rules/signatures/baseline.h"
#include "rules/signatures/hash.h"
#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Loghub-style input for `--log-format plain`: one message per line, two statements (HDFS).
constexpr std::string_view kHdfsLines =
    "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: "
    "/10.250.19.102:50010\n"
    "Deleting block blk_-3544583377289625738 file /mnt/hadoop/dfs/data/current/subdir18/"
    "blk_-3544583377289625738\n"
    "Receiving block blk_7503483334202473044 src: /10.251.215.16:55695 dest: "
    "/10.251.215.16:50010\n"
    "Receiving block blk_-3544583377289625738 src: /10.250.10.6:40524 dest: /10.250.10.6:50010\n"
    "Deleting block blk_-9073992586687739851 file /mnt/hadoop/dfs/data/current/subdir51/"
    "blk_-9073992586687739851\n"
    "Deleting block blk_7379833155074044619 file /mnt/hadoop/dfs/data/current/subdir27/"
    "blk_7379833155074044619\n";

// wso2carbon.log (APIM 4.2 layout): 2 INFO, 1 WARN, 3 ERROR (one statement twice), 7 records
// with the line before the first entry.
constexpr std::string_view kCarbonLines =
    "JAVA_OPTS not set, using defaults\n"
    "TID: [-1234] [] [2026-12-01 10:00:00,123]  INFO "
    "{org.wso2.carbon.core.internal.StartupFinalizerServiceComponent} - WSO2 Carbon started in "
    "41 sec\n"
    "TID: [-1234] [] [2026-12-01 10:05:00,000]  WARN "
    "{org.apache.synapse.transport.passthru.TargetHandler} - Connection timeout on 10.0.0.5:8243 "
    "after 30000 ms\n"
    "TID: [-1234] [] [2026-12-01 10:10:00,000] ERROR "
    "{org.apache.synapse.transport.passthru.TargetHandler} - Connection refused 10.0.0.5:8243\n"
    "TID: [-1234] [] [2026-12-01 11:10:00,000] ERROR "
    "{org.apache.synapse.transport.passthru.TargetHandler} - Connection refused 10.0.0.7:8244\n"
    "TID: [-1234] [] [2026-12-01 12:00:00,500] ERROR "
    "{org.wso2.carbon.apimgt.impl.internal.APIManagerComponent} - Error while initializing the "
    "API manager component\n"
    "\tat org.wso2.carbon.apimgt.impl.utils.APIUtil.loadAndSyncTenantConf(APIUtil.java:3912)\n"
    "Caused by: org.postgresql.util.PSQLException: ERROR: relation \"am_system_configs\" does "
    "not exist\n"
    "TID: [-1234] [] [2026-12-01 13:00:00,123]  INFO "
    "{org.wso2.carbon.core.init.CarbonServerManager} - Repository : /opt/wso2/repository\n";

// wso2-apigw-errors.log (APIM 4.3 layout): 2 WARN records of one statement, 1 ERROR.
constexpr std::string_view kGatewayErrorLines =
    "2026-12-01T10:00:00,000 [-] [HTTP-Sender I/O dispatcher-4]  WARN "
    "{org.apache.synapse.transport.passthru.TargetHandler} Connection timeout after 180000 ms "
    "to 10.20.31.12:8443\n"
    "2026-12-01T10:30:00,000 [-] [HTTP-Sender I/O dispatcher-2]  WARN "
    "{org.apache.synapse.transport.passthru.TargetHandler} Connection timeout after 60000 ms to "
    "10.20.31.13:8443\n"
    "2026-12-01T11:00:00,000 [-] [PassThroughMessageProcessor-7] ERROR "
    "{org.apache.synapse.core.axis2.Axis2Sender} Unexpected error sending message back\n";

testing::CliRun Cli(std::vector<std::string> args) { return testing::RunCliWith(std::move(args)); }

uint64_t LevelOf(const BaselineLog& log, Level level) {
  return log.by_level[static_cast<size_t>(level)];
}

}  // namespace

TEST_CASE("signatures per-record prints one id and template per input line in order",
          "[daemon][signatures]") {
  testing::TempDir dir;
  const auto file = dir.Write("HDFS_2k.log", kHdfsLines);
  auto r = Cli({"signatures", "--log-format", "plain", "--per-record", file.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const auto lines = SplitLines(r.out);
  REQUIRE(lines.size() == 6);
  std::vector<std::string> ids;
  for (const auto& line : lines) {
    INFO(line);
    const size_t tab = line.find('\t');
    REQUIRE(tab == 16);
    uint64_t id = 0;
    CHECK(ParseHexId(line.substr(0, 16), &id));
    CHECK(id != 0);
    CHECK(line.size() > 17);  // A template follows.
    ids.push_back(line.substr(0, 16));
  }
  // Lines 0, 2, 3 are one statement ("Receiving block"), 1, 4, 5 another ("Deleting block").
  CHECK(ids[0] == ids[2]);
  CHECK(ids[0] == ids[3]);
  CHECK(ids[1] == ids[4]);
  CHECK(ids[1] == ids[5]);
  CHECK(ids[0] != ids[1]);
  CHECK(lines[0] == lines[3]);  // The final template for every record of the statement.
}

TEST_CASE("signatures json lists templates whose counts add up to the records",
          "[daemon][signatures]") {
  testing::TempDir dir;
  const auto plain = dir.Write("HDFS_2k.log", kHdfsLines);
  auto r = Cli({"signatures", "--log-format", "plain", "--format", "json", plain.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.is_array());
  CHECK(j.size() == 2);
  uint64_t sum = 0;
  for (const auto& s : j) {
    for (const char* key : {"id", "log", "level", "logger", "template", "count", "first_seen",
                            "last_seen", "example", "parents"}) {
      CHECK(s.contains(key));
    }
    CHECK(s["id"].get<std::string>().size() == 16);
    CHECK(s["parents"].is_array());
    sum += s["count"].get<uint64_t>();
  }
  CHECK(sum == 6);

  SECTION("a WSO2 log's format is inferred from its name and levels and loggers are kept") {
    const auto carbon = dir.Write("wso2carbon.log", kCarbonLines);
    auto c = Cli({"signatures", "--format", "json", carbon.string()});
    INFO(c.err);
    REQUIRE(c.code == 0);
    const auto cj = nlohmann::json::parse(c.out);
    uint64_t records = 0;
    std::set<std::string> levels;
    for (const auto& s : cj) {
      records += s["count"].get<uint64_t>();
      levels.insert(s["level"].get<std::string>());
      CHECK(s["log"] == "carbon");
    }
    CHECK(records == 7);
    CHECK(levels == std::set<std::string>{"UNKNOWN", "INFO", "WARN", "ERROR"});
    CHECK(cj[0]["count"] == 2);
    CHECK(cj[0]["logger"] == "org.apache.synapse.transport.passthru.TargetHandler");
    CHECK(cj[0]["first_seen"] == "2026-12-01T10:10:00.000Z");
  }
}

TEST_CASE("signatures text prints a table most frequent first and a stats line",
          "[daemon][signatures]") {
  testing::TempDir dir;
  const auto carbon = dir.Write("wso2carbon.log", kCarbonLines);
  auto r = Cli({"signatures", "--min-level", "warn", carbon.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto lines = SplitLines(r.out);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "count  level  id                template");
  CHECK(lines[1].starts_with("    2  ERROR  "));
  CHECK(lines[1].find("Connection refused") != std::string::npos);
  CHECK(lines[4] == "records 4, signatures 3, evicted 0, truncated 0");
  for (size_t i = 1; i < 4; ++i) CHECK(lines[i].find("INFO") == std::string::npos);
}

TEST_CASE("signatures mines consecutive files of one log with one miner", "[daemon][signatures]") {
  testing::TempDir dir;
  const auto a = dir.Write("wso2carbon.log.1", kCarbonLines);
  const auto b = dir.Write("wso2carbon.log", kCarbonLines);
  auto r = Cli({"signatures", "--per-record", a.string(), b.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto lines = SplitLines(r.out);
  REQUIRE(lines.size() == 14);
  for (size_t i = 0; i < 7; ++i) CHECK(lines[i] == lines[i + 7]);
}

TEST_CASE("signatures errors exit 1 and usage errors exit 2", "[daemon][signatures]") {
  testing::TempDir dir;
  auto missing = Cli({"signatures", (dir / "nope.log").string()});
  CHECK(missing.code == 1);
  CHECK(missing.err.find("nope.log: not a readable file") != std::string::npos);
  CHECK(missing.out.empty());
  const auto file = dir.Write("x.log", "a line\n");
  auto format = Cli({"signatures", "--log-format", "klingon", file.string()});
  CHECK(format.code == 1);
  CHECK(format.err.find("is not one of") != std::string::npos);
  CHECK(Cli({"signatures"}).code == 2);
  CHECK(Cli({"signatures", "--format", "xml", file.string()}).code == 2);
  CHECK(Cli({"signatures", "--min-level", "LOUD", file.string()}).code == 2);
}

TEST_CASE("baseline learn writes a snapshot with the records per log and level",
          "[daemon][baseline]") {
  testing::TempDir dir;
  const auto carbon = dir.Write("wso2carbon.log", kCarbonLines);
  const auto errors = dir.Write("wso2-apigw-errors.log", kGatewayErrorLines);
  const auto out = dir / "baseline.json";
  auto r = Cli({"baseline", "learn", "--out", out.string(), carbon.string(), errors.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(
      r.out.starts_with("baseline: learned from 2 source(s), 10 records in 2 log(s) "
                        "(carbon 7, gw-errors 3); 5 signatures (WARN and above); span "
                        "2026-12-01T"));
  CHECK(r.out.find("written to " + out.string()) != std::string::npos);
  CHECK(LooksLikeBaselineSnapshot(out));
  auto b = LoadBaseline(out);
  REQUIRE(b.ok());
  REQUIRE(b->logs.size() == 2);
  const BaselineLog* c = b->FindLog("carbon");
  REQUIRE(c != nullptr);
  CHECK(c->records == 7);
  CHECK(LevelOf(*c, Level::kUnknown) == 1);
  CHECK(LevelOf(*c, Level::kInfo) == 2);
  CHECK(LevelOf(*c, Level::kWarn) == 1);
  CHECK(LevelOf(*c, Level::kError) == 3);
  const BaselineLog* g = b->FindLog("gw-errors");
  REQUIRE(g != nullptr);
  CHECK(g->records == 3);
  CHECK(LevelOf(*g, Level::kWarn) == 2);
  CHECK(LevelOf(*g, Level::kError) == 1);
  // Only WARN and above are mined; INFO counts only in the volume.
  REQUIRE(b->signatures.size() == 5);
  uint64_t mined = 0;
  for (const auto& s : b->signatures) {
    CHECK(s.level >= Level::kWarn);
    mined += s.count;
  }
  CHECK(mined == 4 + 3);

  SECTION("baseline show prints the summary and the signatures") {
    auto show = Cli({"baseline", "show", out.string()});
    INFO(show.err);
    REQUIRE(show.code == 0);
    CHECK(show.out.find("10 records in 2 log(s)") != std::string::npos);
    CHECK(show.out.find("  log carbon: 7 records (INFO 2, WARN 1, ERROR 3, UNKNOWN 1)") !=
          std::string::npos);
    CHECK(show.out.find("signatures:\n") != std::string::npos);
    CHECK(show.out.find("Connection refused") != std::string::npos);
  }
  SECTION("a snapshot given among the logs is merged in") {
    const auto more = dir / "more.json";
    auto m = Cli({"baseline", "learn", "--out", more.string(), out.string(), carbon.string()});
    INFO(m.err);
    REQUIRE(m.code == 0);
    auto merged = LoadBaseline(more);
    REQUIRE(merged.ok());
    CHECK(merged->FindLog("carbon")->records == 14);
    CHECK(merged->FindLog("gw-errors")->records == 3);
    CHECK(merged->signatures.size() == 5);
    CHECK(merged->signatures[0].count == 4);  // "Connection refused", twice in each.
  }
  SECTION("--min-level INFO mines the INFO records too") {
    auto all =
        Cli({"baseline", "learn", "--min-level", "info", "--out", out.string(), carbon.string()});
    REQUIRE(all.code == 0);
    auto loaded = LoadBaseline(out);
    REQUIRE(loaded.ok());
    CHECK(loaded->signatures.size() == 5);
  }
}

TEST_CASE("baseline learn with a log format keeps the name replay gives the file",
          "[daemon][baseline]") {
  testing::TempDir dir;
  // Named like a carbon log, read as plain text: log "carbon", one record per line, no levels.
  const auto file = dir.Write("wso2carbon.log", kCarbonLines);
  const auto out = dir / "b.json";
  auto r = Cli({"baseline", "learn", "--log-format", "plain", "--min-level", "all", "--out",
                out.string(), file.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto b = LoadBaseline(out);
  REQUIRE(b.ok());
  REQUIRE(b->logs.size() == 1);
  CHECK(b->logs[0].name == "carbon");
  CHECK(b->logs[0].records == 9);
  CHECK(LevelOf(b->logs[0], Level::kUnknown) == 9);
  CHECK_FALSE(b->signatures.empty());
}

TEST_CASE("baseline errors exit 1 with the reason and usage errors exit 2", "[daemon][baseline]") {
  testing::TempDir dir;
  const auto out = dir / "b.json";
  auto missing = Cli({"baseline", "learn", "--out", out.string(), (dir / "gone.log").string()});
  CHECK(missing.code == 1);
  CHECK(missing.err.find("gone.log: not a readable file") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
  const auto log = dir.Write("wso2carbon.log", kCarbonLines);
  auto unwritable =
      Cli({"baseline", "learn", "--out", (dir / "no/such/dir/b.json").string(), log.string()});
  CHECK(unwritable.code == 1);
  CHECK(unwritable.err.find("baseline: ") == 0);
  const auto bad = dir.Write("bad.json", R"({"format": "cutover-guard-baseline", "version": 9})");
  auto show = Cli({"baseline", "show", bad.string()});
  CHECK(show.code == 1);
  CHECK(show.err.find("bad.json: version: 9 is newer") != std::string::npos);
  auto merge_bad = Cli({"baseline", "learn", "--out", out.string(), bad.string()});
  CHECK(merge_bad.code == 1);
  CHECK(Cli({"baseline"}).code == 2);
  CHECK(Cli({"baseline", "learn", log.string()}).code == 2);  // No --out.
  CHECK(Cli({"baseline", "show"}).code == 2);
}

}  // namespace cg
