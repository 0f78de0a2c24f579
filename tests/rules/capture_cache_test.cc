#include "rules/capture_cache.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace cg {
namespace {

// The reference: RE2's own extraction of groups 1..n.
bool Reference(const RE2& re, std::string_view text, int groups, re2::StringPiece* out) {
  re2::StringPiece sub[CaptureCache::kMaxGroups + 1];
  if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, sub, groups + 1)) return false;
  for (int g = 0; g < groups; ++g) out[g] = sub[g + 1];
  return true;
}

// Same result, down to the positions in `text` (a cached answer must point into this text).
void CheckSame(CaptureCache& cache, const RE2& re, uint32_t key, const std::string& text) {
  INFO(re.pattern() << " on \"" << text << "\"");
  const int groups = re.NumberOfCapturingGroups();
  re2::StringPiece want[CaptureCache::kMaxGroups], got[CaptureCache::kMaxGroups];
  const bool want_ok = Reference(re, text, groups, want);
  REQUIRE(cache.Extract(re, key, text, groups, got) == want_ok);
  if (!want_ok) return;
  for (int g = 0; g < groups; ++g) {
    CHECK(got[g].data() == want[g].data());
    CHECK(got[g].size() == want[g].size());
  }
}

}  // namespace

TEST_CASE("capture extraction returns RE2's groups and serves repeats from the cache",
          "[rules][capture]") {
  CaptureCache cache;
  const RE2 re(R"(ERROR_CODE = (?:101503|101504),.* TRIGGER_NAME = (?P<api>[^,\s]+))");
  const std::string a =
      "ERROR_CODE = 101504, STATE = x, TRIGGER_NAME = admin--Orders:v1, CORRELATION_ID = 1";
  const std::string b =
      "ERROR_CODE = 101504, STATE = x, TRIGGER_NAME = admin--Orders:v1, CORRELATION_ID = 2";
  CheckSame(cache, re, 7, a);
  CHECK(cache.misses() == 1);
  CheckSame(cache, re, 7, b);  // Same span, different text around it.
  CHECK(cache.hits() == 1);
  re2::StringPiece api;
  REQUIRE(cache.Extract(re, 7, b, 1, &api));
  CHECK(api == "admin--Orders:v1");
  CHECK(api.data() >= b.data());
  CHECK(api.data() < b.data() + b.size());
  CheckSame(cache, re, 7, "no match here");
  CHECK(cache.size() == 1);
}

TEST_CASE("a text met again is answered from the text memo, in the new buffer",
          "[rules][capture]") {
  CaptureCache cache;
  const RE2 re(R"(\{api:(?P<api>[^}]+)\} STATUS = Executing default 'fault' sequence)");
  const std::string line =
      "{api:admin--OrdersAPI:v1.0.0} STATUS = Executing default 'fault' sequence, ERROR_CODE = 1";
  CheckSame(cache, re, 3, line);  // Seen.
  CheckSame(cache, re, 3, line);  // Kept.
  CHECK(cache.text_hits() == 0);
  const std::string again = line;  // Equal bytes, another buffer.
  CheckSame(cache, re, 3, again);
  CHECK(cache.text_hits() == 1);
  CHECK(cache.misses() == 1);  // The span cache ran once only.
  // Misses are remembered too, and stay misses.
  const std::string none = "{api:x} STATUS = Message received";
  re2::StringPiece api;
  for (int i = 0; i < 3; ++i) CHECK_FALSE(cache.Extract(re, 3, none, 1, &api));
  CHECK(cache.text_hits() == 2);
  // Another pattern key never sees this pattern's answers.
  CheckSame(cache, re, 4, again);
  CHECK(cache.text_hits() == 2);
}

TEST_CASE("capture extraction keys on the bytes around the span for word boundaries and anchors",
          "[rules][capture]") {
  CaptureCache cache;
  // The same span "ab" takes a different alternative depending on its neighbours.
  const RE2 re(R"((?:\b(a)|(a))(b)\b?)");
  CheckSame(cache, re, 1, "ab");   // At the text's start: \b holds, group 1.
  CheckSame(cache, re, 1, "xab");  // After a word byte: group 2.
  CheckSame(cache, re, 1, " ab");  // After a space: group 1 again.
  CheckSame(cache, re, 1, "xabc");
  const RE2 anchored(R"((^a|a)(b)($|c)?)");
  CheckSame(cache, anchored, 2, "ab");
  CheckSame(cache, anchored, 2, "zab");
  CheckSame(cache, anchored, 2, "zabc");
  CheckSame(cache, anchored, 2, "abz");
}

TEST_CASE("capture extraction agrees with RE2 on random texts", "[rules][capture]") {
  CaptureCache cache(64);  // Small: the clearing path runs too.
  const std::vector<RE2*> res = {
      new RE2(R"(\{api:(?P<api>[^}]+)\} STATUS = (\w+)(?:, CODE = (\d+))?)"),
      new RE2(R"((?:Connection refused|Timeout connecting to) : (?P<host>[^/\s]+)(/\S*)?)"),
      new RE2(R"(\b(x+)(y*)\b)"),
  };
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"{api:",     "A",         "B}",
                                           "} ",        "STATUS = ", "ok",
                                           ", CODE = ", "42",        "Connection refused",
                                           " : ",       "10.0.0.1",  "/p",
                                           " ",         "x",         "xx",
                                           "y",         "-",         "Timeout connecting to",
                                           "\n"};
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    const size_t r = rng() % res.size();
    CheckSame(cache, *res[r], static_cast<uint32_t>(r), text);
  }
  CHECK(cache.hits() > 0);
  CHECK(cache.size() <= 64);
  for (RE2* re : res) delete re;
}

}  // namespace cg
