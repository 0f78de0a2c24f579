// One integration test per log hazard (issue 4), each asserting exact line and record counts.
// Time is a FakeClock; Poll() is driven directly; files live in a temp dir.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "base/fs.h"
#include "base/utf8.h"
#include "tests/logs/tail_harness.h"
#include "tests/support/gzip_file.h"
#include "tests/support/tail_steps.h"

namespace cg {

using testing::AppendTo;
using testing::CheckSeries;
using testing::Numbered;
using testing::NumberedLines;
using testing::StartAfter;
using testing::TailHarness;

void Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::rename(from, to);
}

using testing::GzipFile;

void CopyFile(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

void Truncate(const std::filesystem::path& p) { REQUIRE(::truncate(p.c_str(), 0) == 0); }

// logrotate's copytruncate: copy the live file aside, then empty it in place.
void CopyTruncate(const std::filesystem::path& live, const std::filesystem::path& copy) {
  CopyFile(live, copy);
  Truncate(live);
}

bool ValidUtf8(std::string_view s) {
  std::string clean;
  AppendSanitizedUtf8(s, &clean);
  return clean == s && s.find('\0') == std::string_view::npos;
}

// Starts the tailer again (after Stop()) and polls `polls` times.
void Restart(TailHarness& h, int polls = 1) {
  h.Start();
  for (int i = 0; i < polls; ++i) h.Poll();
}

// Polls twice, starting the tailer first if a section stopped it.
void LookTwice(TailHarness& h) {
  if (!h.tailer) h.Start();
  h.Poll();
  h.Poll();
}

// Line prefix long enough for the first lines to fill a whole fingerprint.
const std::string kPad = "padding-so-the-first-bytes-fill-the-fingerprint-";

// The harness on wso2carbon.log, `live`: what most hazards start from.
struct CarbonLog {
  TailHarness h;
  const std::filesystem::path live = h.Log("wso2carbon.log");
};

TEST_CASE("rename rotation drains the old inode before reading the new file from 0",
          "[collectors][logs][tailer][hazard]") {
  TailHarness h;
  h.rotate_wait = std::chrono::milliseconds(1000);
  StartAfter(h, h.Log("wso2carbon.log"), NumberedLines(1, 100));
  CHECK(h.Lines() == 100);
  // Written to the old file after our last read, then rotated, then the new file gets lines.
  AppendTo(h.Log("wso2carbon.log"), NumberedLines(101, 105));
  Rename(h.Log("wso2carbon.log"), h.Log("wso2carbon-11-16-2024-1.log"));
  AppendTo(h.Log("wso2carbon.log"), NumberedLines(106, 112));
  h.Poll();
  CHECK(h.Texts() == Numbered(1, 112));
  CHECK(h.records.size() == 112);
  CHECK(h.records[104].file == h.Log("wso2carbon-11-16-2024-1.log").string());
  CHECK(h.records[105].file == h.Log("wso2carbon.log").string());
  CHECK(h.records[105].offset == 0);
  CheckSeries(h, {{"cutover_guard_log_rotations_total", 1},
                  {"cutover_guard_log_files_open", 2}});  // Old one kept for late writers.
  // A late writer still appending to the rotated file is read too.
  AppendTo(h.Log("wso2carbon-11-16-2024-1.log"), "late\n");
  h.Poll();
  CHECK(h.Lines() == 113);
  h.clock.Advance(std::chrono::milliseconds(1000));
  h.Poll();
  CheckSeries(h, {{"cutover_guard_log_files_open", 1},
                  {"cutover_guard_log_lines_total", 113},
                  {"cutover_guard_log_records_total", 113},
                  {"cutover_guard_log_gap_events_total", 0}});
}

TEST_CASE("rotations with -N counters several times a day lose and repeat nothing",
          "[collectors][logs][tailer][hazard]") {
  TailHarness h;
  h.rotate_wait = std::chrono::milliseconds(0);
  h.Start();
  int next = 1;
  auto write = [&](int n) {
    AppendTo(h.Log("wso2carbon.log"), NumberedLines(next, next + n - 1));
    next += n;
  };
  write(10);
  h.Poll();
  for (int i = 1; i <= 5; ++i) {  // Five rotations on the same day, one poll each.
    write(3);
    Rename(h.Log("wso2carbon.log"), h.Log("wso2carbon-11-16-2024-" + std::to_string(i) + ".log"));
    write(4);
    h.Poll();
  }
  // Two rotations between two polls: -6 was created and rotated away unseen.
  write(2);
  Rename(h.Log("wso2carbon.log"), h.Log("wso2carbon-11-16-2024-6.log"));
  write(5);
  Rename(h.Log("wso2carbon.log"), h.Log("wso2carbon-11-16-2024-7.log"));
  write(6);
  h.Poll();
  h.Poll();
  CHECK(h.Texts() == Numbered(1, next - 1));
  CHECK(h.Lines() == 10 + 5 * 7 + 13);
  CheckSeries(h, {{"cutover_guard_log_rotations_total", 7},
                  {"cutover_guard_log_gap_events_total", 0},
                  {"cutover_guard_log_files_open", 1}});
}

TEST_CASE_METHOD(CarbonLog, "copytruncate reads the rest of the old content from the copy",
                 "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, NumberedLines(1, 50));
  AppendTo(live, NumberedLines(51, 60));  // Not read before the rotation.
  CopyTruncate(live, h.Log("wso2carbon.log.1"));
  AppendTo(live, NumberedLines(61, 63));
  h.Poll();
  CHECK(h.Texts() == Numbered(1, 63));
  CheckSeries(h, {{"cutover_guard_log_truncations_total", 1},
                  {"cutover_guard_log_gap_events_total", 0},
                  {"cutover_guard_log_rotations_total", 0}});
}

TEST_CASE_METHOD(CarbonLog,
                 "copytruncate whose new content outgrows the old offset is still detected",
                 "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, NumberedLines(1, 20));
  CopyTruncate(live, h.Log("wso2carbon.log.1"));
  AppendTo(live, NumberedLines(1000, 1039));  // 40 longer lines: size > old offset.
  h.Poll();
  auto expect = Numbered(1, 20);
  auto more = Numbered(1000, 1039);
  expect.insert(expect.end(), more.begin(), more.end());
  CHECK(h.Texts() == expect);
  CheckSeries(
      h, {{"cutover_guard_log_truncations_total", 1}, {"cutover_guard_log_gap_events_total", 0}});
}

TEST_CASE_METHOD(CarbonLog, "a truncation without a copy is read from 0 and counted as a gap",
                 "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, NumberedLines(1, 30));
  AppendTo(live, NumberedLines(31, 35));  // Lost: truncated before we read it, no copy.
  Truncate(live);
  AppendTo(live, NumberedLines(36, 37));
  h.Poll();
  auto expect = Numbered(1, 30);
  expect.push_back("L36");
  expect.push_back("L37");
  CHECK(h.Texts() == expect);
  CheckSeries(
      h, {{"cutover_guard_log_truncations_total", 1}, {"cutover_guard_log_gap_events_total", 1}});
  CHECK(h.NoticesContaining("no copy of the old content was found") == 1);
}

TEST_CASE("copytruncate under a glob that matches the copy reads nothing twice",
          "[collectors][logs][tailer][hazard]") {
  TailHarness h("app*.log");
  auto live = h.Log("app.log");
  const std::string prefix = "line-with-some-padding-to-pass-the-fingerprint-";
  StartAfter(h, live, NumberedLines(1, 40, prefix));
  AppendTo(live, NumberedLines(41, 45, prefix));
  CopyFile(live, h.Log("app-1.log"));
  h.Poll();  // Sees the copy before the truncation (and reads 41..45 from the live file).
  Truncate(live);
  AppendTo(live, NumberedLines(46, 50, prefix));
  h.Poll();
  h.Poll();
  CHECK(h.Texts() == Numbered(1, 50, prefix));
  CheckSeries(
      h, {{"cutover_guard_log_truncations_total", 1}, {"cutover_guard_log_gap_events_total", 0}});
}

TEST_CASE_METHOD(CarbonLog,
                 "delete and re-create drains the deleted inode, then reads the new file",
                 "[collectors][logs][tailer][hazard]") {
  h.rotate_wait = std::chrono::milliseconds(0);
  StartAfter(h, live, NumberedLines(1, 30));
  AppendTo(live, NumberedLines(31, 34));
  std::filesystem::remove(live);
  h.Poll();  // Gone: drained through our descriptor, nothing new yet.
  CHECK(h.Lines() == 34);
  AppendTo(live, NumberedLines(35, 40));
  h.Poll();
  CHECK(h.Texts() == Numbered(1, 40));
  CheckSeries(h, {{"cutover_guard_log_rotations_total", 1},
                  {"cutover_guard_log_gap_events_total", 0},
                  {"cutover_guard_log_files_open", 1}});
}

TEST_CASE("a late file is waited for with one notice and read from 0 when it appears",
          "[collectors][logs][tailer][hazard]") {
  TailHarness h;
  h.spec.start_at = StartAt::kEnd;  // Does not apply: the file appears after the start.
  h.Start();
  for (int i = 0; i < 5; ++i) {
    h.Poll();
    h.clock.Advance(std::chrono::seconds(1));
  }
  CHECK(h.NoticesContaining("waiting for") == 1);
  CHECK(h.Lines() == 0);
  AppendTo(h.Log("wso2carbon.log"), NumberedLines(1, 8));
  h.Poll();
  CHECK(h.Texts() == Numbered(1, 8));
  CHECK(h.Metric("cutover_guard_log_files_open") == 1);
}

TEST_CASE("a glob with rotated siblings present reads each file once",
          "[collectors][logs][tailer][hazard]") {
  TailHarness h("wso2carbon*.log");
  h.rotate_wait = std::chrono::milliseconds(0);
  AppendTo(h.Log("wso2carbon-11-14-2024-1.log"), NumberedLines(1, 10, "a"));
  AppendTo(h.Log("wso2carbon-11-14-2024-2.log"), NumberedLines(1, 20, "b"));
  AppendTo(h.Log("wso2carbon.log"), NumberedLines(1, 5, "c"));
  SECTION("start_at beginning reads all three once, then only what is new") {
    h.Start();
    h.Poll();
    CHECK(h.Lines() == 35);
    AppendTo(h.Log("wso2carbon.log"), NumberedLines(6, 7, "c"));
    Rename(h.Log("wso2carbon.log"), h.Log("wso2carbon-11-14-2024-3.log"));
    AppendTo(h.Log("wso2carbon.log"), NumberedLines(1, 4, "d"));
    h.Poll();
    h.Poll();
    h.clock.Advance(std::chrono::seconds(10));
    h.Poll();
    CHECK(h.Lines() == 41);
    CHECK(h.records.size() == 41);
    CHECK(h.Texts().back() == "d4");
    CHECK(h.Metric("cutover_guard_log_rotations_total") == 1);
  }
  SECTION("start_at end skips the siblings and the live file's past") {
    h.spec.start_at = StartAt::kEnd;
    h.Start();
    h.Poll();
    CHECK(h.Lines() == 0);
    AppendTo(h.Log("wso2carbon.log"), NumberedLines(6, 9, "c"));
    h.Poll();
    CHECK(h.Texts() == Numbered(6, 9, "c"));
  }
}

TEST_CASE_METHOD(CarbonLog,
                 "a restart resumes from the checkpoint without losing or repeating a line",
                 "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, NumberedLines(1, 10));
  h.Stop();
  AppendTo(live, NumberedLines(11, 15));
  h.spec.start_at = StartAt::kEnd;  // A known file resumes at its offset, not at start_at.
  Restart(h);
  CHECK(h.Texts() == Numbered(1, 15));
  // Without changes, a checkpoint does not rewrite the file.
  auto cp = h.State() / "logs" / "carbon.json";
  REQUIRE(h.tailer->Checkpoint().ok());
  auto before = std::filesystem::last_write_time(cp);
  auto text_before = ReadFile(cp, 1ull << 30);
  h.Poll();
  REQUIRE(h.tailer->Checkpoint().ok());
  CHECK(std::filesystem::last_write_time(cp) == before);
  CHECK(*ReadFile(cp, 1ull << 30) == *text_before);
}

TEST_CASE("a record pending at shutdown is read again after the restart, once",
          "[collectors][logs][tailer][hazard]") {
  TailHarness h("wso2carbon.log", LogFormat::kWso2Carbon);
  auto live = h.Log("wso2carbon.log");
  const std::string e1 = "TID: [] [] [2024-11-16 02:44:30,118] ERROR {a.B} - first boom\n";
  const std::string e2 = "TID: [] [] [2024-11-16 02:44:31,118] ERROR {a.B} - second boom\n";
  const std::string frames = "\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n";
  StartAfter(h, live, e1 + frames + e2 + "\tat x.Y.z(Y.java:9)\n");
  REQUIRE(h.records.size() == 1);  // The second record is pending (more frames may come).
  h.Stop();
  StartAfter(h, live, "\tat x.Y.w(Y.java:10)\n");
  h.Flush();
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].lines == 3);
  CHECK(h.records[1].lines == 3);
  CHECK(h.records[1].text ==
        e2.substr(0, e2.size() - 1) + "\n\tat x.Y.z(Y.java:9)\n\tat x.Y.w(Y.java:10)");
  CHECK(h.records[1].offset == e1.size() + frames.size());
}

