#include "collectors/logs/checkpoint.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "collectors/logs/dir_scan.h"

namespace cg {

TEST_CASE("checkpoints round-trip every field", "[collectors][logs][checkpoint]") {
  CheckpointState s;
  s.log = "carbon";
  s.pattern = "/logs/wso2carbon.log";
  s.max_mtime_ns = 1'700'000'000'123'456'789;
  CheckpointEntry e;
  e.path = "/logs/wso2carbon-11-16-2024-1.log";
  e.id = FileIdentity{2049, 1234567, 0xfedcba9876543210ULL};
  e.fp_len = 256;
  e.offset = 123456789012ULL;
  e.size = 123456789999ULL;
  e.mtime_ns = 42;
  e.live = false;
  e.finished = true;
  e.gz = true;
  e.guard = std::string("\0\xff\n ab", 6);
  s.files.push_back(e);
  auto back = ParseCheckpoint(SerializeCheckpoint(s));
  REQUIRE(back.ok());
  CHECK(back->log == s.log);
  CHECK(back->pattern == s.pattern);
  CHECK(back->max_mtime_ns == s.max_mtime_ns);
  REQUIRE(back->files.size() == 1);
  const auto& f = back->files[0];
  CHECK(f.path == e.path);
  CHECK(f.id == e.id);
  CHECK(f.fp_len == 256);
  CHECK(f.offset == e.offset);
  CHECK(f.size == e.size);
  CHECK(f.mtime_ns == 42);
  CHECK_FALSE(f.live);
  CHECK(f.finished);
  CHECK(f.gz);
  CHECK(f.guard == e.guard);
}

TEST_CASE("broken checkpoints are errors, never crashes", "[collectors][logs][checkpoint]") {
  for (std::string_view text : {"", "{", "[]", "{\"version\": 2}", "{\"version\": 1}",
                                "{\"version\":1,\"log\":\"a\",\"pattern\":\"p\",\"max_mtime_ns\":0,"
                                "\"files\":[{\"path\":3}]}"}) {
    CAPTURE(text);
    auto r = ParseCheckpoint(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().rfind("checkpoint: ", 0) == 0);
  }
}

TEST_CASE("rotated names of a live file are recognised, other logs are not",
          "[collectors][logs][dirscan]") {
  RotatedNameMatcher carbon("wso2carbon.log");
  for (const char* yes : {"wso2carbon-11-15-2024-1.log", "wso2carbon-11-15-2024.log",
                          "wso2carbon.log.2024-11-15", "wso2carbon.log.1", "wso2carbon-3.log.gz"}) {
    CAPTURE(yes);
    CHECK(carbon.Matches(yes));
  }
  for (const char* no : {"wso2carbon.log", "wso2carbon-trace-messages.log", "wso2carbon.log.lck",
                         "wso2carbon.log.tmp.12", "audit.log", "wso2carbon.txt"}) {
    CAPTURE(no);
    CHECK_FALSE(carbon.Matches(no));
  }
  RotatedNameMatcher errors("wso2-apigw-errors.log");
  CHECK(errors.Matches("wso2-apigw-errors-11-16-2024-1.log.gz"));
  RotatedNameMatcher tm("tm.out");
  CHECK(tm.Matches("tm-11-16-2024.out"));
  CHECK_FALSE(tm.Matches("tm.out"));
}

TEST_CASE("natural order compares digit runs by value", "[collectors][logs][dirscan]") {
  const struct {
    const char* a;
    const char* b;
    bool less;
  } cases[] = {{"a-2.log", "a-10.log", true},
               {"a-10.log", "a-2.log", false},
               {"a-02.log", "a-3.log", true},
               {"a", "ab", true},
               {"a", "a", false}};
  for (const auto& c : cases) {
    CAPTURE(c.a, c.b);
    CHECK(NaturalLess(c.a, c.b) == c.less);
  }
}

TEST_CASE("checkpoint numbers must be integers that fit", "[collectors][logs][checkpoint]") {
  CheckpointState st;
  st.log = "carbon";
  st.pattern = "/x/wso2carbon.log";
  CheckpointEntry e;
  e.path = "/x/wso2carbon.log";
  e.offset = 10;
  st.files.push_back(e);
  nlohmann::json j = CheckpointToJson(st);
  j["files"][0]["offset"] = 1e30;  // A float: refused, not cast.
  auto parsed = CheckpointFromJson(j);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().message().find("expected an integer") != std::string::npos);
  j["files"][0]["offset"] = 10;
  j["files"][0]["fp_len"] = 1ull << 40;  // Does not fit uint32.
  CHECK_FALSE(CheckpointFromJson(j).ok());
}

}  // namespace cg
