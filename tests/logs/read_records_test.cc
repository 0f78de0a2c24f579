#include "collectors/logs/read_records.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/units.h"
#include "tests/support/gzip_file.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(CG_FIXTURES_DIR) + "/logs/" + name;
}

LogSpec Spec(LogFormat format) {
  LogSpec s;
  s.name = "t";
  s.format = format;
  s.timezone = TimeZone::Utc();
  return s;
}

using testing::WriteGzip;

}  // namespace

TEST_CASE("fixtures replay to exact line and record counts per layout",
          "[collectors][logs][replay]") {
  auto [file, format, lines, records] = GENERATE(table<std::string, LogFormat, uint64_t, uint64_t>({
      {"carbon-4.2.log", LogFormat::kWso2Carbon, 87, 42},
      {"carbon-4.0.log", LogFormat::kWso2Carbon, 25, 7},
      {"carbon-3.2.log", LogFormat::kWso2Carbon, 11, 5},
      {"carbon-2.6.log", LogFormat::kWso2Carbon, 8, 5},
      {"errors-4.0.log", LogFormat::kWso2Errors, 3, 3},
      {"errors-4.3.log", LogFormat::kWso2Errors, 9, 2},
      {"audit.log", LogFormat::kWso2Audit, 2, 2},
      {"http_access.log", LogFormat::kTomcatAccess, 7, 7},
      {"carbon-4.2.log", LogFormat::kPlain, 87, 87},
  }));
  CAPTURE(file, format);
  FileReadStats stats;
  uint64_t seen = 0, joined = 0;
  auto st = ReadRecordsFromFile(
      Fixture(file), Spec(format), [&](const Record& r) { ++seen, joined += r.lines; }, &stats);
  REQUIRE(st.ok());
  CHECK(stats.lines == lines);
  CHECK(stats.records == records);
  CHECK(seen == records);
  CHECK(joined == lines);
  CHECK(stats.long_lines == 0);
}

TEST_CASE("replayed carbon records keep their stack traces whole", "[collectors][logs][replay]") {
  std::vector<Record> got;
  FileReadStats stats;
  REQUIRE(ReadRecordsFromFile(
              Fixture("carbon-4.2.log"), Spec(LogFormat::kWso2Carbon),
              [&](const Record& r) { got.push_back(r); }, &stats)
              .ok());
  REQUIRE(got.size() == 42);
  // Record 21 (0-based 20) is the schema failure: first line + 4 frames + 2 Caused by blocks
  // + the "  Position: 39" message line + the trailing blank line = 15 lines.
  const Record& r = got[20];
  CHECK(r.level == Level::kError);
  CHECK(r.logger == "org.wso2.carbon.apimgt.impl.internal.APIManagerComponent");
  CHECK(r.lines == 15);
  CHECK(r.text.find("relation \"am_system_configs\" does not exist\n  Position: 39") !=
        std::string::npos);
  CHECK(FormatRfc3339(r.time) == "2024-11-16T02:13:19.474Z");
  // The JUL lines at the end, hour 3 unpadded.
  CHECK(FormatRfc3339(got[41].time) == "2024-11-16T03:05:41.221Z");
  CHECK(got[41].FirstLine().find("Halting JVM ") != std::string::npos);
  // Offsets chain: each record starts where the previous ended.
  for (size_t i = 1; i < got.size(); ++i) CHECK(got[i].offset == got[i - 1].end_offset);
}

TEST_CASE("2.6 carbon traces on following lines join their record", "[collectors][logs][replay]") {
  std::vector<Record> got;
  REQUIRE(ReadRecordsFromFile(
              Fixture("carbon-2.6.log"), Spec(LogFormat::kWso2Carbon),
              [&](const Record& r) { got.push_back(r); }, nullptr)
              .ok());
  REQUIRE(got.size() == 5);
  CHECK(got[0].lines == 4);
  CHECK(got[0].logger == "org.wso2.carbon.registry.core.dataaccess.TransactionManager");
  CHECK(got[0].text.find("\norg.apache.tomcat.jdbc.pool.PoolExhaustedException") !=
        std::string::npos);
}