TEST_CASE("files rotated while the daemon was down are finished in order before the live file",
          "[collectors][logs][tailer][hazard]") {
  auto path = GENERATE(as<std::string>{}, "wso2carbon.log", "wso2carbon*.log");
  CAPTURE(path);
  TailHarness h(path);
  auto live = h.Log("wso2carbon.log");
  StartAfter(h, live, NumberedLines(1, 10));
  h.Stop();
  // While down: 5 more lines to A, A -> -1, B written and -> -2, C written.
  AppendTo(live, NumberedLines(11, 15));
  Rename(live, h.Log("wso2carbon-11-16-2024-1.log"));
  AppendTo(live, NumberedLines(16, 22));
  Rename(live, h.Log("wso2carbon-11-16-2024-2.log"));
  StartAfter(h, live, NumberedLines(23, 25));
  h.Poll();
  for (auto& n : h.notices) UNSCOPED_INFO(n);
  CHECK(h.Texts() == Numbered(1, 25));
  CheckSeries(
      h, {{"cutover_guard_log_gap_events_total", 0}, {"cutover_guard_log_rotations_total", 2}});
}

TEST_CASE("a rotated file compressed while the daemon was down is finished from the .gz",
          "[collectors][logs][tailer][hazard]") {
  TailHarness h("wso2-apigw-errors.log");
  auto live = h.Log("wso2-apigw-errors.log");
  // Long enough lines for a full fingerprint.
  std::string prefix = "2024-11-16T02:20:41,605 [-] [HTTP-Sender I/O dispatcher-2]  WARN X msg ";
  StartAfter(h, live, NumberedLines(1, 10, prefix));
  h.Stop();
  AppendTo(live, NumberedLines(11, 14, prefix));
  // log4j2: rename to the plain rotated name, gzip it, delete the plain file.
  auto rotated = h.Log("wso2-apigw-errors-11-16-2024-1.log");
  Rename(live, rotated);
  GzipFile(rotated, h.Log("wso2-apigw-errors-11-16-2024-1.log.gz"));
  std::filesystem::remove(rotated);
  StartAfter(h, live, NumberedLines(15, 16, prefix));
  h.Poll();
  CHECK(h.Texts() == Numbered(1, 16, prefix));
  CHECK(h.Metric("cutover_guard_log_gap_events_total") == 0);
}

