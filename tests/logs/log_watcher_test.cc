// LogWatcher with real inotify and a real io_context. Waits are bounded loops on run_for that
// stop as soon as the expected outcome is there (no sleeping for luck).
#include "collectors/logs/log_watcher.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "base/fs.h"
#include "collectors/logs/checkpoint.h"
#include "collectors/logs/log_tailer.h"
#include "tests/logs/tail_harness.h"

namespace cg {
namespace {

using testing::AppendTo;
using testing::NumberedLines;

struct WatcherRig {
  testing::TempDir dir;
  boost::asio::io_context io;
  std::vector<Record> records;
  std::unique_ptr<LogTailer> tailer;
  std::unique_ptr<LogWatcher> watcher;
  std::vector<std::string> notices;

  void Start(LogSpec spec,
             std::chrono::milliseconds checkpoint_interval = std::chrono::seconds(5)) {
    LogTailerOptions o;
    o.spec = std::move(spec);
    o.state_dir = dir.path() / "state";
    auto t = LogTailer::Create(std::move(o));
    REQUIRE(t.ok());
    tailer = std::move(t).value();
    LogWatcherOptions wo;
    wo.checkpoint_interval = checkpoint_interval;
    wo.notice = [this](NoticeLevel, std::string_view m) { notices.emplace_back(m); };
    watcher = std::make_unique<LogWatcher>(
        io, std::vector<LogTailer*>{tailer.get()},
        [this](const Record& r) { records.push_back(r); }, wo);
    watcher->Start();
  }
  // Runs the loop until `done` or 10 s pass.
  template <typename F>
  bool RunUntil(F done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }
};

LogSpec Spec(const std::filesystem::path& path, LogFormat format = LogFormat::kPlain) {
  LogSpec s;
  s.name = "w";
  s.path = path.string();
  s.format = format;
  s.start_at = StartAt::kBeginning;
  s.timezone = TimeZone::Utc();
  return s;
}

}  // namespace

TEST_CASE("inotify wakes the tailer long before the stat poll would",
          "[collectors][logs][watcher]") {
  WatcherRig rig;
  auto log = rig.dir.path() / "a.log";
  AppendTo(log, "");
  auto spec = Spec(log);
  spec.poll_interval = std::chrono::hours(1);
  rig.Start(spec);
  REQUIRE(rig.watcher->stats().inotify_available);
  CHECK(rig.watcher->stats().watches == 1);
  AppendTo(log, NumberedLines(1, 3));
  REQUIRE(rig.RunUntil([&] { return rig.records.size() == 3; }));
  CHECK(rig.watcher->stats().inotify_wakeups >= 1);
  CHECK(rig.watcher->stats().timer_polls == 0);
  // A rename rotation arrives through directory events too.
  std::filesystem::rename(log, rig.dir.path() / "a.log.1");
  AppendTo(log, NumberedLines(4, 5));
  REQUIRE(rig.RunUntil([&] { return rig.records.size() == 5; }));
  CHECK(rig.records[4].text == "L5");
  CHECK(rig.tailer->status().rotations == 1);
}

TEST_CASE("the stat poll finds a log whose directory could not be watched",
          "[collectors][logs][watcher]") {
  WatcherRig rig;
  auto log = rig.dir.path() / "later" / "a.log";
  auto spec = Spec(log);
  spec.poll_interval = std::chrono::milliseconds(50);
  rig.Start(spec);
  CHECK(rig.watcher->stats().watches == 0);
  REQUIRE(rig.notices.size() >= 1);
  CHECK(rig.notices[0].find("cannot watch") != std::string::npos);
  std::filesystem::create_directories(log.parent_path());
  AppendTo(log, NumberedLines(1, 2));
  REQUIRE(rig.RunUntil([&] { return rig.records.size() == 2; }));
  CHECK(rig.watcher->stats().timer_polls >= 1);
  // The retry on the next ticks added the watch.
  REQUIRE(rig.RunUntil([&] { return rig.watcher->stats().watches == 1; }));
}

TEST_CASE("the flush timer hands on a pending record after flush_timeout",
          "[collectors][logs][watcher]") {
  WatcherRig rig;
  auto log = rig.dir.path() / "wso2carbon.log";
  AppendTo(log, "");
  auto spec = Spec(log, LogFormat::kWso2Carbon);
  spec.flush_timeout = std::chrono::milliseconds(20);
  rig.Start(spec);
  AppendTo(log, "TID: [] [] [2024-11-16 02:44:30,118] ERROR {a.B} - boom\n\tat a.B.c(B.java:1)\n");
  REQUIRE(rig.RunUntil([&] { return rig.records.size() == 1; }));
  CHECK(rig.records[0].lines == 2);
}

TEST_CASE("stop checkpoints the offsets of what was handed on", "[collectors][logs][watcher]") {
  WatcherRig rig;
  auto log = rig.dir.path() / "a.log";
  AppendTo(log, NumberedLines(1, 4));
  rig.Start(Spec(log), std::chrono::milliseconds(0));
  REQUIRE(rig.records.size() == 4);  // Start() polls once.
  rig.watcher->Stop();
  auto text = ReadFile(CheckpointPath(rig.dir.path() / "state", "w"), 1ull << 30);
  REQUIRE(text.ok());
  auto state = ParseCheckpoint(*text);
  REQUIRE(state.ok());
  REQUIRE(state->files.size() == 1);
  CHECK(state->files[0].offset == 12);  // "L1\nL2\nL3\nL4\n"
  CHECK(state->files[0].live);
}

}  // namespace cg
