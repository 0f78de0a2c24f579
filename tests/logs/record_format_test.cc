#include "collectors/logs/record_format.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

namespace cg {
namespace {

std::shared_ptr<const RecordFormat> Format(LogFormat format, std::string_view entry = "") {
  auto f = RecordFormat::Create(format, entry);
  REQUIRE(f.ok());
  return *f;
}

std::vector<std::string> FixtureLines(const std::string& name) {
  std::ifstream in(std::string(CG_FIXTURES_DIR) + "/logs/" + name);
  REQUIRE(in.good());
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

size_t CountEntries(const RecordFormat& f, const std::vector<std::string>& lines) {
  size_t n = 0;
  EntryHeader h;
  for (const auto& l : lines) n += f.Match(l, &h) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("carbon entry starts match every WSO2 carbon layout and no continuation line",
          "[collectors][logs][format]") {
  auto f = Format(LogFormat::kWso2Carbon);
  auto [file, lines, entries] = GENERATE(table<std::string, size_t, size_t>({
      {"carbon-4.2.log", 87, 42},
      {"carbon-4.0.log", 25, 7},
      {"carbon-3.2.log", 11, 5},
      {"carbon-2.6.log", 8, 5},
  }));
  CAPTURE(file);
  auto l = FixtureLines(file);
  CHECK(l.size() == lines);
  CHECK(CountEntries(*f, l) == entries);
}

TEST_CASE("carbon lines yield time, level and logger", "[collectors][logs][format]") {
  auto f = Format(LogFormat::kWso2Carbon);
  EntryHeader h;
  REQUIRE(
      f->Match("TID: [] [] [2024-11-16 02:13:19,474] ERROR "
               "{org.wso2.carbon.apimgt.impl.internal.APIManagerComponent} - Error while "
               "initializing",
               &h));
  CHECK(h.has_time);
  CHECK(h.civil.year == 2024);
  CHECK(h.civil.month == 11);
  CHECK(h.civil.day == 16);
  CHECK(h.civil.hour == 2);
  CHECK(h.civil.minute == 13);
  CHECK(h.civil.second == 19);
  CHECK(h.civil.millis == 474);
  CHECK(h.level == Level::kError);
  CHECK(h.logger == "org.wso2.carbon.apimgt.impl.internal.APIManagerComponent");
}

TEST_CASE("entry starts say where the message begins after the header",
          "[collectors][logs][format]") {
  struct Case {
    LogFormat format;
    std::string line, message;
  };
  auto c = GENERATE(values<Case>({
      {LogFormat::kWso2Carbon,
       "TID: [-1234] [] [2024-11-16 02:13:19,474] ERROR {a.b.C} - Error while x", "Error while x"},
      // Two spaces after "-" (2.6): the message keeps its leading space.
      {LogFormat::kWso2Carbon, "TID: [] [] [2019-03-15 10:24:07,882] ERROR {a.B} -  msg {a.B}",
       " msg {a.B}"},
      // 2.6 tenant prefix: the regex path.
      {LogFormat::kWso2Carbon,
       "TID: [5] [] [2019-03-15 10:24:07,882] admin@t.com [5] [AM] ERROR {a.B} - Failed x",
       "Failed x"},
      {LogFormat::kWso2Carbon, "TID: [] [] [2024-11-16 02:13:19,474]  INFO {a.B} - ", ""},
      {LogFormat::kWso2Errors,
       "2024-11-16T02:20:41,605 [-] [HTTP-Sender I/O dispatcher-2]  WARN "
       "ConnectCallback Connection refused or failed",
       "Connection refused or failed"},
      {LogFormat::kWso2Errors, "2024-11-16T02:13:19,474 [-] [main] ERROR {a.b.C} Error while init",
       "Error while init"},
      {LogFormat::kWso2Audit,
       "TID: [-1234] [2024-11-16 02:35:10,402]  INFO {AUDIT_LOG} - Initiator : admin",
       "Initiator : admin"},
      {LogFormat::kWso2Audit, "[2019-03-15 10:24:07,882]  INFO -  'admin@carbon.super' logged in",
       " 'admin@carbon.super' logged in"},
      {LogFormat::kPlain, "anything at all", "anything at all"},
      {LogFormat::kTomcatAccess,
       "10.0.0.1 - - [16/Nov/2024:02:15:44 +0000] \"GET / HTTP/1.1\" 200 5",
       "10.0.0.1 - - [16/Nov/2024:02:15:44 +0000] \"GET / HTTP/1.1\" 200 5"},
  }));
  CAPTURE(c.format, c.line);
  auto f = Format(c.format);
  EntryHeader h;
  REQUIRE(f->Match(c.line, &h));
  REQUIRE(h.message_offset <= c.line.size());
  CHECK(c.line.substr(h.message_offset) == c.message);
}

TEST_CASE("JUL shutdown lines with an unpadded hour are entry starts with their time",
          "[collectors][logs][format]") {
  auto f = Format(LogFormat::kWso2Carbon);
  EntryHeader h;
  REQUIRE(
      f->Match("TID: [-1234] [] [2024-11-16 3:05:41,221]  INFO "
               "{org.wso2.carbon.core.init.CarbonServerManager} - Halting JVM ",
               &h));
  CHECK(h.civil.hour == 3);
  CHECK(h.civil.minute == 5);
  CHECK(h.civil.second == 41);
  CHECK(h.civil.millis == 221);
  CHECK(h.level == Level::kInfo);
  CHECK(h.logger == "org.wso2.carbon.core.init.CarbonServerManager");
}

TEST_CASE("carbon 2.6 lines with a tenant prefix before the level still match",
          "[collectors][logs][format]") {
  auto f = Format(LogFormat::kWso2Carbon);
  EntryHeader h;
  REQUIRE(
      f->Match("TID: [5] [] [2019-03-15 10:24:07,882] admin@t.com [5] [AM] ERROR "
               "{org.x.Y} -  boom {org.x.Y}",
               &h));
  CHECK(h.level == Level::kError);
  CHECK(h.logger == "org.x.Y");
}

TEST_CASE("JUL level names map to log4j levels", "[collectors][logs][format]") {
  auto f = Format(LogFormat::kWso2Carbon);
  EntryHeader h;
  REQUIRE(f->Match("TID: [-1234] [] [2024-11-16 3:05:41,221]  WARNING {a.B} - x", &h));
  CHECK(h.level == Level::kWarn);
  REQUIRE(f->Match("TID: [-1234] [] [2024-11-16 3:05:41,221]  SEVERE {a.B} - x", &h));
  CHECK(h.level == Level::kError);
}

TEST_CASE("stack frames, Caused by and indented message lines are not entry starts",
          "[collectors][logs][format]") {
  auto f = Format(LogFormat::kWso2Carbon);
  EntryHeader h;
  for (const char* l :
       {"\tat "
        "org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:"
        "2676)",
        "Caused by: org.postgresql.util.PSQLException: ERROR: relation \"x\" does not exist",
        "  Position: 39", "", "\t... 61 more",
        "The last packet successfully received from the server was 95,113 milliseconds ago.",
        "TID: [] [] [2024-11-16 02:13:19,474] ERROR missing braces - x"}) {
    CAPTURE(l);
    CHECK_FALSE(f->Match(l, &h));
  }
}

TEST_CASE("errors log entry starts cover the %c{1} and {%c} layouts",
          "[collectors][logs][format]") {
  auto f = Format(LogFormat::kWso2Errors);
  CHECK(CountEntries(*f, FixtureLines("errors-4.0.log")) == 3);
  CHECK(CountEntries(*f, FixtureLines("errors-4.3.log")) == 2);
  EntryHeader h;
  REQUIRE(
      f->Match("2024-11-16T02:20:41,605 [-] [HTTP-Sender I/O dispatcher-2]  WARN "
               "ConnectCallback Connection refused",
               &h));
  CHECK(h.logger == "ConnectCallback");
  CHECK(h.level == Level::kWarn);
  CHECK(h.civil.hour == 2);
  REQUIRE(
      f->Match("2024-11-16T02:13:19,474 [-] [Start Level: Equinox Container: 5a1f] ERROR "
               "{org.wso2.carbon.apimgt.impl.internal.APIManagerComponent} Error",
               &h));
  CHECK(h.logger == "org.wso2.carbon.apimgt.impl.internal.APIManagerComponent");
  CHECK(h.level == Level::kError);
  // log4j 1.2 ISO8601 has a space instead of the T.
  CHECK(f->Match("2019-03-15 10:24:07,882 [-] [main] ERROR TransactionManager x", &h));
  CHECK_FALSE(f->Match("org.wso2.carbon.apimgt.api.APIManagementException: Error while", &h));
}

TEST_CASE("audit entry starts cover 3.x/4.x and 2.6", "[collectors][logs][format]") {
  auto f = Format(LogFormat::kWso2Audit);
  CHECK(CountEntries(*f, FixtureLines("audit.log")) == 2);
  EntryHeader h;
  REQUIRE(
      f->Match("[2019-03-15 10:24:07,882]  INFO -  'admin@carbon.super [-1234]' logged in", &h));
  CHECK(h.level == Level::kInfo);
  CHECK(h.civil.year == 2019);
  CHECK_FALSE(f->Match("  continuation of a JSON blob", &h));
}

TEST_CASE("tomcat access lines are records with the zone they carry",
          "[collectors][logs][format]") {
  auto f = Format(LogFormat::kTomcatAccess);
  CHECK(f->line_per_record());
  EntryHeader h;
  REQUIRE(f->Match("10.1.9.40 - - [18/Mar/2021:10:04:27 +0530] GET /x HTTP/1.1 200 2104 - UA 0.014",
                   &h));
  CHECK(h.has_zone);
  // 10:04:27 at +05:30 is 04:34:27 UTC.
  CHECK(FormatRfc3339(h.instant) == "2021-03-18T04:34:27.000Z");
  CHECK(f->Match("garbage that is still a line", &h));
  CHECK_FALSE(h.has_time);
}

TEST_CASE("custom formats use named time, level and logger groups", "[collectors][logs][format]") {
  auto f = Format(LogFormat::kCustom, R"((?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})\|)");
  CHECK(CountEntries(*f, FixtureLines("correlation.log")) == 3);
  auto g = Format(LogFormat::kCustom,
                  R"(\[(?P<time>[^\]]+)\] +(?P<level>[A-Z]+) \{(?P<logger>[^}]*)\})");
  EntryHeader h;
  REQUIRE(
      g->Match("[2024-11-16 02:13:02,118]  INFO {API_LOG} admin--PizzaShackAPI:v1.0.0 - x", &h));
  CHECK(h.has_time);
  CHECK(h.civil.second == 2);
  CHECK(h.level == Level::kInfo);
  CHECK(h.logger == "API_LOG");
  // Custom patterns are anchored at the line start.
  CHECK_FALSE(g->Match("xx [2024-11-16 02:13:02,118]  INFO {API_LOG} - x", &h));
}

TEST_CASE("format and start_at names parse both ways and unknown names are refused",
          "[collectors][logs][format]") {
  for (const auto& name : LogFormatNames()) {
    auto f = ParseLogFormat(name);
    REQUIRE(f.has_value());
    CHECK(LogFormatName(*f) == name);
  }
  CHECK(LogFormatNames().size() == 7);
  CHECK_FALSE(ParseLogFormat("wso2-karbon").has_value());
  CHECK_FALSE(ParseLogFormat("").has_value());
  CHECK(ParseStartAt("end") == StartAt::kEnd);
  CHECK(ParseStartAt("beginning") == StartAt::kBeginning);
  CHECK(StartAtName(StartAt::kBeginning) == "beginning");
  CHECK_FALSE(ParseStartAt("middle").has_value());
}

TEST_CASE("bad regexes are errors that say why", "[collectors][logs][format]") {
  auto b = RecordFormat::Create(LogFormat::kCustom, "(unclosed");
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message().find("invalid entry_start regex") != std::string::npos);
  auto c = RecordFormat::Create(LogFormat::kCustom, "");
  REQUIRE_FALSE(c.ok());
}

TEST_CASE("log timestamps parse leniently but reject impossible values",
          "[collectors][logs][format]") {
  CivilTime t;
  CHECK(ParseLogTimestamp("2024-11-16T02:13:19.474", &t));
  CHECK(t.millis == 474);
  CHECK(ParseLogTimestamp("2024-11-16 02:13:19", &t));
  CHECK(t.millis == 0);
  CHECK(ParseLogTimestamp("2024-02-29 9:00:00,000", &t));
  CHECK(t.hour == 9);
  CHECK_FALSE(ParseLogTimestamp("2024-13-01 00:00:00,000", &t));
  CHECK_FALSE(ParseLogTimestamp("2024-11-16 24:00:00,000", &t));
  CHECK_FALSE(ParseLogTimestamp("2024-11-16 02:13", &t));
  CHECK_FALSE(ParseLogTimestamp("2024-11-16 02:13:19,47", &t));
  CHECK_FALSE(ParseLogTimestamp("", &t));
}

TEST_CASE("the time converter applies fixed zones and caches per hour",
          "[collectors][logs][format]") {
  TimeConverter tc(TimeZone::FixedOffset(std::chrono::hours(2)));
  CivilTime a{2024, 11, 16, 3, 5, 41, 220};
  CHECK(FormatRfc3339(tc.ToWall(a)) == "2024-11-16T01:05:41.220Z");
  CivilTime b{2024, 11, 16, 3, 59, 59, 999};
  CHECK(FormatRfc3339(tc.ToWall(b)) == "2024-11-16T01:59:59.999Z");
  CivilTime c{2024, 11, 17, 0, 0, 0, 1};
  CHECK(FormatRfc3339(tc.ToWall(c)) == "2024-11-16T22:00:00.001Z");
}

}  // namespace cg
