#include "collectors/logs/carbon_header.h"

#include <re2/re2.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace cg {
namespace {

std::vector<std::string> CarbonFixtureLines() {
  std::vector<std::string> lines;
  for (const char* name :
       {"carbon-4.2.log", "carbon-4.0.log", "carbon-3.2.log", "carbon-2.6.log"}) {
    std::ifstream in(std::string(CG_FIXTURES_DIR) + "/logs/" + name);
    REQUIRE(in.good());
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  return lines;
}

struct RegexHeader {
  bool matched = false;
  std::string time, level, logger;
};

RegexHeader ByRegex(const RE2& re, std::string_view line) {
  re2::StringPiece g[4];
  RegexHeader r;
  r.matched = re.Match(line, 0, line.size(), RE2::ANCHOR_START, g, 4);
  if (r.matched) {
    r.time = std::string(g[1]);
    r.level = std::string(g[2]);
    r.logger = std::string(g[3]);
  }
  return r;
}

// Whatever the hand parser accepts, the regex accepts with the same fields.
void CheckAgreesWithRegex(const RE2& re, const std::string& line) {
  EntryHeader h;
  if (!ParseCarbonHeader(line, &h)) return;
  INFO(line);
  const RegexHeader r = ByRegex(re, line);
  REQUIRE(r.matched);
  CHECK(ParseLevel(r.level) == h.level);
  CHECK(r.logger == h.logger);
  CivilTime t;
  CHECK(ParseLogTimestamp(r.time, &t) == h.has_time);
  if (h.has_time) {
    CHECK(t.year == h.civil.year);
    CHECK(t.hour == h.civil.hour);
    CHECK(t.millis == h.civil.millis);
  }
}

RE2::Options Latin1() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  return o;
}

}  // namespace

TEST_CASE("the carbon hand parser reads the common layout's fields", "[collectors][logs][format]") {
  EntryHeader h;
  REQUIRE(ParseCarbonHeader(
      "TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO {org.wso2.carbon.core.Foo} - Started", &h));
  CHECK(h.level == Level::kInfo);
  CHECK(h.logger == "org.wso2.carbon.core.Foo");
  REQUIRE(h.has_time);
  CHECK(h.civil.year == 2024);
  CHECK(h.civil.month == 11);
  CHECK(h.civil.day == 16);
  CHECK(h.civil.hour == 2);
  CHECK(h.civil.second == 7);
  CHECK(h.civil.millis == 512);

  // JUL shutdown line: unpadded hour, SEVERE.
  REQUIRE(ParseCarbonHeader("TID: [-1234] [] [2024-11-16 3:05:41,220] SEVERE {x.Y} - gone", &h));
  CHECK(h.level == Level::kError);
  CHECK(h.civil.hour == 3);

  // A correlation id in the second field, a positive tenant id.
  REQUIRE(ParseCarbonHeader(
      "TID: [5] [a1b2-c3] [2024-11-16 02:14:07,512] ERROR {a.B} - x {not.the.logger} - y", &h));
  CHECK(h.level == Level::kError);
  CHECK(h.logger == "a.B");

  // The right shape with an impossible date is still an entry line, without a time.
  REQUIRE(ParseCarbonHeader("TID: [-1234] [] [2024-13-40 02:14:07,512]  WARN {a.B} - x", &h));
  CHECK_FALSE(h.has_time);
  CHECK(h.level == Level::kWarn);
}

TEST_CASE("the carbon hand parser declines what is not the common layout",
          "[collectors][logs][format]") {
  EntryHeader h;
  for (const char* line : {
           "\tat org.wso2.Foo.bar(Foo.java:12)",
           "TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO {a.B} -",  // No space after '-'.
           "TID: [-1234] [] [2024-11-16 02:14:07,512]  NOTICE {a.B} - x",
           "TID: [-1234] [] [2024-11-16 02:14:07]  INFO {a.B} - x",  // No millis.
           "TID: [-1234] [] [2024-11-16T02:14:07,512]  INFO {a.B} - x",
           "TID: [-12a4] [] [2024-11-16 02:14:07,512]  INFO {a.B} - x",
           "TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO a.B - x",
           "TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO {a.B x",
           "TID: [-1234] [",
           // 2.6 %P tenant prefix: left to the regex.
           "TID: [5] [] [2019-03-15 10:24:07,882] admin@t.com [5] [AM] ERROR {a.B} - x",
       }) {
    INFO(line);
    CHECK_FALSE(ParseCarbonHeader(line, &h));
  }
}

TEST_CASE("the carbon hand parser agrees with the entry regex on fixtures and mutations",
          "[collectors][logs][format]") {
  const RE2 re(CarbonEntryPattern(), Latin1());
  REQUIRE(re.ok());
  const std::vector<std::string> lines = CarbonFixtureLines();
  size_t accepted = 0, regex_only = 0;
  for (const auto& line : lines) {
    CheckAgreesWithRegex(re, line);
    EntryHeader h;
    const bool fast = ParseCarbonHeader(line, &h);
    accepted += fast ? 1 : 0;
    if (!fast && ByRegex(re, line).matched) ++regex_only;
  }
  // Every entry line of the fixtures (none has the 2.6 %P prefix) takes the fast path.
  CHECK(accepted == 42 + 7 + 5 + 5);
  CHECK(regex_only == 0);

  // Byte mutations of entry lines: the parser may decline more than the regex, never accept
  // something the regex reads differently.
  std::mt19937 rng(20261203);
  const std::string alphabet = "0123456789 -[]{}:,.TIDNFOWARESVEx\t";
  size_t mutated_accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string line = lines[rng() % lines.size()];
    if (line.empty()) continue;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % std::min<size_t>(line.size(), 80);
      switch (rng() % 3) {
        case 0:
          line[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          line.erase(at, 1);
          break;
        default:
          line.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
    }
    EntryHeader h;
    if (ParseCarbonHeader(line, &h)) ++mutated_accepted;
    CheckAgreesWithRegex(re, line);
  }
  CHECK(mutated_accepted > 1000);  // The property was exercised, not vacuous.
}

}  // namespace cg
