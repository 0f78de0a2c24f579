// LogTailer behaviours beyond the hazards: lag and backlog, exclusions, start positions,
// checkpoint corruption, ordering across rotation, errors, metrics per log.
#include <catch2/catch.hpp>

#include "base/fs.h"
#include "base/state_file.h"
#include "collectors/logs/checkpoint.h"
#include "tests/logs/tail_harness.h"
#include "tests/support/tail_steps.h"

namespace cg {
namespace {

using testing::AppendTo;
using testing::Numbered;
using testing::NumberedLines;
using testing::StartAfter;
using testing::TailHarness;

}  // namespace

TEST_CASE("lag bytes and backlog report what a budget-limited poll left unread",
          "[collectors][logs][tailer]") {
  TailHarness h;
  h.max_bytes_per_poll = 100;
  auto text = NumberedLines(1, 100);  // 392 bytes: 4 polls of at most 100.
  StartAfter(h, h.Log("wso2carbon.log"), text);
  CHECK(h.tailer->backlog());
  CHECK(h.Metric("cutover_guard_log_lag_bytes") == static_cast<double>(text.size() - 100));
  int polls = 1;
  while (h.tailer->backlog()) {
    h.Poll();
    ++polls;
  }
  CHECK(polls == 4);
  CHECK(text.size() == 392);
  CHECK(h.Texts() == Numbered(1, 100));
  CHECK(h.Metric("cutover_guard_log_lag_bytes") == 0);
  CHECK(h.tailer->status().bytes == text.size());
}

TEST_CASE("exclude globs keep matching files out", "[collectors][logs][tailer]") {
  TailHarness h("wso2-apigw-errors*");
  h.spec.exclude = {"*.gz"};
  AppendTo(h.Log("wso2-apigw-errors.log"), NumberedLines(1, 3));
  StartAfter(h, h.Log("wso2-apigw-errors-11-16-2024-1.log.gz"), "binary\n");
  CHECK(h.Texts() == Numbered(1, 3));
  CHECK(h.tailer->status().files.size() == 1);
}

TEST_CASE("start_at end begins after the last complete line", "[collectors][logs][tailer]") {
  TailHarness h;
  h.spec.start_at = StartAt::kEnd;
  StartAfter(h, h.Log("wso2carbon.log"), NumberedLines(1, 5) + "half");
  CHECK(h.records.empty());
  AppendTo(h.Log("wso2carbon.log"), " done\nL6\n");
  h.Poll();
  CHECK(h.Texts() == std::vector<std::string>{"half done", "L6"});
  CHECK(h.NoticesContaining("from offset 15 (start_at end)") == 1);
}

// Two checkpoint generations: L1-L3 checkpointed, then L4-L5; L6-L8 written while stopped.
void TwoGenerationsThenDown(TailHarness& h) {
  h.spec.start_at = StartAt::kEnd;  // The shipped default: what a lost checkpoint would skip.
  StartAfter(h, h.Log("wso2carbon.log"), "");
  AppendTo(h.Log("wso2carbon.log"), NumberedLines(1, 3));
  h.Poll();
  REQUIRE(h.tailer->Checkpoint().ok());
  AppendTo(h.Log("wso2carbon.log"), NumberedLines(4, 5));
  h.Poll();
  h.Stop();  // Checkpoints L1-L5; the L1-L3 one becomes carbon.json.prev.
  AppendTo(h.Log("wso2carbon.log"), NumberedLines(6, 8));
  h.records.clear();
}

TEST_CASE("a damaged checkpoint resumes from the previous generation, losing nothing",
          "[collectors][logs][tailer][state]") {
  TailHarness h;
  TwoGenerationsThenDown(h);
  const auto cp = h.State() / "logs" / "carbon.json";
  REQUIRE(std::filesystem::exists(cp.string() + ".prev"));
  const std::string damage = GENERATE(as<std::string>{}, "{not json", "", "{\"version\": 1");
  REQUIRE(WriteFileAtomic(cp, damage).ok());
  h.Start();
  CHECK(h.tailer->restored_from() == StateSource::kPrevious);
  CHECK(std::filesystem::exists(cp.string() + ".corrupt"));
  h.Poll();
  // One checkpoint interval again (L4, L5), and what was written while down: nothing skipped.
  CHECK(h.Texts() == Numbered(4, 8));
  CHECK(h.Metric("cutover_guard_log_gap_events_total") == 0);
  CHECK(h.NoticesContaining("resuming from the previous generation") == 1);
}

TEST_CASE("a checkpoint write cut short by a kill resumes from the previous generation",
          "[collectors][logs][tailer][state]") {
  TailHarness h;
  TwoGenerationsThenDown(h);
  // What a SIGKILL between "current -> .prev" and the new file's rename leaves behind.
  const auto cp = h.State() / "logs" / "carbon.json";
  std::filesystem::rename(cp, cp.string() + ".prev");
  WriteFileAtomic(cp.string() + ".tmp.12345", "{half").ok();
  h.Start();
  CHECK(h.tailer->restored_from() == StateSource::kPrevious);
  CHECK_FALSE(std::filesystem::exists(cp.string() + ".tmp.12345"));  // Cleaned up.
  h.Poll();
  CHECK(h.Texts() == Numbered(6, 8));  // That .prev was the newest checkpoint.
}

TEST_CASE("with both checkpoint generations damaged, start_at applies and a gap says so",
          "[collectors][logs][tailer][state]") {
  TailHarness h;
  TwoGenerationsThenDown(h);
  const auto cp = h.State() / "logs" / "carbon.json";
  REQUIRE(WriteFileAtomic(cp, "garbage").ok());
  REQUIRE(WriteFileAtomic(cp.string() + ".prev", "more garbage").ok());
  h.Start();
  CHECK(h.tailer->restored_from() == StateSource::kDamaged);
  CHECK(h.Metric("cutover_guard_log_gap_events_total") == 1);
  CHECK(h.NoticesContaining("lines written while the daemon was down are skipped") == 1);
  h.Poll();
  CHECK(h.Lines() == 0);  // start_at: end.
}

TEST_CASE("a rotated file's last record is handed on before its successor's first",
          "[collectors][logs][tailer]") {
  TailHarness h("wso2carbon.log", LogFormat::kWso2Carbon);
  auto live = h.Log("wso2carbon.log");
  const std::string a =
      "TID: [] [] [2024-11-16 02:00:00,000] ERROR {a.B} - old\n\tat a.B.c(B.java:1)\n";
  const std::string b = "TID: [] [] [2024-11-16 02:00:01,000]  INFO {a.B} - new\n";
  StartAfter(h, live, a);
  CHECK(h.records.empty());  // Pending: more frames could follow.
  std::filesystem::rename(live, h.Log("wso2carbon-11-16-2024-1.log"));
  AppendTo(live, b + b);
  h.Poll();
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].FirstLine().find(" - old") != std::string::npos);
  CHECK(h.records[0].lines == 2);
  CHECK(h.records[1].FirstLine().find(" - new") != std::string::npos);
}

