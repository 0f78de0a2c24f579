// cg_kill_loop: SIGKILLs the real daemon again and again while a writer appends to its log,
// and checks what issue 12 asks of the state files (daemon/state_bundle.h):
//   - a firing alert is never lost: after every restart it is firing as soon as the daemon is
//     ready (restored from the state, before any record is read);
//   - no line is lost: no run reports a gap or a state it could not use, and the last run
//     reads to the end of the file;
//   - at most one checkpoint interval of lines is read again: per restart, the lines between
//     the restored offset and the file's size at the kill, against rate x interval.
// Kills land at random times, so many hit a state write (the interval is short on purpose).
//
//   cg_kill_loop --daemon BUILD/daemon/cutover-guard [--runs 200] [--rate 500]
//                [--interval-ms 200] [--work DIR]
// Prints the figures; exit status 1 if a check fails. Loopback only, bounded in time.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "bench/support/flags.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Options {
  std::string daemon;
  int runs = 200;
  int rate = 500;
  int interval_ms = 200;
  fs::path work;

  // The flags that set these options.
  cg::bench::FlagTable Flags() {
    return {.values = {{"--daemon", [this](const auto& v) { daemon = v; }},
                       {"--runs", [this](const auto& v) { runs = std::stoi(v); }},
                       {"--rate", [this](const auto& v) { rate = std::stoi(v); }},
                       {"--interval-ms", [this](const auto& v) { interval_ms = std::stoi(v); }},
                       {"--work", [this](const auto& v) { work = v; }}}};
  }
};

