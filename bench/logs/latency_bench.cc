// cg_log_latency: append -> record handed on latency through the real LogWatcher (inotify +
// Asio) and LogTailer, measured in-process on one steady clock.
//
//   cg_log_latency [--appends 5000] [--interval-us 2000] [--format plain|wso2-carbon]
//
// plain:        each appended line is a record; latency = handed on - appended.
// wso2-carbon:  a record is complete when the next entry starts; latency = record N handed on
//               - entry N+1 appended (the idle flush_timeout path is not what this measures).
// Prints p50/p95/p99/max in milliseconds and the ratio of p95 to the 5 ms target.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "collectors/logs/log_tailer.h"
#include "collectors/logs/log_watcher.h"

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

uint64_t SeqOf(std::string_view text) {
  size_t p = text.find("seq=");
  if (p == std::string_view::npos) return UINT64_MAX;
  uint64_t v = 0;
  for (size_t i = p + 4; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    v = v * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  size_t appends = 5000;
  long interval_us = 2000;
  cg::LogFormat format = cg::LogFormat::kPlain;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--appends")
      appends = std::stoul(argv[i + 1]);
    else if (a == "--interval-us")
      interval_us = std::stol(argv[i + 1]);
    else if (a == "--format")
      format = cg::ParseLogFormat(argv[i + 1]).value_or(cg::LogFormat::kPlain);
  }
  char tmpl[] = "/tmp/cg-latency-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 3;
  std::filesystem::path dir = tmpl;
  auto log = dir / "wso2carbon.log";
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return 3;

  cg::LogTailerOptions o;
  o.spec.name = "latency";
  o.spec.path = log.string();
  o.spec.format = format;
  o.spec.start_at = cg::StartAt::kBeginning;
  auto tailer = cg::LogTailer::Create(o);
  if (!tailer.ok()) {
    std::fprintf(stderr, "%s\n", tailer.error().message().c_str());
    return 3;
  }
  std::vector<std::atomic<int64_t>> appended(appends + 1);
  std::vector<int64_t> latencies;
  latencies.reserve(appends);
  std::atomic<size_t> handed_on{0};
  const bool next_entry_completes = format != cg::LogFormat::kPlain;

  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  cg::LogWatcher watcher(io, {tailer->get()}, [&](const cg::Record& r) {
    int64_t now = NowNs();
    uint64_t seq = SeqOf(r.FirstLine());
    if (seq == UINT64_MAX || seq >= appends) return;
    uint64_t trigger = next_entry_completes ? seq + 1 : seq;
    if (trigger < appends) {
      int64_t t = appended[trigger].load(std::memory_order_acquire);
      if (t > 0 && seq >= 100) latencies.push_back(now - t);  // First 100: warm-up.
    }
    handed_on.fetch_add(1, std::memory_order_release);
  });
  boost::asio::post(io, [&] { watcher.Start(); });
  std::thread loop([&] { io.run(); });

  auto next = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  char line[256];
  for (size_t i = 0; i < appends; ++i) {
    std::this_thread::sleep_until(next);
    next += std::chrono::microseconds(interval_us);
    int n = format == cg::LogFormat::kPlain
                ? std::snprintf(line, sizeof line, "seq=%zu latency probe line\n", i)
                : std::snprintf(line, sizeof line,
                                "TID: [] [] [2024-11-16 02:14:07,512]  INFO {org.example.Probe} - "
                                "seq=%zu latency probe line\n",
                                i);
    appended[i].store(NowNs(), std::memory_order_release);
    if (::write(fd, line, static_cast<size_t>(n)) != n) return 3;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (handed_on.load() < appends && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  boost::asio::post(io, [&] {
    watcher.Stop();
    guard.reset();
    io.stop();
  });
  loop.join();
  ::close(fd);
  std::filesystem::remove_all(dir);

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    size_t k = static_cast<size_t>(p * static_cast<double>(latencies.size() - 1));
    return static_cast<double>(latencies[k]) / 1e6;
  };
  double p95 = pct(0.95);
  std::printf(
      "latency format=%s appends=%zu interval=%ldus samples=%zu handed_on=%zu: p50=%.3fms "
      "p95=%.3fms p99=%.3fms max=%.3fms (target p95<=5ms: ratio %.3f)\n",
      std::string(cg::LogFormatName(format)).c_str(), appends, interval_us, latencies.size(),
      handed_on.load(), pct(0.50), p95, pct(0.99), pct(1.0), p95 / 5.0);
  return p95 <= 5.0 && !latencies.empty() ? 0 : 1;
}
