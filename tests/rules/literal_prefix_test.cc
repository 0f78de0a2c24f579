#include "rules/literal_prefix.h"

#include <re2/re2.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "rules/capture_cache.h"

namespace cg {

TEST_CASE("the literal prefix stops at the first operator and drops quantified characters",
          "[rules][prefix]") {
  auto [pattern, prefix] = GENERATE(table<std::string, std::string>({
      {R"(ERROR_CODE = (?:101503|101504),.* TRIGGER_NAME = ([^,\s]+))", "ERROR_CODE = "},
      {R"(\{api:([^}]+)\} STATUS = Executing)", "{api:"},
      {R"(Timeout: Pool empty\. Unable)", "Timeout: Pool empty. Unable"},
      {R"(relation "[^"]+" does not exist)", "relation \""},
      {R"(abc*d)", "ab"},
      {R"(abc?)", "ab"},
      {R"(abc+)", "ab"},
      {R"(abc{2})", "ab"},
      {R"(ab\.?c)", "ab"},
      {R"(a\d+)", "a"},
      {R"(x\bword)", "x"},
      {R"(Waiting for required [A-Za-z ]+:)", "Waiting for required "},
      {R"(foo|bar)", ""},         // Top-level alternation.
      {R"(foo(?:x|y)|bar)", ""},  // Still top level.
      {R"(foo(?:x|y))", "foo"},   // Alternation inside a group only.
      {R"(foo[|]bar)", "foo"},    // '|' in a class is a character.
      {R"((?i)error)", ""},       // Flags.
      {R"(^start)", ""},          // Anchor.
      {R"(.*tail)", ""},
      {R"(\Qa.b\E)", ""},         // Quoting is not decoded.
      {"caf\xc3\xa9 ok", "caf"},  // Stops before non-ASCII.
      {R"(a\\b)", "a\\b"},        // Escaped backslash is a backslash.
      {"", ""},
  }));
  CAPTURE(pattern);
  CHECK(LiteralPrefix(pattern) == prefix);
}

TEST_CASE("the required literal is the longest fixed run outside groups and classes",
          "[rules][prefix]") {
  auto [pattern, literal] = GENERATE(table<std::string, std::string>({
      {R"(\{api:([^}]+)\} STATUS = Executing default 'fault' sequence, ERROR_CODE = (?:1|2)\b)",
       "} STATUS = Executing default 'fault' sequence, ERROR_CODE = "},
      {R"(STATUS = Message dispatched to the main sequence\. Invalid URL\., RESOURCE = ([^,\s]+))",
       "STATUS = Message dispatched to the main sequence. Invalid URL., RESOURCE = "},
      {R"(ab(cd)?efgh)", "efgh"},
      {R"(abcde*fg)", "abcd"},
      {R"(x[abc]+yyyy)", "yyyy"},
      {R"(Failed to retrieve Key Manager configuration with \d+ times)",
       "Failed to retrieve Key Manager configuration with "},
      {R"(a{2}bbb{1,3}cc)", "bb"},
      {R"(abc{,2}d)", "abc"},  // "{,2}" is not a repetition in RE2: '{' is a character.
      {R"(\pLabc\p{Greek}de)", "abc"},
      {R"(foo|barbaz)", ""},
      {R"((?i)abcdef)", ""},
      {R"(ab(?i:cd)efg)", ""},
      {R"(\x41bcdef)", ""},
      {R"([[:alpha:]]abcd)", ""},
      {R"(\Qabcd\E)", ""},
      {R"(\(?abcd)", ""},  // "(?" after an escaped paren: refused, to stay simple.
      {"", ""},
  }));
  CAPTURE(pattern);
  CHECK(RequiredLiteral(pattern) == literal);
}

TEST_CASE("every RE2 match contains the required literal", "[rules][prefix]") {
  const std::vector<std::string> patterns = {
      R"(ab+cd(e|f)gh)",   R"(x?abc\.d*e)",      R"((?:ab|cd)efg[h]+ij)",
      R"(q{2}rst{1,2}uv)", R"(\bword\s+more\b)",
  };
  const std::vector<std::string> pieces = {
      "a", "b",    "cd",     "e",   "f",     "gh",  "x",         "abc",    ".",
      "d", "efg",  "h",      "ij",  "q",     "rs",  "t",         "uv",     "word",
      " ", "more", "cdefgh", "hij", "qqrst", "tuv", "word more", "abbcde", "fgh"};
  std::mt19937 rng(5);
  for (const auto& p : patterns) {
    const RE2 re(p);
    REQUIRE(re.ok());
    const std::string literal = RequiredLiteral(p);
    CAPTURE(p, literal);
    REQUIRE(!literal.empty());
    int matched = 0;
    for (int round = 0; round < 20000; ++round) {
      std::string text;
      const int n = 1 + static_cast<int>(rng() % 16);
      for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
      if (!RE2::PartialMatch(text, re)) continue;
      ++matched;
      INFO(text);
      CHECK(text.find(literal) != std::string::npos);
    }
    CHECK(matched > 0);
  }
}

TEST_CASE("spans found from a literal prefix are RE2's leftmost matches", "[rules][prefix]") {
  const std::vector<std::string> patterns = {
      R"(abc*(d+)\b)", R"(ab(c|cd)(e)?)", R"(ab.*?(d))", R"(xx(x*)y)", R"(ab(\w+) = (\d+))",
  };
  std::vector<std::unique_ptr<RE2>> res;
  for (const auto& p : patterns) {
    res.push_back(std::make_unique<RE2>(p));
    REQUIRE(res.back()->ok());
    REQUIRE(LiteralPrefix(p).size() >= 2);
  }
  const std::vector<std::string> pieces = {"ab", "abc", "c", "d",   "dd", "e",  "x",           "xx",
                                           "y",  " ",   "=", " = ", "12", "\n", "ab ab ab ab "};
  std::mt19937 rng(11);
  CaptureCache cache(32);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 14);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    // Now and then more occurrences than the anchored attempts allow.
    if (round % 50 == 0)
      text = std::string(40, ' ') + [&] {
        std::string s;
        for (int i = 0; i < 20; ++i) s += "ab ";
        return s;
      }() + text;
    const size_t r = rng() % res.size();
    const RE2& re = *res[r];
    const int groups = re.NumberOfCapturingGroups();
    re2::StringPiece want[CaptureCache::kMaxGroups + 1], got[CaptureCache::kMaxGroups];
    const bool want_ok = re.Match(text, 0, text.size(), RE2::UNANCHORED, want, groups + 1);
    INFO(patterns[r] << " on \"" << text << "\"");
    REQUIRE(cache.Extract(re, static_cast<uint32_t>(r), text, groups, got) == want_ok);
    if (!want_ok) continue;
    for (int g = 0; g < groups; ++g) {
      CHECK(got[g].data() == want[g + 1].data());
      CHECK(got[g].size() == want[g + 1].size());
    }
  }
}

}  // namespace cg
