#include "collectors/logs/line_splitter.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace cg {
namespace {

struct Got {
  std::string text;
  uint64_t offset, end;
  bool truncated, complete;
};

struct Collector {
  std::vector<Got> lines;
  void operator()(const Line& l) {
    lines.push_back({std::string(l.text), l.offset, l.end_offset, l.truncated, l.complete});
  }
};

}  // namespace

TEST_CASE("lines come out with exact offsets", "[collectors][logs][splitter]") {
  LineSplitter s(64, 100);
  Collector c;
  s.Feed("ab\n\ncde\n", std::ref(c));
  REQUIRE(c.lines.size() == 3);
  CHECK(c.lines[0].text == "ab");
  CHECK(c.lines[0].offset == 100);
  CHECK(c.lines[0].end == 103);
  CHECK(c.lines[1].text.empty());
  CHECK(c.lines[1].offset == 103);
  CHECK(c.lines[2].text == "cde");
  CHECK(c.lines[2].offset == 104);
  CHECK(c.lines[2].end == 108);
  CHECK(s.offset() == 108);
  CHECK_FALSE(s.has_partial());
}

TEST_CASE("a partial line is held until its newline arrives", "[collectors][logs][splitter]") {
  LineSplitter s(64);
  Collector c;
  s.Feed("hel", std::ref(c));
  s.Feed("lo wo", std::ref(c));
  CHECK(c.lines.empty());
  CHECK(s.has_partial());
  CHECK(s.line_start() == 0);
  CHECK(s.offset() == 8);
  s.Feed("rld\nnext", std::ref(c));
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].text == "hello world");
  CHECK(c.lines[0].end == 12);
  CHECK(s.line_start() == 12);
  s.FlushPartial(std::ref(c));
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[1].text == "next");
  CHECK_FALSE(c.lines[1].complete);
  CHECK(c.lines[1].end == 16);
}

TEST_CASE("an over-long line keeps its first max_line bytes and is counted once",
          "[collectors][logs][splitter]") {
  LineSplitter s(8);
  Collector c;
  SECTION("inside one buffer") { s.Feed("0123456789abc\nok\n", std::ref(c)); }
  SECTION("across buffers") {
    s.Feed("01234", std::ref(c));
    s.Feed("56789", std::ref(c));
    s.Feed("abc\nok\n", std::ref(c));
  }
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[0].text == "01234567");
  CHECK(c.lines[0].truncated);
  CHECK(c.lines[0].end == 14);
  CHECK(c.lines[1].text == "ok");
  CHECK_FALSE(c.lines[1].truncated);
  CHECK(s.long_lines() == 1);
}

TEST_CASE("a line of exactly max_line bytes is not long", "[collectors][logs][splitter]") {
  LineSplitter s(4);
  Collector c;
  s.Feed("abcd\n", std::ref(c));
  REQUIRE(c.lines.size() == 1);
  CHECK_FALSE(c.lines[0].truncated);
  CHECK(s.long_lines() == 0);
}

TEST_CASE("a huge line without newline costs max_line bytes of memory",
          "[collectors][logs][splitter]") {
  LineSplitter s(1024);
  Collector c;
  std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 256; ++i) s.Feed(chunk, std::ref(c));  // 256 MiB, no newline.
  CHECK(c.lines.empty());
  CHECK(s.long_lines() == 1);
  CHECK(s.offset() == 256ull << 20);
  CHECK(s.buffered() == 1024);
  s.Feed("\n", std::ref(c));
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].text.size() == 1024);
  CHECK(c.lines[0].end == (256ull << 20) + 1);
}

TEST_CASE("reset forgets the partial line", "[collectors][logs][splitter]") {
  LineSplitter s(64);
  Collector c;
  s.Feed("abc", std::ref(c));
  s.Reset(0);
  s.Feed("x\n", std::ref(c));
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].text == "x");
}

}  // namespace cg