TEST_CASE_METHOD(CarbonLog, "a checkpointed file gone without a trace is a counted gap",
                 "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, NumberedLines(1, 10));
  h.Stop();
  std::filesystem::remove(live);
  StartAfter(h, live, NumberedLines(11, 12));
  CHECK(h.Texts() == Numbered(1, 12));
  CHECK(h.Metric("cutover_guard_log_gap_events_total") == 1);
  CHECK(h.NoticesContaining("gap:") == 1);
}

TEST_CASE_METHOD(CarbonLog, "a partial last line is held until its newline arrives",
                 "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, "one\ntw");
  CHECK(h.Texts() == std::vector<std::string>{"one"});
  AppendTo(live, "o and a half");
  h.Poll();
  h.Flush();
  CHECK(h.Lines() == 1);
  // A restart in between re-reads the partial line from its start.
  h.Stop();
  h.Start();
  AppendTo(live, "\nthree\n");
  h.Poll();
  CHECK(h.Texts() == std::vector<std::string>{"one", "two and a half", "three"});
  CHECK(h.records[1].offset == 4);
}

TEST_CASE_METHOD(CarbonLog,
                 "a 1 GiB line without newline is cut, counted once, and costs bounded memory",
                 "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, "before\n");
  // 1 GiB of NUL bytes (sparse: no disk), no newline, then the line ends.
  const uint64_t gib = 1ull << 30;
  REQUIRE(::truncate(live.c_str(), static_cast<off_t>(7 + gib)) == 0);
  std::ifstream statm("/proc/self/statm");
  long pages_before = 0, rss_before = 0;
  statm >> pages_before >> rss_before;
  h.PollUntilDrained();
  CHECK(h.Lines() == 1);
  CHECK(h.Metric("cutover_guard_log_long_lines_total") == 1);
  AppendTo(live, "\nafter\n");
  h.Poll();
  std::ifstream statm2("/proc/self/statm");
  long pages_after = 0, rss_after = 0;
  statm2 >> pages_after >> rss_after;
  CHECK((rss_after - rss_before) * ::sysconf(_SC_PAGESIZE) < 64l << 20);
  REQUIRE(h.records.size() == 3);
  CHECK(h.records[1].truncated);
  CHECK(h.records[1].text.size() == 3 * h.spec.max_line);  // Each NUL became U+FFFD.
  CHECK(h.records[2].text == "after");
  CHECK(h.records[2].offset == 7 + gib + 1);
  CheckSeries(h, {{"cutover_guard_log_lines_total", 3}, {"cutover_guard_log_long_lines_total", 1}});
  CHECK(h.tailer->status().bytes == 7 + gib + 7);
}

