#include "collectors/logs/record_assembler.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/utf8.h"

namespace cg {
namespace {

struct Harness {
  std::unique_ptr<RecordAssembler> assembler;
  LineSplitter splitter{64 * 1024};
  std::vector<Record> records;
  RecordSink sink = [this](const Record& r) { records.push_back(r); };
  MonoTime now{std::chrono::seconds(100)};
  WallTime read_time{std::chrono::seconds(1'700'000'000)};

  // early_flush: off unless a test is about it (the others count on flush_timeout alone).
  explicit Harness(LogFormat format = LogFormat::kWso2Carbon, uint64_t max_line = 64 * 1024,
                   std::chrono::milliseconds early_flush = std::chrono::milliseconds(0)) {
    LogSpec spec;
    spec.name = "carbon";
    spec.format = format;
    spec.timezone = TimeZone::Utc();
    spec.max_line = max_line;
    spec.early_flush = early_flush;
    auto a = RecordAssembler::Create(spec);
    REQUIRE(a.ok());
    assembler = std::move(a).value();
    assembler->SetSource("/logs/wso2carbon.log", FileIdentity{1, 2, 3});
    splitter = LineSplitter(max_line);
  }
  void Feed(std::string_view text) {
    splitter.Feed(text, [&](const Line& l) { assembler->AddLine(l, read_time, now, sink); });
  }
};

constexpr std::string_view kTrace =
    "TID: [] [] [2024-11-16 02:44:30,118] ERROR {org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO} - "
    "Error while retrieving subscriptions com.mysql.cj.jdbc.exceptions.CommunicationsException: "
    "Communications link failure\n"
    "\n"
    "The last packet successfully received from the server was 95,113 milliseconds ago.\n"
    "\tat com.mysql.cj.jdbc.exceptions.SQLError.createCommunicationsException(SQLError.java:174)\n"
    "Caused by: java.net.SocketTimeoutException: Read timed out\n"
    "\t... 41 more\n"
    "\n";
constexpr std::string_view kNext = "TID: [] [] [2024-11-16 02:44:31,000]  INFO {a.B} - next\n";

}  // namespace

TEST_CASE("a stack trace with blank lines inside joins its record",
          "[collectors][logs][assembler]") {
  Harness h;
  h.Feed(kTrace);
  CHECK(h.records.empty());  // Pending until the next entry or a flush.
  CHECK(h.assembler->has_pending());
  CHECK(h.assembler->pending_offset() == 0);
  h.Feed(kNext);
  REQUIRE(h.records.size() == 1);
  const Record& r = h.records[0];
  CHECK(r.lines == 7);
  CHECK(r.level == Level::kError);
  CHECK(r.logger == "org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO");
  CHECK(r.time_from_log);
  CHECK(FormatRfc3339(r.time) == "2024-11-16T02:44:30.118Z");
  CHECK(r.offset == 0);
  CHECK(r.end_offset == kTrace.size());
  CHECK(r.log == "carbon");
  CHECK(r.file == "/logs/wso2carbon.log");
  CHECK(r.file_id == FileIdentity{1, 2, 3});
  CHECK(r.FirstLine().substr(0, 37) == "TID: [] [] [2024-11-16 02:44:30,118] ");
  CHECK(r.text.find("\n\nThe last packet") != std::string::npos);
  CHECK(r.text.back() == '\n');  // The trailing blank line belongs to the record.
  CHECK(h.assembler->pending_offset() == kTrace.size());
  CHECK(h.assembler->lines() == 7);
  CHECK(h.assembler->records() == 1);
}

TEST_CASE("continuation lines with nothing pending form a record of their own",
          "[collectors][logs][assembler]") {
  Harness h;
  h.Feed("\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n");
  h.Feed(kNext);
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].lines == 2);
  CHECK(h.records[0].level == Level::kUnknown);
  CHECK_FALSE(h.records[0].time_from_log);
  CHECK(h.records[0].time == h.read_time);
}

TEST_CASE("a pending record is flushed after the idle timeout, not before",
          "[collectors][logs][assembler]") {
  Harness h;
  h.Feed(kNext);
  CHECK_FALSE(h.assembler->FlushIfIdle(h.now + std::chrono::milliseconds(499),
                                       std::chrono::milliseconds(500), h.sink));
  CHECK(h.records.empty());
  CHECK(h.assembler->FlushIfIdle(h.now + std::chrono::milliseconds(500),
                                 std::chrono::milliseconds(500), h.sink));
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].lines == 1);
  CHECK_FALSE(h.assembler->has_pending());
}

// --- Early flush -------------------------------------------------------------------------------

constexpr std::chrono::milliseconds kFlushTimeout{500};
using Ms = std::chrono::milliseconds;