TEST_CASE("4.3 errors-log exceptions on the next line join their record",
          "[collectors][logs][replay]") {
  std::vector<Record> got;
  REQUIRE(ReadRecordsFromFile(
              Fixture("errors-4.3.log"), Spec(LogFormat::kWso2Errors),
              [&](const Record& r) { got.push_back(r); }, nullptr)
              .ok());
  REQUIRE(got.size() == 2);
  CHECK(got[0].lines == 8);
  CHECK(got[0].level == Level::kError);
  CHECK(got[1].lines == 1);
  CHECK(got[1].level == Level::kWarn);
}

TEST_CASE("gzip files replay exactly like the plain file", "[collectors][logs][replay]") {
  testing::TempDir dir;
  auto text = ReadFile(Fixture("carbon-4.0.log"), 1ull << 30);
  REQUIRE(text.ok());
  WriteGzip(dir / "wso2carbon-11-16-2024-1.log.gz", *text);
  FileReadStats stats;
  std::vector<std::string> firsts;
  REQUIRE(ReadRecordsFromFile(
              dir / "wso2carbon-11-16-2024-1.log.gz", Spec(LogFormat::kWso2Carbon),
              [&](const Record& r) { firsts.emplace_back(r.FirstLine()); }, &stats)
              .ok());
  CHECK(stats.lines == 25);
  CHECK(stats.records == 7);
  CHECK(stats.bytes == text->size());
  REQUIRE(firsts.size() == 7);
  CHECK(firsts[0].find("JMS Connection failed") != std::string::npos);
}

TEST_CASE("a cut gzip file hands on what it holds, then reports the damage",
          "[collectors][logs][replay]") {
  testing::TempDir dir;
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "line " + std::to_string(i) + " some padding text\n";
  WriteGzip(dir / "a.gz", content);
  auto gz = ReadFile(dir / "a.gz", 1ull << 30);
  REQUIRE(gz.ok());
  dir.Write("cut.gz", std::string_view(*gz).substr(0, gz->size() / 2));
  FileReadStats stats;
  auto st = ReadRecordsFromFile(dir / "cut.gz", Spec(LogFormat::kPlain), nullptr, &stats);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("cut.gz: gzip:") != std::string::npos);
  CHECK(stats.lines > 1000);
  CHECK(stats.lines < 20000);
  CHECK(stats.records == stats.lines);
}

TEST_CASE("a last line without newline is still a line", "[collectors][logs][replay]") {
  testing::TempDir dir;
  auto p = dir.Write("a.log", "one\ntwo");
  FileReadStats stats;
  std::vector<std::string> got;
  REQUIRE(ReadRecordsFromFile(
              p, Spec(LogFormat::kPlain), [&](const Record& r) { got.push_back(r.text); }, &stats)
              .ok());
  CHECK(got == std::vector<std::string>{"one", "two"});
  CHECK(stats.bytes == 7);
}

TEST_CASE("replay errors name the file and reason", "[collectors][logs][replay]") {
  testing::TempDir dir;
  auto st = ReadRecordsFromFile(dir / "missing.log", Spec(LogFormat::kPlain), nullptr, nullptr);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("missing.log: cannot open: No such file or directory") !=
        std::string::npos);
  auto d = ReadRecordsFromFile(dir.path(), Spec(LogFormat::kPlain), nullptr, nullptr);
  REQUIRE_FALSE(d.ok());
}

TEST_CASE("long lines in a replayed file are counted and cut", "[collectors][logs][replay]") {
  testing::TempDir dir;
  auto spec = Spec(LogFormat::kPlain);
  spec.max_line = 256;
  auto p = dir.Write("a.log", std::string(1000, 'z') + "\nshort\n" + std::string(257, 'q') + "\n");
  FileReadStats stats;
  std::vector<size_t> sizes;
  REQUIRE(ReadRecordsFromFile(
              p, spec, [&](const Record& r) { sizes.push_back(r.text.size()); }, &stats)
              .ok());
  CHECK(sizes == std::vector<size_t>{256, 5, 256});
  CHECK(stats.long_lines == 2);
}

}  // namespace cg