TEST_CASE("a custom entry_start assembles records live", "[collectors][logs][tailer]") {
  TailHarness h("correlation.log", LogFormat::kCustom);
  h.spec.entry_start = R"((?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})\|)";
  AppendTo(h.Log("correlation.log"),
           "2024-11-16 02:24:05,311|a|t|0|METHOD|x\n  more\n2024-11-16 02:24:05,339|b|t|2|HTTP\n");
  h.Start();
  h.Poll();
  h.Flush();
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].lines == 2);
  CHECK(FormatRfc3339(h.records[0].time) == "2024-11-16T02:24:05.311Z");
}

TEST_CASE("two logs in one registry keep separate series", "[collectors][logs][tailer]") {
  testing::TempDir dir;
  prometheus::Registry registry;
  FakeClock clock;
  std::vector<std::unique_ptr<LogTailer>> tailers;
  for (const char* name : {"one", "two"}) {
    AppendTo(dir / (std::string(name) + ".log"), std::string(name) == "one" ? "a\n" : "a\nb\n");
    LogTailerOptions o;
    o.spec.name = name;
    o.spec.path = (dir / (std::string(name) + ".log")).string();
    o.spec.format = LogFormat::kPlain;
    o.spec.start_at = StartAt::kBeginning;
    o.registry = &registry;
    o.clock = &clock;
    auto t = LogTailer::Create(o);
    REQUIRE(t.ok());
    (*t)->Poll(nullptr);
    tailers.push_back(std::move(t).value());
  }
  CHECK(testing::MetricValue(registry, "cutover_guard_log_lines_total", "one") == 1);
  CHECK(testing::MetricValue(registry, "cutover_guard_log_lines_total", "two") == 2);
  CHECK(testing::MetricValue(registry, "cutover_guard_log_files_open", "two") == 1);
  tailers.clear();  // Gauges drop to zero with their tailer; counters stay.
  CHECK(testing::MetricValue(registry, "cutover_guard_log_files_open", "two") == 0);
  CHECK(testing::MetricValue(registry, "cutover_guard_log_lines_total", "two") == 2);
}