[[noreturn]] void Die(const std::string& why) {
  std::cerr << "cg_kill_loop: " << why << "\n";
  std::exit(2);
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint64_t FileSize(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Newlines in [from, to) of the file.
uint64_t LinesBetween(const fs::path& p, uint64_t from, uint64_t to) {
  if (to <= from) return 0;
  std::ifstream in(p, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::string buf(to - from, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  return static_cast<uint64_t>(std::count(buf.begin(), buf.begin() + in.gcount(), '\n'));
}

// Appends carbon lines at a steady rate; the first one fires the critical rule.
class Writer {
 public:
  Writer(fs::path log, int rate) : log_(std::move(log)), rate_(rate) {}
  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t lines() const { return lines_; }

 private:
  void Run() {
    int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) Die("cannot open " + log_.string());
    const auto start = Clock::now();
    while (!stop_) {
      const uint64_t due = static_cast<uint64_t>(
          std::chrono::duration<double>(Clock::now() - start).count() * rate_);
      std::string batch;
      for (; lines_ < due; ++lines_) {
        const std::string msg = lines_ == 0 ? "KILL-LOOP-MARKER the database is gone"
                                            : "line " + std::to_string(lines_);
        batch +=
            "TID: [-1234] [] [2026-12-05 10:00:00,000]  INFO {org.example.Loop} - " + msg + "\n";
      }
      if (!batch.empty() && ::write(fd, batch.data(), batch.size()) < 0) Die("write failed");
      std::this_thread::sleep_for(2ms);
    }
    ::close(fd);
  }
  fs::path log_;
  int rate_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> lines_{0};
  std::thread thread_;
};

struct Run {
  pid_t pid = -1;
  fs::path err;
  uint16_t port = 0;
};

Run Launch(const Options& o, int i) {
  Run r;
  r.err = o.work / ("run-" + std::to_string(i) + ".err");
  const std::string cmd = "exec '" + o.daemon + "' run --config '" +
                          (o.work / "config.yaml").string() + "' >'" + r.err.string() + "' 2>&1";
  r.pid = ::fork();
  if (r.pid < 0) Die("fork failed");
  if (r.pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  static const std::regex listen_re(R"(listening on 127\.0\.0\.1:(\d+))");
  const auto deadline = Clock::now() + 15s;
  while (Clock::now() < deadline) {
    std::smatch m;
    const std::string text = Slurp(r.err);
    if (std::regex_search(text, m, listen_re)) {
      r.port = static_cast<uint16_t>(std::stoi(m[1]));
      httplib::Client c("127.0.0.1", r.port);
      auto ready = c.Get("/readyz");
      if (ready && ready->status == 200) return r;
    }
    std::this_thread::sleep_for(5ms);
  }
  Die("run " + std::to_string(i) + " did not become ready: " + Slurp(r.err));
}

bool MarkerFiring(uint16_t port) {
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/api/v1/alerts?state=firing");
  if (!r || r->status != 200) return false;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return false;
  for (const auto& a : j["alerts"]) {
    if (a["rule"] == "kill.marker" && !a["evidence"].empty()) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const auto flag_error = cg::bench::ParseFlags(argc, argv, o.Flags());
  if (flag_error && flag_error->missing_value) Die("missing value for " + flag_error->flag);
  if (flag_error) Die("unknown argument " + flag_error->flag);
  if (o.daemon.empty()) Die("usage: cg_kill_loop --daemon PATH [--runs N] [--rate L/s]");
  if (o.work.empty()) {
    char templ[] = "/tmp/cg-kill-loop-XXXXXX";
    if (::mkdtemp(templ) == nullptr) Die("mkdtemp failed");
    o.work = templ;
  }
  fs::create_directories(o.work / "logs");
  const fs::path log = o.work / "logs" / "wso2carbon.log";
  std::ofstream(o.work / "rules.yaml") << "rules:\n"
                                          "  - id: kill.marker\n"
                                          "    description: the marker line fired\n"
                                          "    severity: critical\n"
                                          "    match: 'KILL-LOOP-MARKER'\n"
                                          "    clear: {keep_firing_for: 24h}\n";
  std::ofstream(o.work / "config.yaml")
      << "listen: \"127.0.0.1:0\"\nstate_dir: state\nsample_interval: 1s\n"
      << "checkpoint_interval: " << o.interval_ms << "ms\n"
      << "logs:\n  - {name: carbon, path: logs/wso2carbon.log, format: wso2-carbon, "
         "start_at: beginning, poll_interval: 100ms, flush_timeout: 50ms}\n"
      << "rule_files: [rules.yaml]\n";

  Writer writer(log, o.rate);
  writer.Start();
  std::mt19937 rng(12);
  std::uniform_int_distribution<int> kill_after_ms(20, 3 * o.interval_ms);
  static const std::regex offset_re(R"(at offset (\d+) of)");
  int failures = 0, previous_generation = 0;
  uint64_t max_reread = 0, sum_reread = 0, restarts = 0;
  uint64_t size_at_kill = 0;
  const auto t0 = Clock::now();

  for (int i = 0; i < o.runs; ++i) {
    Run r = Launch(o, i);
    const std::string start_log = Slurp(r.err);
    if (i == 0) {
      const auto deadline = Clock::now() + 10s;
      while (!MarkerFiring(r.port) && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
    }
    if (!MarkerFiring(r.port)) {
      std::cerr << "run " << i << ": the firing alert is not there at readiness\n";
      ++failures;
    }
    if (i > 0) {
      std::smatch m;
      uint64_t restored = 0;
      if (std::regex_search(start_log, m, offset_re)) restored = std::stoull(m[1]);
      const uint64_t reread = LinesBetween(log, restored, size_at_kill);
      max_reread = std::max(max_reread, reread);
      sum_reread += reread;
      ++restarts;
      if (start_log.find("restored the previous generation") != std::string::npos) {
        ++previous_generation;
      }
    }
    for (const char* bad : {"gap:", "starting without it", "unusable"}) {
      if (start_log.find(bad) != std::string::npos) {
        std::cerr << "run " << i << ": " << bad << " in its log:\n" << start_log;
        ++failures;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
    ::kill(r.pid, SIGKILL);
    ::waitpid(r.pid, nullptr, 0);
    size_at_kill = FileSize(log);  // >= the daemon's read position at the kill.
  }

  // The last run: writes stop, the daemon reads to the end, and a clean stop.
  writer.Stop();
  Run last = Launch(o, o.runs);
  const uint64_t size = FileSize(log);
  bool drained = false;
  const auto deadline = Clock::now() + 20s;
  while (!drained && Clock::now() < deadline) {
    httplib::Client c("127.0.0.1", last.port);
    auto s = c.Get("/api/v1/status");
    if (s && s->status == 200) {
      auto j = nlohmann::json::parse(s->body, nullptr, false);
      if (!j.is_discarded() && !j["logs"][0]["files"].empty()) {
        drained = j["logs"][0]["files"][0]["offset"] == size;
      }
    }
    if (!drained) std::this_thread::sleep_for(20ms);
  }
  const bool firing = MarkerFiring(last.port);
  ::kill(last.pid, SIGTERM);
  int st = 0;
  ::waitpid(last.pid, &st, 0);
  if (!drained) ++failures, std::cerr << "the last run did not read to the end of the log\n";
  if (!firing) ++failures, std::cerr << "the last run lost the firing alert\n";
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) ++failures, std::cerr << "unclean last stop\n";

  const double per_interval = o.rate * o.interval_ms / 1000.0;
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "kill loop: %d SIGKILLs in %.0f s, %llu lines written at %d lines/s, "
      "checkpoint_interval %d ms\n",
      o.runs, secs, static_cast<unsigned long long>(writer.lines()), o.rate, o.interval_ms);
  std::printf("  firing alert present after every restart: %s\n",
              failures == 0 ? "yes" : "NO (see above)");
  std::printf("  restarts from the previous generation (kill during a write): %d\n",
              previous_generation);
  std::printf("  lines read again per restart: max %llu, mean %.1f (one interval = %.0f lines)\n",
              static_cast<unsigned long long>(max_reread),
              restarts ? static_cast<double>(sum_reread) / static_cast<double>(restarts) : 0.0,
              per_interval);
  std::printf("  lines lost: %s\n", drained ? "0 (no gap, last run read to the end)" : "SOME");
  // The bound: a checkpoint interval of lines, plus what arrives while a save is under way
  // and the last record waits for its flush (flush_timeout 50 ms + one poll).
  const double bound = per_interval + o.rate * 0.15;
  if (static_cast<double>(max_reread) > bound) {
    std::printf("  FAIL: read again %llu lines > %.0f\n",
                static_cast<unsigned long long>(max_reread), bound);
    ++failures;
  }
  std::printf("%s\n", failures == 0 ? "PASS" : "FAIL");
  return failures == 0 ? 0 : 1;
}