Harness EarlyHarness() { return Harness(LogFormat::kWso2Carbon, 64 * 1024, Ms(3)); }

TEST_CASE("a record whose file went quiet is handed on after the early flush",
          "[collectors][logs][assembler][early]") {
  Harness h = EarlyHarness();
  h.Feed(kTrace);  // One write(), as log4j2 does: the whole trace is there.
  REQUIRE(h.assembler->FlushDeadline(kFlushTimeout, false) == h.now + Ms(3));
  CHECK_FALSE(h.assembler->FlushIfIdle(h.now + Ms(2), kFlushTimeout, h.sink));
  CHECK(h.records.empty());
  CHECK(h.assembler->FlushIfIdle(h.now + Ms(3), kFlushTimeout, h.sink));
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].lines == 7);
  CHECK_FALSE(h.records[0].late);
  CHECK(h.assembler->records() == 1);
  CHECK(h.assembler->late_lines() == 0);
}

TEST_CASE("part of a line at the end of the file holds the record until flush_timeout",
          "[collectors][logs][assembler][early]") {
  Harness h = EarlyHarness();
  h.Feed(kNext);
  // The writer is in the middle of a line: what it writes next may still belong here.
  CHECK(h.assembler->FlushDeadline(kFlushTimeout, true) == h.now + kFlushTimeout);
  CHECK_FALSE(h.assembler->FlushIfIdle(h.now + Ms(100), kFlushTimeout, h.sink, true));
  CHECK(h.records.empty());
  CHECK(h.assembler->FlushIfIdle(h.now + kFlushTimeout, kFlushTimeout, h.sink, true));
  CHECK(h.records.size() == 1);
}

TEST_CASE("a stack trace flushed in pieces: the late lines continue their record",
          "[collectors][logs][assembler][early]") {
  Harness h = EarlyHarness();
  const std::string_view trace = kTrace;
  const size_t first_nl = trace.find('\n') + 1;
  const size_t cut = trace.find("\tat com.mysql");
  h.Feed(trace.substr(0, first_nl));  // The header line alone ...
  REQUIRE(h.assembler->FlushIfIdle(h.now + Ms(3), kFlushTimeout, h.sink));
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].lines == 1);
  // ... then, 20 ms later, the rest of the trace in two more writes, and the next entry.
  h.now += Ms(20);
  h.Feed(trace.substr(first_nl, cut - first_nl));
  h.now += Ms(1);
  h.Feed(trace.substr(cut));
  h.Feed(kNext);
  REQUIRE(h.assembler->FlushIfIdle(h.now + kFlushTimeout, kFlushTimeout, h.sink));
  REQUIRE(h.records.size() == 3);
  const Record& late = h.records[1];
  CHECK(late.late);
  CHECK(late.continues == h.records[0].offset);
  CHECK(late.offset == first_nl);
  CHECK(late.lines == 6);
  // The record again, whole: its header fields, its text grown by the late lines.
  CHECK(late.recognised);
  CHECK(late.level == Level::kError);
  CHECK(late.logger == h.records[0].logger);
  CHECK(late.message_start == h.records[0].message_start);
  CHECK(late.text.rfind(h.records[0].text, 0) == 0);
  REQUIRE(late.late_start == h.records[0].text.size() + 1);
  const std::string added = late.text.substr(late.late_start);
  CHECK(added.find("Caused by: java.net.SocketTimeoutException") != std::string::npos);
  CHECK(added.find("TID:") == std::string::npos);
  CHECK(late.text == std::string(trace.substr(0, trace.size() - 1)));  // Every line once.
  // The next entry is a record as usual, and the late lines are not one.
  CHECK_FALSE(h.records[2].late);
  CHECK(h.records[2].FirstLine().find("next") != std::string_view::npos);
  CHECK(h.assembler->records() == 2);
  CHECK(h.assembler->late_lines() == 6);
  CHECK(h.assembler->lines() == 8);
  // The pause seen (20 ms) makes the next early flush wait at least twice as long.
  CHECK(h.assembler->early_flush() >= Ms(40));
}

TEST_CASE("the early flush shrinks back after many records without a late line",
          "[collectors][logs][assembler][early]") {
  Harness h = EarlyHarness();
  h.Feed("TID: [] [] [2024-11-16 02:44:30,118] ERROR {a.B} - boom\n");
  REQUIRE(h.assembler->FlushIfIdle(h.now + Ms(3), kFlushTimeout, h.sink));
  h.now += Ms(100);
  h.Feed("\tat a.B.c(B.java:1)\n");  // Late by 100 ms: 200 ms from now on.
  const auto grown = h.assembler->early_flush();
  CHECK(grown >= Ms(200));
  CHECK(grown <= kFlushTimeout);
  for (uint32_t i = 0; i < kEarlyFlushDecayRecords; ++i) {
    h.Feed(kNext);
    h.now += Ms(400);
    REQUIRE(h.assembler->FlushIfIdle(h.now, kFlushTimeout, h.sink));
  }
  CHECK(h.assembler->early_flush() == grown / 2);
  CHECK(h.assembler->late_lines() == 1);
}

