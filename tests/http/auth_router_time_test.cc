// Pure pieces of the HTTP layer: token checks, routing, time parameters, history lookups.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "base/units.h"
#include "daemon/http/auth.h"
#include "daemon/http/history_snapshot.h"
#include "daemon/http/router.h"
#include "daemon/http/time_param.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

TEST_CASE("constant-time comparison is plain equality", "[http][auth]") {
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abd", "abc"));
  CHECK_FALSE(ConstantTimeEquals("ab", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abcd", "abc"));
  CHECK_FALSE(ConstantTimeEquals("", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abcabc", "abc"));  // Wrapping must not make a repeat match.
  CHECK(ConstantTimeEquals("", ""));
}

TEST_CASE("bearer checks distinguish disabled, missing, wrong and ok", "[http][auth]") {
  using R = AuthResult;
  auto [header, token, want] = GENERATE(table<std::string, std::string, R>({
      {"Bearer tok", "tok", R::kOk},
      {"bearer tok", "tok", R::kOk},
      {"  Bearer   tok  ", "tok", R::kOk},
      {"Bearer tok", "", R::kDisabled},
      {"", "tok", R::kMissing},
      {"Bearer ", "tok", R::kMissing},
      {"Basic dG9r", "tok", R::kMissing},
      {"Bearertok", "tok", R::kMissing},
      {"Bearer tok2", "tok", R::kWrong},
      {"Bearer TOK", "tok", R::kWrong},
  }));
  INFO(header);
  CHECK(CheckBearer(header, token) == want);
}

// Writes a token file with `mode` (TempDir writes with the umask, usually 0644).
std::filesystem::path TokenFile(const testing::TempDir& dir, std::string_view name,
                                std::string_view content, mode_t mode = 0600) {
  auto p = dir.Write(name, content);
  ::chmod(p.c_str(), mode);
  return p;
}

TEST_CASE("token files are trimmed and validated", "[http][auth]") {
  testing::TempDir dir;
  auto ok = LoadApiToken(TokenFile(dir, "token", "  abc123abc123abc123\n"));
  REQUIRE(ok.ok());
  CHECK(*ok == "abc123abc123abc123");
  auto empty = LoadApiToken(TokenFile(dir, "empty", "\n\n"));
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message() == (dir / "empty").string() + ": token file is empty");
  auto two = LoadApiToken(TokenFile(dir, "two", "abcdefghij klmnopqrst\n"));
  REQUIRE_FALSE(two.ok());
  CHECK(two.error().message() == (dir / "two").string() +
                                     ": token contains whitespace or control characters (one "
                                     "token, one line)");
  auto control = LoadApiToken(TokenFile(dir, "control", "abcdefghij\x01klmnopqrst"));
  REQUIRE_FALSE(control.ok());
  CHECK(control.error().message().find("whitespace or control characters") != std::string::npos);
  auto missing = LoadApiToken(dir / "missing");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("No such file or directory") != std::string::npos);
}

TEST_CASE("a token file readable by others is refused with its mode", "[http][auth]") {
  testing::TempDir dir;
  auto p = TokenFile(dir, "token", "0123456789abcdef0123\n", 0644);
  auto t = LoadApiToken(p);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message() == p.string() +
                                   ": readable by others (mode 0644); chmod 600 (or 640 with the "
                                   "daemon's group) so only the daemon can read the token");
}

TEST_CASE("a group-readable token file is accepted, as the package installs it 0640",
          "[http][auth]") {
  testing::TempDir dir;
  auto t = LoadApiToken(TokenFile(dir, "token", "0123456789abcdef0123\n", 0640));
  REQUIRE(t.ok());
  CHECK(*t == "0123456789abcdef0123");
}

TEST_CASE("a token shorter than 16 characters is refused", "[http][auth]") {
  testing::TempDir dir;
  auto p = TokenFile(dir, "token", "short-token-15c\n");
  auto t = LoadApiToken(p);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message().rfind(p.string() + ": token is 15 characters; use at least 16", 0) ==
        0);
  CHECK(LoadApiToken(TokenFile(dir, "token16", "sixteen-chars-ok\n")).ok());
}

TEST_CASE("an endless token file such as /dev/zero is refused by the size cap", "[http][auth]") {
  auto t = LoadApiToken("/dev/zero");
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message() == "/dev/zero: larger than 4096 bytes (refused)");
}

Router TestRouter() {
  Router r;
  auto named = [](std::string name) {
    return [name](const ApiRequest&) { return Reply{200, "text/plain", name, {}}; };
  };
  r.Add("GET", "/", false, named("index"));
  r.Add("GET", "/api/v1/alerts", false, named("alerts"));
  r.Add("POST", "/api/v1/alerts/{id}/ack", true, named("ack"));
  r.Add("GET", "/metrics", false, named("metrics"));
  return r;
}

TEST_CASE("routes match literal paths and capture placeholders", "[http][router]") {
  Router r = TestRouter();
  auto m = r.Find("POST", "/api/v1/alerts/abc-1/ack");
  REQUIRE(m.route != nullptr);
  CHECK(m.route->pattern == "/api/v1/alerts/{id}/ack");
  CHECK(m.args == std::vector<std::string>{"abc-1"});
  REQUIRE(r.Find("GET", "/").route != nullptr);
  CHECK(r.Find("GET", "/").route->pattern == "/");
  REQUIRE(r.Find("HEAD", "/metrics").route != nullptr);
}

