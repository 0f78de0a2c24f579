// The persistent spool: order, bounds, persistence, damaged files.
#include "daemon/notify/spool.h"

#include <catch2/catch.hpp>

#include "base/fs.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

SpoolItem Item(std::string id, size_t payload = 10) {
  return SpoolItem{std::move(id), "alert", 1'764'036'000'000, {{"p", std::string(payload, 'x')}}};
}

TEST_CASE("a spool keeps items in order across save and reopen", "[notify][spool]") {
  testing::TempDir dir;
  auto path = dir / "sub" / "am.jsonl";
  {
    auto s = Spool::Open(path, 1 << 20);
    REQUIRE(s.ok());
    CHECK((*s)->empty());
    CHECK((*s)->Push(Item("a")) == 0);
    CHECK((*s)->Push(Item("b")) == 0);
    CHECK((*s)->Push(Item("c")) == 0);
    (*s)->PopFront(1);
    REQUIRE((*s)->Save().ok());
    CHECK_FALSE((*s)->dirty());
  }
  auto s = Spool::Open(path, 1 << 20);
  REQUIRE(s.ok());
  REQUIRE((*s)->size() == 2);
  CHECK((*s)->at(0).id == "b");
  CHECK((*s)->at(1).id == "c");
  CHECK((*s)->at(1).data["p"] == "xxxxxxxxxx");
  CHECK((*s)->at(1).created_ms == 1'764'036'000'000);
  CHECK_FALSE((*s)->dirty());
  auto text = ReadFile(path, 1ull << 30);
  REQUIRE(text.ok());
  CHECK(text->rfind("{\"cutover_guard_spool\":1}\n", 0) == 0);
}

TEST_CASE("a full spool drops its oldest items and says how many", "[notify][spool]") {
  testing::TempDir dir;
  auto s = Spool::Open(dir / "s.jsonl", 300);
  REQUIRE(s.ok());
  // Each encoded item is ~80 bytes: three fit, the fourth pushes out the first.
  size_t dropped = 0;
  for (const char* id : {"1", "2", "3", "4"}) dropped += (*s)->Push(Item(id));
  CHECK(dropped == 1);
  REQUIRE((*s)->size() == 3);
  CHECK((*s)->at(0).id == "2");
  CHECK((*s)->bytes() <= 300);
}

TEST_CASE("an item larger than the whole budget is dropped itself", "[notify][spool]") {
  testing::TempDir dir;
  auto s = Spool::Open(dir / "s.jsonl", 200);
  REQUIRE(s.ok());
  REQUIRE((*s)->Push(Item("small")) == 0);
  CHECK((*s)->Push(Item("huge", 500)) == 1);
  REQUIRE((*s)->size() == 1);
  CHECK((*s)->at(0).id == "small");
}

// Opens the spool file `path`, whose only good items are "a" and "b" among `corrupt` lines
// that must be dropped and counted.
std::unique_ptr<Spool> OpenRestoringAAndB(const std::filesystem::path& path, uint64_t max_bytes,
                                          uint64_t corrupt) {
  auto s = Spool::Open(path, max_bytes);
  REQUIRE(s.ok());
  CHECK((*s)->corrupt_on_load() == corrupt);
  REQUIRE((*s)->size() == 2);
  CHECK((*s)->at(0).id == "a");
  CHECK((*s)->at(1).id == "b");
  return std::move(*s);
}

// After a save, `path` holds the two good items and nothing damaged.
void CheckSavedClean(const std::filesystem::path& path, uint64_t max_bytes) {
  auto again = Spool::Open(path, max_bytes);
  REQUIRE(again.ok());
  CHECK((*again)->corrupt_on_load() == 0);
  CHECK((*again)->size() == 2);
}

TEST_CASE("unreadable spool lines are skipped and counted, the rest restored", "[notify][spool]") {
  testing::TempDir dir;
  auto path = dir.Write("s.jsonl",
                        "{\"cutover_guard_spool\":1}\n"
                        "{\"id\":\"a\",\"kind\":\"alert\",\"created_ms\":1,\"data\":{}}\n"
                        "{\"id\":\"torn\",\"kind\":\"al\n"
                        "not json at all\n"
                        "{\"id\":\"nokind\",\"created_ms\":1,\"data\":{}}\n"
                        "{\"id\":\"b\",\"kind\":\"alert\",\"created_ms\":2,\"data\":{\"x\":1}}\n");
  auto s = OpenRestoringAAndB(path, 1 << 20, 3);
  // Rewritten on the next save, so the damage is counted once.
  CHECK(s->dirty());
  REQUIRE(s->Save().ok());
  CheckSavedClean(path, 1 << 20);
}

TEST_CASE("hostile spool lines (deep nesting, huge, garbage) are dropped and counted",
          "[notify][spool]") {
  testing::TempDir dir;
  const std::string good_a = "{\"id\":\"a\",\"kind\":\"alert\",\"created_ms\":1,\"data\":{}}\n";
  const std::string good_b = "{\"id\":\"b\",\"kind\":\"alert\",\"created_ms\":2,\"data\":{}}\n";
  // Well-formed items otherwise: only the bounds reject them.
  const std::string deep =
      "{\"id\":\"deep\",\"kind\":\"alert\",\"created_ms\":1,\"data\":" + std::string(50'000, '[') +
      std::string(50'000, ']') + "}\n";
  const std::string huge = "{\"id\":\"huge\",\"kind\":\"alert\",\"created_ms\":1,\"data\":\"" +
                           std::string(2 << 20, 'x') + "\"}\n";
  const std::string garbage = std::string("\x00\xff{{{\"id\":", 8) + "]]]\n";
  auto path = dir.Write("s.jsonl",
                        "{\"cutover_guard_spool\":1}\n" + good_a + deep + huge + garbage + good_b);
  auto s = OpenRestoringAAndB(path, 64 << 20, 3);
  REQUIRE(s->Save().ok());
  CheckSavedClean(path, 64 << 20);
}

TEST_CASE("a spool line at the depth cap still loads", "[notify][spool]") {
  testing::TempDir dir;
  // data nested to kMaxSpoolLineDepth - 1 plus the item object itself: exactly the cap.
  const size_t inner = kMaxSpoolLineDepth - 1;
  auto path = dir.Write("s.jsonl", "{\"id\":\"d\",\"kind\":\"alert\",\"created_ms\":1,\"data\":" +
                                       std::string(inner, '[') + std::string(inner, ']') + "}\n");
  auto s = Spool::Open(path, 1 << 20);
  REQUIRE(s.ok());
  CHECK((*s)->corrupt_on_load() == 0);
  CHECK((*s)->size() == 1);
}

TEST_CASE("an unreadable spool file is an error naming it", "[notify][spool]") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "s.jsonl");  // A directory where the file should be.
  auto s = Spool::Open(dir / "s.jsonl", 1 << 20);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().find((dir / "s.jsonl").string()) != std::string::npos);
}

}  // namespace
}  // namespace cg