TEST_CASE("binary garbage yields exactly one line per newline and valid UTF-8 records",
          "[collectors][logs][tailer][hazard]") {
  TailHarness h;
  h.spec.max_line = 1024;
  std::mt19937 rng(42);
  std::string garbage(1 << 20, '\0');
  for (auto& c : garbage) c = static_cast<char>(rng() & 0xff);
  garbage += "\n";
  size_t newlines = static_cast<size_t>(std::count(garbage.begin(), garbage.end(), '\n'));
  StartAfter(h, h.Log("wso2carbon.log"), garbage);
  CHECK(h.Lines() == newlines);
  CHECK(h.records.size() == newlines);
  bool all_valid = true;
  for (const auto& r : h.records) all_valid = all_valid && ValidUtf8(r.text);
  CHECK(all_valid);
  CHECK(h.Metric("cutover_guard_log_gap_events_total") == 0);
}

TEST_CASE("stack traces in each WSO2 layout assemble the same live as in replay",
          "[collectors][logs][tailer][hazard]") {
  auto [fixture, format, lines, records] =
      GENERATE(table<std::string, LogFormat, uint64_t, uint64_t>({
          {"carbon-4.2.log", LogFormat::kWso2Carbon, 87, 42},
          {"carbon-4.0.log", LogFormat::kWso2Carbon, 25, 7},
          {"carbon-3.2.log", LogFormat::kWso2Carbon, 11, 5},
          {"carbon-2.6.log", LogFormat::kWso2Carbon, 8, 5},
          {"errors-4.3.log", LogFormat::kWso2Errors, 9, 2},
          {"audit.log", LogFormat::kWso2Audit, 2, 2},
      }));
  CAPTURE(fixture);
  auto text = ReadFile(std::string(CG_FIXTURES_DIR) + "/logs/" + fixture, 1ull << 30);
  REQUIRE(text.ok());
  TailHarness h("live.log", format);
  auto live = h.Log("live.log");
  h.Start();
  // Written in uneven chunks that split lines and records, one poll per chunk.
  std::mt19937 rng(7);
  size_t pos = 0;
  while (pos < text->size()) {
    size_t n = std::min<size_t>(text->size() - pos, 1 + rng() % 300);
    AppendTo(live, std::string_view(*text).substr(pos, n));
    pos += n;
    h.Poll();
  }
  h.Flush();
  CHECK(h.Lines() == lines);
  CHECK(h.records.size() == records);
  std::string joined;
  for (const auto& r : h.records) joined += r.text + "\n";
  CHECK(joined == *text);
}