TEST_CASE("unknown paths have no allow list and known ones name their methods", "[http][router]") {
  Router r = TestRouter();
  for (const char* path : {"/metrics/", "/api/v1/alerts//ack", "/api/v1/alerts/x/ack/more",
                           "/api/v1/alerts/x", "//", "metrics", ""}) {
    INFO(path);
    auto m = r.Find("GET", path);
    CHECK(m.route == nullptr);
    CHECK(m.allow.empty());
  }
  auto m = r.Find("GET", "/api/v1/alerts/x/ack");
  CHECK(m.route == nullptr);
  CHECK(m.allow == "POST");
  CHECK(r.Find("PUT", "/metrics").allow == "GET, HEAD");
}

TEST_CASE("metric labels are route patterns or other", "[http][router]") {
  Router r = TestRouter();
  CHECK(r.LabelFor("POST", "/api/v1/alerts/zz/ack") == "/api/v1/alerts/{id}/ack");
  CHECK(r.LabelFor("DELETE", "/metrics") == "/metrics");
  CHECK(r.LabelFor("GET", "/random/path") == "other");
  CHECK(r.Patterns() ==
        std::vector<std::string>{"/", "/api/v1/alerts", "/api/v1/alerts/{id}/ack", "/metrics"});
}

TEST_CASE("time parameters accept RFC 3339, Unix seconds and durations ago", "[http][time]") {
  const WallTime now = WallTime(std::chrono::seconds(1'764'036'000));  // 2025-11-25T02:00:00Z
  auto [text, want] = GENERATE(table<std::string, std::string>({
      {"2026-11-25T02:00:00Z", "2026-11-25T02:00:00.000Z"},
      {"2026-11-25t02:00:00.250z", "2026-11-25T02:00:00.250Z"},
      {"2026-11-25T07:30:00+05:30", "2026-11-25T02:00:00.000Z"},
      {"2026-11-24T21:00:00-05:00", "2026-11-25T02:00:00.000Z"},
      {"2026-11-25 02:00:00Z", "2026-11-25T02:00:00.000Z"},
      {"1764036000", "2025-11-25T02:00:00.000Z"},
      {"1764036000.5", "2025-11-25T02:00:00.500Z"},
      {"15m", "2025-11-25T01:45:00.000Z"},
      {"1h30m", "2025-11-25T00:30:00.000Z"},
  }));
  INFO(text);
  auto t = ParseTimeParam(text, now);
  REQUIRE(t.ok());
  CHECK(FormatRfc3339(*t) == want);
}

TEST_CASE("malformed time parameters are errors that say what was expected", "[http][time]") {
  const WallTime now = WallTime(std::chrono::seconds(1'764'036'000));
  for (const char* text : {"", "yesterday", "15x", "2026-11-25T25:00:00Z",
                           "2026-11-25T02:00:00+99:00", "1e20", "1.2.3", "-5m"}) {
    INFO(text);
    CHECK_FALSE(ParseTimeParam(text, now).ok());
  }
  CHECK(ParseTimeParam("yesterday", now).error().message() ==
        "invalid time \"yesterday\": expected RFC 3339 (2026-11-25T02:00:00Z), Unix seconds, or "
        "a duration ago (15m)");
}

TEST_CASE("time parameters beyond the clock's range are errors, not overflows", "[http][time]") {
  // Found by fuzz_units (UBSan: signed overflow in the time arithmetic).
  const WallTime now = WallTime(std::chrono::seconds(1'764'036'000));
  for (const char* text : {"9223372036854775807ms", "99999999999", "7258118400"}) {
    INFO(text);
    CHECK_FALSE(ParseTimeParam(text, now).ok());
  }
  CHECK(ParseTimeParam("7258118399", now).ok());
  // A year the clock cannot count is clamped, never wrapped.
  auto far = ParseTimeParam("9999-12-31T23:59:59Z", now);
  REQUIRE(far.ok());
  CHECK(*far == WallTime(std::chrono::seconds(kLatestUnixSeconds)));
}

TEST_CASE("history lookups return the points at or after since", "[http][history]") {
  HistorySnapshot h;
  WallTime t(std::chrono::seconds(1000));
  h.Set("host.load1", "",
        {{t, 1}, {t + std::chrono::seconds(1), 2}, {t + std::chrono::seconds(2), 3}});
  auto [a, b] = h.Since("host.load1", "", t + std::chrono::milliseconds(500));
  REQUIRE(b - a == 2);
  CHECK(a->value == 2);
  auto [c, d] = h.Since("host.load1", "", t + std::chrono::seconds(1));
  CHECK(d - c == 2);
  auto [e, f] = h.Since("host.load1", "", WallTime::min());
  CHECK(f - e == 3);
  auto [g, i] = h.Since("host.load1", "", t + std::chrono::seconds(5));
  CHECK(i - g == 0);
  auto [j, k] = h.Since("host.load1", "other", t);
  CHECK(j == nullptr);
  CHECK(k == nullptr);
  CHECK(h.Find("host.load1", "") != nullptr);
  CHECK(h.Keys().size() == 1);
}

}  // namespace
}  // namespace cg