TEST_CASE("a continuation after flush_timeout is a record of its own, as without early flush",
          "[collectors][logs][assembler][early]") {
  Harness h = EarlyHarness();
  h.Feed(kNext);
  REQUIRE(h.assembler->FlushIfIdle(h.now + Ms(3), kFlushTimeout, h.sink));
  h.now += Ms(600);
  h.Feed("\tat a.B.c(B.java:1)\n");
  REQUIRE(h.assembler->FlushIfIdle(h.now + kFlushTimeout, kFlushTimeout, h.sink));
  REQUIRE(h.records.size() == 2);
  CHECK_FALSE(h.records[1].late);
  CHECK(h.assembler->records() == 2);
  CHECK(h.assembler->early_flush() == Ms(3));
}

TEST_CASE("line-per-record formats hand each line on at once", "[collectors][logs][assembler]") {
  Harness h(LogFormat::kPlain);
  h.Feed("one\n\ttwo\n\n");
  REQUIRE(h.records.size() == 3);
  CHECK(h.records[1].text == "\ttwo");
  CHECK(h.records[2].text.empty());
  CHECK_FALSE(h.assembler->has_pending());
}

TEST_CASE("records are valid UTF-8 whatever the bytes", "[collectors][logs][assembler]") {
  Harness h(LogFormat::kPlain);
  h.Feed(std::string_view("a\0b\xff\xc3\xa9\xe2\x82\n", 9));
  h.Feed("line\r\n");
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].text ==
        "a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(h.records[1].text == "line");
}

TEST_CASE("a record knows where its message starts, also after a sanitised header",
          "[collectors][logs][assembler]") {
  Harness h;
  h.Feed(kTrace);
  using std::string_view_literals::operator""sv;
  h.Feed(
      "TID: [] [] [2024-11-16 02:44:31,000]  INFO {a.\xff\x00"
      "B} - caf\xc3\xa9 \xfe ok\n"sv);
  h.Feed(kNext);
  REQUIRE(h.records.size() == 2);
  const Record& trace = h.records[0];
  CHECK(trace.text.substr(trace.message_start, 26) == "Error while retrieving sub");
  CHECK(trace.FirstMessageLine().substr(0, 5) == "Error");
  const Record& odd = h.records[1];
  // Two bytes of the logger became three-byte U+FFFD each: the offset follows.
  CHECK(odd.text.substr(0, odd.message_start) ==
        "TID: [] [] [2024-11-16 02:44:31,000]  INFO {a.\xEF\xBF\xBD\xEF\xBF\xBD"
        "B} - ");
  CHECK(odd.FirstMessageLine() == "caf\xc3\xa9 \xEF\xBF\xBD ok");
  Harness plain(LogFormat::kPlain);
  plain.Feed("no header here\n");
  REQUIRE(plain.records.size() == 1);
  CHECK(plain.records[0].message_start == 0);
}

TEST_CASE("overlong and surrogate UTF-8 sequences are replaced", "[collectors][logs][assembler]") {
  std::string out;
  AppendSanitizedUtf8("\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\xF0\x9F\x98\x80", &out);
  CHECK(out ==
        "\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xF0\x9F\x98\x80");
}

TEST_CASE("a record stops growing at its cap but still counts its lines",
          "[collectors][logs][assembler]") {
  Harness h(LogFormat::kWso2Carbon, 256);  // Cap = max(1 MiB, 4 * 256) = 1 MiB.
  h.Feed(kNext);
  std::string frame = "\tat " + std::string(200, 'x') + "\n";
  for (int i = 0; i < 10'000; ++i) h.Feed(frame);  // ~2 MB of frames.
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].lines == 10'001);
  CHECK(h.records[0].truncated);
  CHECK(h.records[0].text.size() <= 1024 * 1024);
  CHECK(h.records[0].text.size() > 1024 * 1024 - 300);
}

TEST_CASE("a line cut at max_line marks its record truncated", "[collectors][logs][assembler]") {
  Harness h(LogFormat::kPlain, 256);
  h.Feed(std::string(300, 'y') + "\n");
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].truncated);
  CHECK(h.records[0].text.size() == 256);
}

TEST_CASE("an assembler cannot be built from a bad spec", "[collectors][logs][assembler]") {
  LogSpec spec;
  spec.name = "x";
  spec.format = LogFormat::kCustom;  // Without its entry_start regex.
  auto a = RecordAssembler::Create(spec);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message() == "x: format \"custom\" needs an entry_start regex");
}

}  // namespace cg
