#include "base/state_file.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "base/fs.h"
#include "base/json_bounded.h"
#include "base/utf8.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

Status MustBeJsonObject(std::string_view text) {
  nlohmann::json j;
  if (Status s = ParseJsonBounded(text, &j); !s.ok()) return s;
  return j.is_object() ? Status::Ok() : Status::Error("not an object");
}

TEST_CASE("state files keep the previous generation and load the newest good one",
          "[base][state]") {
  testing::TempDir dir;
  const auto p = dir / "alerts.json";
  CHECK(LoadStateFile(p, 1 << 20, MustBeJsonObject).source == StateSource::kNone);
  REQUIRE(WriteStateFile(p, R"({"gen": 1})").ok());
  REQUIRE(WriteStateFile(p, R"({"gen": 2})").ok());
  CHECK(*ReadFile(PreviousGeneration(p), 1 << 20) == R"({"gen": 1})");

  StateLoad ok = LoadStateFile(p, 1 << 20, MustBeJsonObject);
  CHECK(ok.source == StateSource::kCurrent);
  CHECK(ok.text == R"({"gen": 2})");

  SECTION("damaged current: the previous one, and the damaged file is set aside") {
    const std::string damage = GENERATE(as<std::string>{}, "", "{\"gen\": ", "\x01\xff garbage");
    REQUIRE(WriteFileAtomic(p, damage).ok());
    StateLoad back = LoadStateFile(p, 1 << 20, MustBeJsonObject);
    CHECK(back.source == StateSource::kPrevious);
    CHECK(back.text == R"({"gen": 1})");
    CHECK(back.problem.find(p.string()) != std::string::npos);
    CHECK(std::filesystem::exists(p.string() + ".corrupt"));
    // The next write must not rotate the damaged file into .prev.
    REQUIRE(WriteStateFile(p, R"({"gen": 3})").ok());
    CHECK(*ReadFile(PreviousGeneration(p), 1 << 20) == R"({"gen": 1})");
  }
  SECTION("both damaged: nothing, and the reason names both") {
    REQUIRE(WriteFileAtomic(p, "x").ok());
    REQUIRE(WriteFileAtomic(PreviousGeneration(p), "y").ok());
    StateLoad none = LoadStateFile(p, 1 << 20, MustBeJsonObject);
    CHECK(none.source == StateSource::kDamaged);
    CHECK(none.text.empty());
    CHECK(none.problem.find("previous generation") != std::string::npos);
  }
  SECTION("a file over the cap is refused, not read whole") {
    REQUIRE(WriteFileAtomic(p, "{\"pad\": \"" + std::string(2000, 'a') + "\"}").ok());
    StateLoad capped = LoadStateFile(p, 1000, MustBeJsonObject);
    CHECK(capped.source == StateSource::kPrevious);
    CHECK(capped.problem.find("larger than 1000 bytes") != std::string::npos);
  }
}

TEST_CASE("reading is capped even for files that never end", "[base][fs]") {
  auto zero = ReadFile("/dev/zero", 4096);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().message() == "/dev/zero: larger than 4096 bytes (refused)");
  testing::TempDir dir;
  auto exact = ReadFile(dir.Write("f", std::string(4096, 'x')), 4096);
  REQUIRE(exact.ok());
  CHECK(exact->size() == 4096);
}

TEST_CASE("bounded JSON refuses deep nesting before parsing it", "[base][json]") {
  nlohmann::json j;
  const std::string deep = std::string(50'000, '[') + std::string(50'000, ']');
  Status s = ParseJsonBounded(deep, &j, 64);
  CHECK(s.message() == "nested deeper than 64 levels");
  CHECK(ParseJsonBounded(std::string(64, '[') + std::string(64, ']'), &j, 64).ok());
  // Brackets inside strings (escaped quotes too) are text, not nesting.
  CHECK(ParseJsonBounded(R"({"a": "[[[[\"[[[["})", &j, 1).ok());
  CHECK(ParseJsonBounded("{\"a\": tru", &j).message() == "not valid JSON");
  CHECK(ParseJsonBounded("[1]", &j, 64, 2).message() == "larger than 2 bytes");
}

TEST_CASE("a UTF-8 prefix never cuts a character", "[base][utf8]") {
  const std::string e = "\xC3\xA9";             // é, two bytes.
  const std::string euro = "\xE2\x82\xAC";      // €, three bytes.
  const std::string face = "\xF0\x9F\x98\x80";  // Four bytes.
  CHECK(Utf8PrefixLength("abc" + e, 4) == 3);
  CHECK(Utf8PrefixLength("abc" + e, 5) == 5);
  CHECK(Utf8PrefixLength(euro + euro, 5) == 3);
  CHECK(Utf8PrefixLength(face, 3) == 0);
  CHECK(Utf8PrefixLength("short", 100) == 5);
  // Property: every cut of valid text is valid text, and as long as it can be.
  std::mt19937 rng(7);
  const std::string pieces[] = {"a", e, euro, face, "\n"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) text += pieces[rng() % 5];
    const size_t max = rng() % (text.size() + 2);
    const size_t len = Utf8PrefixLength(text, max);
    INFO(round);
    CHECK(len <= max);
    CHECK(IsValidUtf8(std::string_view(text).substr(0, len)));
    CHECK(len + 4 > std::min(max, text.size()));
  }
  CHECK_FALSE(IsValidUtf8("wso2carbon\xff.log"));
  CHECK(SanitizedUtf8("wso2carbon\xff.log") == "wso2carbon\xEF\xBF\xBD.log");
}

}  // namespace
}  // namespace cg