TEST_CASE_METHOD(CarbonLog, "a copytruncate while the daemon was down continues from the copy",
                 "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, NumberedLines(1, 10, kPad));
  h.Stop();
  AppendTo(live, NumberedLines(11, 15, kPad));
  CopyTruncate(live, h.Log("wso2carbon.log.1"));
  AppendTo(live, NumberedLines(16, 40, kPad));  // Outgrows the checkpointed offset.
  for (auto& n : h.notices) UNSCOPED_INFO(n);
  Restart(h);
  for (auto& n : h.notices) UNSCOPED_INFO(n);
  CHECK(h.Texts() == Numbered(1, 40, kPad));
  CheckSeries(
      h, {{"cutover_guard_log_truncations_total", 1}, {"cutover_guard_log_gap_events_total", 0}});
}

TEST_CASE_METHOD(
    CarbonLog, "two copytruncates between looks read the intermediate copy before the new content",
    "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, NumberedLines(1, 10, kPad));
  SECTION("while running") {}
  SECTION("while the daemon was down") { h.Stop(); }
  AppendTo(live, NumberedLines(11, 15, kPad));
  CopyTruncate(live, h.Log("wso2carbon.log.1"));
  AppendTo(live, NumberedLines(16, 30, kPad));
  CopyTruncate(live, h.Log("wso2carbon.log.2"));
  AppendTo(live, NumberedLines(31, 33, kPad));
  LookTwice(h);
  CHECK(h.Texts() == Numbered(1, 33, kPad));
  CHECK(h.Metric("cutover_guard_log_gap_events_total") == 0);
}

