// Test harness for LogTailer: a temp dir of logs, a FakeClock, a registry, and helpers that
// write like log4j (append, rename, create) and collect what the tailer hands on.
#pragma once

#include <fcntl.h>
#include <prometheus/registry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/logs/log_tailer.h"
#include "tests/support/temp_dir.h"

namespace cg::testing {

inline void AppendTo(const std::filesystem::path& p, std::string_view text) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    REQUIRE(n > 0);
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

// "L<first>\n" .. "L<last>\n".
inline std::string NumberedLines(int first, int last, std::string_view prefix = "L") {
  std::string out;
  for (int i = first; i <= last; ++i) out += std::string(prefix) + std::to_string(i) + "\n";
  return out;
}

inline std::vector<std::string> Numbered(int first, int last, std::string_view prefix = "L") {
  std::vector<std::string> out;
  for (int i = first; i <= last; ++i) out.push_back(std::string(prefix) + std::to_string(i));
  return out;
}

inline double MetricValue(prometheus::Registry& registry, const std::string& name,
                          const std::string& log) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.name == "log" && l.value == log) {
          return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
        }
      }
    }
  }
  return -1;
}

struct TailHarness {
  TempDir dir;
  FakeClock clock;
  prometheus::Registry registry;
  LogSpec spec;
  std::unique_ptr<LogTailer> tailer;
  std::vector<Record> records;
  std::vector<std::string> notices;
  std::chrono::milliseconds rotate_wait{5000};
  uint64_t max_bytes_per_poll = 64ull << 20;
  RecordSink sink = [this](const Record& r) { records.push_back(r); };

  explicit TailHarness(std::string path_in_dir = "wso2carbon.log",
                       LogFormat format = LogFormat::kPlain) {
    spec.name = "carbon";
    spec.path = (dir.path() / "logs" / path_in_dir).string();
    spec.format = format;
    spec.start_at = StartAt::kBeginning;
    spec.timezone = TimeZone::Utc();
    std::filesystem::create_directories(dir.path() / "logs");
  }
  std::filesystem::path Log(std::string_view name) const { return dir.path() / "logs" / name; }
  std::filesystem::path State() const { return dir.path() / "state"; }

  void Start() {
    LogTailerOptions o;
    o.spec = spec;
    o.state_dir = State();
    o.registry = &registry;
    o.clock = &clock;
    o.rotate_wait = rotate_wait;
    o.max_bytes_per_poll = max_bytes_per_poll;
    o.notice = [this](NoticeLevel, std::string_view m) { notices.emplace_back(m); };
    auto t = LogTailer::Create(std::move(o));
    REQUIRE(t.ok());
    tailer = std::move(t).value();
  }
  // A clean stop: checkpoint, then destroy.
  void Stop() {
    REQUIRE(tailer->Checkpoint().ok());
    tailer.reset();
  }
  void Poll() { tailer->Poll(sink); }
  void PollUntilDrained() {
    for (int i = 0; i < 1000; ++i) {
      Poll();
      if (!tailer->backlog()) return;
    }
    FAIL("backlog never drained");
  }
  // Moves time past flush_timeout and hands on pending records.
  void Flush() {
    clock.Advance(spec.flush_timeout);
    tailer->FlushIdle(sink);
  }
  uint64_t Lines() const {
    uint64_t n = 0;
    for (const auto& r : records) n += r.lines;
    return n;
  }
  std::vector<std::string> Texts() const {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.text);
    return out;
  }
  double Metric(const std::string& name) { return MetricValue(registry, name, spec.name); }
  size_t NoticesContaining(std::string_view s) const {
    size_t n = 0;
    for (const auto& m : notices) n += m.find(s) != std::string::npos ? 1 : 0;
    return n;
  }
};

}  // namespace cg::testing