TEST_CASE("an unreadable path is reported once and read once it is fixed",
          "[collectors][logs][tailer]") {
  TailHarness h;
  auto live = h.Log("wso2carbon.log");
  // A symlink pointing at itself: stat fails with ELOOP (even for root, unlike permissions).
  std::filesystem::create_symlink("wso2carbon.log", live);
  h.Start();
  for (int i = 0; i < 3; ++i) h.Poll();
  CHECK(h.NoticesContaining("Too many levels of symbolic links") == 1);
  CHECK(h.tailer->status().last_error.find("Too many levels of symbolic links") !=
        std::string::npos);
  std::filesystem::remove(live);
  AppendTo(live, NumberedLines(1, 2));
  h.Poll();
  CHECK(h.Texts() == Numbered(1, 2));
}

TEST_CASE("bad specs are refused with a reason", "[collectors][logs][tailer]") {
  LogTailerOptions o;
  o.spec.name = "x";
  o.spec.path = "/tmp/x.log";
  o.spec.format = LogFormat::kCustom;
  o.spec.entry_start = "(";
  auto a = LogTailer::Create(o);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message().rfind("x: invalid entry_start regex", 0) == 0);
  o.spec.format = LogFormat::kPlain;
  o.state_dir = "/proc/definitely/not/writable";
  auto c = LogTailer::Create(o);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message().find("cannot create state directory") != std::string::npos);
}

TEST_CASE("the watcher is told which names and directories matter", "[collectors][logs][tailer]") {
  TailHarness h;
  h.Start();
  REQUIRE(h.tailer->WatchDirectories().size() == 1);
  CHECK(h.tailer->WatchDirectories()[0] == h.Log("x").parent_path());
  CHECK(h.tailer->Interested("wso2carbon.log"));
  CHECK(h.tailer->Interested("wso2carbon-11-16-2024-1.log"));
  CHECK(h.tailer->Interested("wso2carbon.log.1"));
  CHECK_FALSE(h.tailer->Interested("wso2carbon-trace-messages.log"));
  CHECK_FALSE(h.tailer->Interested("audit.log"));
  TailHarness g("http_access_*.log", LogFormat::kTomcatAccess);
  g.Start();
  CHECK(g.tailer->Interested("http_access_2024-11-16.log"));
  CHECK_FALSE(g.tailer->Interested("wso2carbon.log"));
}

}  // namespace cg

namespace cg {

TEST_CASE("a scan that cannot see the directory concludes nothing about rotation",
          "[collectors][logs][tailer]") {
  auto path = GENERATE(as<std::string>{}, "wso2carbon.log", "wso2carbon*.log");
  CAPTURE(path);
  TailHarness h(path);
  StartAfter(h, h.Log("wso2carbon.log"), NumberedLines(1, 2));
  // The directory becomes a symlink loop for a while (stat of the path: ELOOP).
  auto logs = h.Log("x").parent_path();
  auto aside = h.dir.path() / "aside";
  std::filesystem::rename(logs, aside);
  std::filesystem::create_symlink("logs", logs);
  AppendTo(aside / "wso2carbon.log", NumberedLines(3, 4));
  h.clock.Advance(std::chrono::seconds(10));
  h.Poll();
  h.Poll();
  CHECK(h.Metric("cutover_guard_log_rotations_total") == 0);
  CHECK(h.Texts() == Numbered(1, 4));  // The open file is still read.
  std::filesystem::remove(logs);
  std::filesystem::rename(aside, logs);
  AppendTo(h.Log("wso2carbon.log"), NumberedLines(5, 5));
  h.Poll();
  CHECK(h.Texts() == Numbered(1, 5));
  CHECK(h.Metric("cutover_guard_log_rotations_total") == 0);
  CHECK(h.Metric("cutover_guard_log_gap_events_total") == 0);
}

}  // namespace cg