TEST_CASE_METHOD(CarbonLog,
                 "a copytruncate of a file we last saw empty reads the copy before the new content",
                 "[collectors][logs][tailer][hazard]") {
  // Found by the daemon-mode torture: stopped right after a copytruncate (checkpoint at offset
  // 0 of an empty file), the next copytruncate happened while the daemon was down. Nothing in
  // the live file shows it (no position, no fingerprint to contradict); only the copy does.
  StartAfter(h, live, NumberedLines(1, 10, kPad));
  AppendTo(live, NumberedLines(11, 15, kPad));
  CopyTruncate(live, h.Log("wso2carbon.log.1"));
  h.Poll();  // Reads 11-15 from the copy; the live file is now empty at offset 0.
  REQUIRE(h.Texts() == Numbered(1, 15, kPad));
  SECTION("while running (between two looks)") {}
  SECTION("while the daemon was down") { h.Stop(); }
  AppendTo(live, NumberedLines(16, 30, kPad));
  CopyTruncate(live, h.Log("wso2carbon.log.2"));
  AppendTo(live, NumberedLines(31, 33, kPad));
  LookTwice(h);
  for (auto& n : h.notices) UNSCOPED_INFO(n);
  CHECK(h.Texts() == Numbered(1, 33, kPad));
  CHECK(h.Metric("cutover_guard_log_gap_events_total") == 0);
  // And the copy already read is not read again after another restart.
  h.Stop();
  Restart(h);
  CHECK(h.Texts() == Numbered(1, 33, kPad));
}

TEST_CASE_METHOD(CarbonLog,
                 "copytruncate with an immediately compressed copy continues from the .gz",
                 "[collectors][logs][tailer][hazard]") {
  StartAfter(h, live, NumberedLines(1, 20, kPad));
  AppendTo(live, NumberedLines(21, 24, kPad));
  GzipFile(live, h.Log("wso2carbon.log.1.gz"));  // logrotate: copytruncate + compress.
  Truncate(live);
  AppendTo(live, NumberedLines(25, 26, kPad));
  h.Poll();
  CHECK(h.Texts() == Numbered(1, 26, kPad));
  CheckSeries(
      h, {{"cutover_guard_log_truncations_total", 1}, {"cutover_guard_log_gap_events_total", 0}});
}

}  // namespace cg