namespace cg::testing {
namespace {

constexpr std::string_view kEarlyHeader =
    "TID: [-1234] [] [2024-11-16 02:44:30,118] ERROR {org.apache.synapse.core.axis2."
    "ProxyServiceMessageReceiver} - Failed\n";
constexpr std::string_view kEarlyFrames =
    "java.lang.OutOfMemoryError: Java heap space\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n";
constexpr std::string_view kEarlyNext =
    "TID: [-1234] [] [2024-11-16 02:44:31,000]  INFO {a.B} - ok\n";

}  // namespace

TEST_CASE("early flush: a record written in one write() is handed on after a few quiet ms",
          "[collectors][logs][tailer][early]") {
  TailHarness h("wso2carbon.log", LogFormat::kWso2Carbon);
  h.spec.early_flush = std::chrono::milliseconds(3);
  AppendTo(h.Log("wso2carbon.log"), "");
  h.Start();
  AppendTo(h.Log("wso2carbon.log"), std::string(kEarlyHeader) + std::string(kEarlyFrames));
  h.Poll();
  CHECK(h.records.empty());
  REQUIRE(h.tailer->TimeUntilFlush() == std::chrono::milliseconds(3));
  h.clock.Advance(std::chrono::milliseconds(3));
  h.tailer->FlushIdle(h.sink);
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].lines == 4);
  CHECK_FALSE(h.records[0].late);
  CHECK(h.tailer->status().records == 1);
  CHECK(h.tailer->status().late_lines == 0);
  CHECK(MetricValue(h.registry, "cutover_guard_log_early_flush_seconds", "carbon") ==
        Approx(0.003));
}

TEST_CASE("early flush: a writer that flushes a stack trace in pieces loses and adds nothing",
          "[collectors][logs][tailer][early]") {
  TailHarness h("wso2carbon.log", LogFormat::kWso2Carbon);
  h.spec.early_flush = std::chrono::milliseconds(3);
  const auto log = h.Log("wso2carbon.log");
  AppendTo(log, "");
  h.Start();
  AppendTo(log, kEarlyHeader);
  h.Poll();
  h.clock.Advance(std::chrono::milliseconds(3));
  h.tailer->FlushIdle(h.sink);
  REQUIRE(h.records.size() == 1);  // Handed on early: the header line alone.
  // The frames come 30 ms later in two writes, then the next entry.
  h.clock.Advance(std::chrono::milliseconds(30));
  AppendTo(log, kEarlyFrames.substr(0, 44));
  h.Poll();
  AppendTo(log, kEarlyFrames.substr(44));
  h.Poll();
  AppendTo(log, kEarlyNext);
  h.Poll();
  h.Flush();
  REQUIRE(h.records.size() == 3);
  const Record& late = h.records[1];
  CHECK(late.late);
  CHECK(late.continues == 0);
  CHECK(late.lines == 3);
  CHECK(late.text.substr(late.late_start) ==
        std::string(kEarlyFrames.substr(0, kEarlyFrames.size() - 1)));
  CHECK(late.text.rfind(h.records[0].text, 0) == 0);
  CHECK_FALSE(h.records[2].late);
  // Every line counted once; the late lines are not a record.
  const LogStatus& st = h.tailer->status();
  CHECK(st.lines == 5);
  CHECK(st.records == 2);
  CHECK(st.late_lines == 3);
  CHECK(MetricValue(h.registry, "cutover_guard_log_records_total", "carbon") == 2);
  CHECK(MetricValue(h.registry, "cutover_guard_log_lines_total", "carbon") == 5);
  CHECK(MetricValue(h.registry, "cutover_guard_log_late_lines_total", "carbon") == 3);
  // The next record waits at least twice the pause seen.
  CHECK(MetricValue(h.registry, "cutover_guard_log_early_flush_seconds", "carbon") >= 0.06);
}

}  // namespace cg::testing
