// cg_footprint_bench: the footprint figures of a running cutover-guard daemon, measured from
// outside through its HTTP API and /proc (bench/footprint/run starts the daemon and calls this).
//
//   cg_footprint_bench --pid PID --port PORT --log FILE [--log-name carbon]
//                      [--rule wso2.jvm.out_of_memory] [--settle-seconds 5]
//                      [--quiet-seconds 45] [--idle-seconds 120] [--scrape-seconds 15]
//                      [--appends 200] [--latency-budget 60] [--metrics-appends 30]
//                      [--metrics-budget 60] [--interval-ms 50] [--jitter-ms 25]
//                      [--metrics-jitter-ms 1000] [--poll-us 500] [--metrics-poll-us 5000]
//                      [--timeout-ms 5000] [--label NAME] [--idle-only] [--no-latency]
//
// Phases, in this order (the idle ones first, while the log is still empty and before anything
// has asked for /metrics):
//   1. /readyz 200, then --settle-seconds of nothing (start-up work is not idle work).
//   2. quiet window (--quiet-seconds): no request at all; VmRSS every 1 s (the figure is the
//      largest sample), CPU = utime+stime delta of /proc/PID/stat, wake-ups/s = voluntary
//      context switches summed over /proc/PID/task/*/status; PSS etc. at its end.
//   3. scrape window (--idle-seconds): the same, with GET /metrics (Accept-Encoding: gzip, as
//      Prometheus asks) every --scrape-seconds, at the middle of each slot.
//   4. alert latency (--appends, stopped early at --latency-budget seconds): one ERROR record
//      of the carbon layout (header with the exception on the same line, a short stack trace,
//      the trailing blank line of %ex%n), matched by --rule, written with one write() on an
//      O_APPEND descriptor; t0 = steady clock just before the write(). Then GET
//      /api/v1/alerts on a kept-alive connection every --poll-us until the alert of --rule has
//      an evidence record with log == --log-name and offset == the byte offset the record was
//      written at (the file size before the write: this tool is the only writer). Latency =
//      arrival of that response - t0. The next append follows after --interval-ms +- a uniform
//      --jitter-ms, so appends are not phase-locked to the daemon's timers.
//   5. /metrics latency (--metrics-appends, --metrics-budget): the same append, then GET
//      /metrics every --metrics-poll-us until cutover_guard_log_records_total{log="NAME"}
//      reaches the number of records written. The page is reused for up to 0.5 s and our
//      polling sets the phase of its re-rendering, so the next append waits --interval-ms plus
//      a uniform 0..--metrics-jitter-ms: it lands anywhere in the cache's period.
// An append not seen within --timeout-ms counts as a timeout, with the timeout as its value.
// Percentiles are nearest-rank. Exit status 0 if every target is met, 1 if one is missed, 3 on
// errors (the daemon died, the API answered nonsense).
//
// --idle-only measures phases 1-3 only, for any process (the comparison with monit or mtail);
// without --port no request is made and phase 3 is skipped. --label names the process in the
// output.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/fs.h"
#include "bench/support/flags.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// --- Targets. --------------------------------------------------------------------------------

constexpr double kAlertP95TargetMs = 10;
constexpr double kMetricsP95TargetMs = 1000;
constexpr double kIdleRssTargetMiB = 8;
constexpr double kIdleCpuTargetPercent = 0.10;

struct Options {
  pid_t pid = 0;
  int port = 0;
  std::string log;
  std::string log_name = "carbon";
  std::string rule = "wso2.jvm.out_of_memory";
  std::string label = "cutover-guard";
  double settle_seconds = 5;
  double quiet_seconds = 45;
  double idle_seconds = 120;
  double scrape_seconds = 15;
  int appends = 200;
  double latency_budget = 60;
  int metrics_appends = 30;
  double metrics_budget = 60;
  int interval_ms = 50;
  int jitter_ms = 25;
  int metrics_jitter_ms = 1000;
  int poll_us = 500;
  int metrics_poll_us = 5000;
  int timeout_ms = 5000;
  bool idle_only = false;
  bool latency = true;

  cg::bench::FlagTable Flags() {
    auto d = [](double* x) { return [x](const std::string& v) { *x = std::stod(v); }; };
    auto i = [](int* x) { return [x](const std::string& v) { *x = std::stoi(v); }; };
    return {.values = {{"--pid", [this](const auto& v) { pid = std::stoi(v); }},
                       {"--port", i(&port)},
                       {"--log", [this](const auto& v) { log = v; }},
                       {"--log-name", [this](const auto& v) { log_name = v; }},
                       {"--rule", [this](const auto& v) { rule = v; }},
                       {"--label", [this](const auto& v) { label = v; }},
                       {"--settle-seconds", d(&settle_seconds)},
                       {"--quiet-seconds", d(&quiet_seconds)},
                       {"--idle-seconds", d(&idle_seconds)},
                       {"--scrape-seconds", d(&scrape_seconds)},
                       {"--appends", i(&appends)},
                       {"--latency-budget", d(&latency_budget)},
                       {"--metrics-appends", i(&metrics_appends)},
                       {"--metrics-budget", d(&metrics_budget)},
                       {"--interval-ms", i(&interval_ms)},
                       {"--jitter-ms", i(&jitter_ms)},
                       {"--metrics-jitter-ms", i(&metrics_jitter_ms)},
                       {"--poll-us", i(&poll_us)},
                       {"--metrics-poll-us", i(&metrics_poll_us)},
                       {"--timeout-ms", i(&timeout_ms)}},
            .switches = {{"--idle-only", [this](const auto&) { idle_only = true; }},
                         {"--no-latency", [this](const auto&) { latency = false; }}}};
  }
};

[[noreturn]] void Die(const std::string& m) {
  std::fprintf(stderr, "cg_footprint_bench: %s\n", m.c_str());
  std::exit(3);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
Clock::duration FromSeconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// --- /proc. ----------------------------------------------------------------------------------

// A /proc file of the daemon's ("" when it is gone): base/fs.h's reader, capped.
std::string ReadProcFile(const fs::path& p) {
  auto text = cg::ReadFile(p, 4 << 20);
  return text.ok() ? *std::move(text) : std::string();
}

// The number after `key` ("VmRSS:") in a /proc status-like text, 0 when absent.
uint64_t Field(const std::string& text, std::string_view key) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    if (at != 0 && text[at - 1] != '\n') continue;
    return std::strtoull(text.c_str() + at + key.size(), nullptr, 10);
  }
  return 0;
}

// utime + stime in clock ticks from a /proc/.../stat line (fields 14 and 15).
uint64_t StatTicks(const std::string& stat) {
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int k = 3; k <= 15 && in >> field; ++k) {
    if (k == 14) utime = std::stoull(field);
    if (k == 15) stime = std::stoull(field);
  }
  return utime + stime;
}

struct TaskSample {
  std::string name;
  uint64_t run_ns = 0;  // First field of schedstat: time on a CPU.
  uint64_t voluntary = 0;
  uint64_t involuntary = 0;
};

struct ProcSample {
  Clock::time_point at;
  uint64_t ticks = 0;  // utime + stime of the whole process (/proc/PID/stat).
  std::map<pid_t, TaskSample> tasks;
};

// Running: there, and neither a zombie nor dead (the parent may not have reaped it yet).
bool Alive(pid_t pid) {
  const std::string stat = ReadProcFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  const char state = stat[close + 2];
  return state != 'Z' && state != 'X' && state != 'x';
}

ProcSample SampleProc(pid_t pid) {
  const fs::path dir = "/proc/" + std::to_string(pid);
  ProcSample s;
  s.at = Clock::now();
  s.ticks = StatTicks(ReadProcFile(dir / "stat"));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir / "task", ec)) {
    const pid_t tid = std::atoi(e.path().filename().c_str());
    TaskSample t;
    t.name = ReadProcFile(e.path() / "comm");
    while (!t.name.empty() && t.name.back() == '\n') t.name.pop_back();
    t.run_ns = std::strtoull(ReadProcFile(e.path() / "schedstat").c_str(), nullptr, 10);
    const std::string status = ReadProcFile(e.path() / "status");
    t.voluntary = Field(status, "voluntary_ctxt_switches:");
    t.involuntary = Field(status, "nonvoluntary_ctxt_switches:");
    s.tasks[tid] = std::move(t);
  }
  return s;
}

struct Memory {
  uint64_t rss_kb = 0, anon_kb = 0, file_kb = 0, shmem_kb = 0, hwm_kb = 0;
  uint64_t pss_kb = 0, pss_anon_kb = 0, pss_file_kb = 0;
  uint64_t threads = 0;
};

Memory ReadMemory(pid_t pid, bool rollup) {
  const fs::path dir = "/proc/" + std::to_string(pid);
  const std::string status = ReadProcFile(dir / "status");
  Memory m;
  m.rss_kb = Field(status, "VmRSS:");
  m.anon_kb = Field(status, "RssAnon:");
  m.file_kb = Field(status, "RssFile:");
  m.shmem_kb = Field(status, "RssShmem:");
  m.hwm_kb = Field(status, "VmHWM:");
  m.threads = Field(status, "Threads:");
  if (rollup) {
    const std::string r = ReadProcFile(dir / "smaps_rollup");
    m.pss_kb = Field(r, "Pss:");
    m.pss_anon_kb = Field(r, "Pss_Anon:");
    m.pss_file_kb = Field(r, "Pss_File:");
  }
  return m;
}

double MiB(uint64_t kb) { return static_cast<double>(kb) / 1024.0; }

// --- HTTP. -----------------------------------------------------------------------------------

httplib::Headers Identity() { return {{"Accept-Encoding", "identity"}}; }

std::unique_ptr<httplib::Client> Connect(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_connection_timeout(std::chrono::seconds(2));
  c->set_read_timeout(std::chrono::seconds(5));
  return c;
}

void WaitReady(const Options& o) {
  const auto t0 = Clock::now();
  httplib::Client c("127.0.0.1", o.port);
  c.set_connection_timeout(std::chrono::seconds(1));
  c.set_read_timeout(std::chrono::seconds(2));
  while (Clock::now() - t0 < std::chrono::seconds(30)) {
    if (!Alive(o.pid)) Die("the process " + std::to_string(o.pid) + " is gone");
    auto r = c.Get("/readyz");
    if (r && r->status == 200) {
      std::printf("ready: /readyz 200 after %.2f s of asking\n", Seconds(Clock::now() - t0));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Die("/readyz did not answer 200 within 30 s");
}

// The sum of the samples of `series` whose labels include log="NAME"; -1 when none is there.
double SeriesValue(const std::string& body, const std::string& series, const std::string& log) {
  const std::string label = "log=\"" + log + "\"";
  double sum = -1;
  for (size_t at = body.find(series + "{"); at != std::string::npos;
       at = body.find(series + "{", at + 1)) {
    if (at != 0 && body[at - 1] != '\n') continue;
    const size_t close = body.find('}', at);
    if (close == std::string::npos) break;
    if (body.substr(at, close - at).find(label) == std::string::npos) continue;
    sum = std::max(sum, 0.0) + std::strtod(body.c_str() + close + 1, nullptr);
  }
  return sum;
}

// --- Idle windows. ---------------------------------------------------------------------------

struct ThreadLine {
  pid_t tid = 0;
  std::string name;
  double cpu_ms = 0;
  uint64_t voluntary = 0;
};

struct Window {
  double wall_s = 0;
  double cpu_s = 0;    // utime+stime delta (clock ticks).
  double sched_s = 0;  // Sum of the threads' schedstat run time delta (ns; live threads only).
  uint64_t voluntary = 0, involuntary = 0;
  uint64_t rss_min_kb = UINT64_MAX, rss_max_kb = 0;
  int rss_samples = 0;
  int scrapes = 0, scrape_failures = 0, scrapes_gzipped = 0;
  uint64_t scrape_bytes = 0;
  double scrape_ms_max = 0;
  Memory end;
  std::vector<ThreadLine> threads;

  double CpuPercent() const { return 100.0 * cpu_s / wall_s; }
};

// Measures `seconds` of the process's life: VmRSS every second, and with scrape_every > 0 a
// GET /metrics at the middle of every scrape_every slot.
Window MeasureWindow(const Options& o, double seconds, double scrape_every) {
  static const double kTick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  Window w;
  const ProcSample a = SampleProc(o.pid);
  const auto end = a.at + FromSeconds(seconds);
  auto next_rss = a.at + std::chrono::seconds(1);
  auto next_scrape =
      scrape_every > 0 ? a.at + FromSeconds(scrape_every / 2) : Clock::time_point::max();
  while (true) {
    const auto next = std::min({next_rss, next_scrape, end});
    std::this_thread::sleep_until(next);
    if (!Alive(o.pid)) Die(o.label + " (pid " + std::to_string(o.pid) + ") died while measured");
    if (next == end) break;
    if (next == next_rss) {
      const uint64_t rss = ReadMemory(o.pid, false).rss_kb;
      w.rss_min_kb = std::min(w.rss_min_kb, rss);
      w.rss_max_kb = std::max(w.rss_max_kb, rss);
      ++w.rss_samples;
      next_rss += std::chrono::seconds(1);
    } else {
      // As Prometheus does it: a new connection (the server closes an idle one after 2 s), gzip.
      const auto t0 = Clock::now();
      httplib::Client c("127.0.0.1", o.port);
      c.set_read_timeout(std::chrono::seconds(10));
      c.set_decompress(false);
      auto r = c.Get("/metrics", {{"Accept-Encoding", "gzip"},
                                  {"Accept", "text/plain;version=0.0.4;q=0.9,*/*;q=0.1"}});
      ++w.scrapes;
      if (r && r->status == 200) {
        w.scrape_bytes += r->body.size();
        if (r->get_header_value("Content-Encoding") == "gzip") ++w.scrapes_gzipped;
      } else {
        ++w.scrape_failures;
      }
      w.scrape_ms_max = std::max(w.scrape_ms_max, Ms(Clock::now() - t0));
      next_scrape += FromSeconds(scrape_every);
    }
  }
  const ProcSample b = SampleProc(o.pid);
  w.end = ReadMemory(o.pid, true);
  w.rss_min_kb = std::min(w.rss_min_kb, w.end.rss_kb);
  w.rss_max_kb = std::max(w.rss_max_kb, w.end.rss_kb);
  ++w.rss_samples;
  w.wall_s = Seconds(b.at - a.at);
  w.cpu_s = static_cast<double>(b.ticks - a.ticks) / kTick;
  for (const auto& [tid, t] : b.tasks) {
    auto it = a.tasks.find(tid);
    const TaskSample zero;
    const TaskSample& before = it == a.tasks.end() ? zero : it->second;
    const uint64_t ns = t.run_ns - before.run_ns;
    const uint64_t vol = t.voluntary - before.voluntary;
    w.sched_s += static_cast<double>(ns) / 1e9;
    w.voluntary += vol;
    w.involuntary += t.involuntary - before.involuntary;
    w.threads.push_back(
        {.tid = tid, .name = t.name, .cpu_ms = static_cast<double>(ns) / 1e6, .voluntary = vol});
  }
  std::sort(w.threads.begin(), w.threads.end(), [](const ThreadLine& x, const ThreadLine& y) {
    return x.voluntary != y.voluntary ? x.voluntary > y.voluntary : x.cpu_ms > y.cpu_ms;
  });
  return w;
}

void PrintWindow(const char* what, const Window& w) {
  std::printf(
      "%s: %.1f s, cpu %.0f ms (utime+stime) = %.4f %% of one core; schedstat %.1f ms = %.4f "
      "%%; wake-ups/s %.2f (voluntary context switches, all threads), involuntary/s %.2f; VmRSS "
      "%.2f..%.2f MiB over %d 1-s samples",
      what, w.wall_s, w.cpu_s * 1e3, w.CpuPercent(), w.sched_s * 1e3, 100.0 * w.sched_s / w.wall_s,
      static_cast<double>(w.voluntary) / w.wall_s, static_cast<double>(w.involuntary) / w.wall_s,
      MiB(w.rss_min_kb), MiB(w.rss_max_kb), w.rss_samples);
  if (w.scrapes > 0) {
    std::printf("; %d scrapes of /metrics (%d failed, %d gzipped, %.0f B each, slowest %.1f ms)",
                w.scrapes, w.scrape_failures, w.scrapes_gzipped,
                static_cast<double>(w.scrape_bytes) / std::max(1, w.scrapes - w.scrape_failures),
                w.scrape_ms_max);
  }
  std::printf("\n  per thread (tid name: cpu ms, wake-ups/s):");
  for (const auto& t : w.threads) {
    std::printf(" %d %s: %.1f, %.2f;", static_cast<int>(t.tid), t.name.c_str(), t.cpu_ms,
                static_cast<double>(t.voluntary) / w.wall_s);
  }
  std::printf("\n");
}

// --- Appends. --------------------------------------------------------------------------------

class Appender {
 public:
  explicit Appender(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) Die("cannot open " + path + ": " + std::strerror(errno));
  }
  ~Appender() { ::close(fd_); }
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

  struct Written {
    uint64_t offset = 0;
    Clock::time_point t0;
  };

  // One ERROR record as log4j2 writes it with the 4.x carbon pattern
  // `TID: [%tenantId] [%appName] [%d] %5p {%c} - %m%ex%n`: the exception after one space on
  // the header line, the stack trace, and the blank line of %n after printStackTrace's own
  // newline; all in one write(). The request path carries the sequence number.
  Written Append() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) Die("fstat " + path_);
    ++records_;
    char head[512];
    std::snprintf(head, sizeof head,
                  "TID: [] [] [%s] ERROR {org.apache.synapse.transport.passthru.ServerWorker} - "
                  "Error processing POST request for : /orders/1.0.0/items/%llu "
                  "java.lang.OutOfMemoryError: Java heap space\n",
                  Stamp().c_str(), static_cast<unsigned long long>(records_));
    std::string rec = head;
    rec +=
        "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3745)\n"
        "\tat java.base/java.io.ByteArrayOutputStream.grow(ByteArrayOutputStream.java:120)\n"
        "\tat org.apache.synapse.transport.passthru.util.RelayUtils.buildMessage("
        "RelayUtils.java:146)\n"
        "\tat org.apache.synapse.transport.passthru.ServerWorker.run(ServerWorker.java:175)\n"
        "\tat java.base/java.lang.Thread.run(Thread.java:829)\n"
        "\n";
    Written w{.offset = static_cast<uint64_t>(st.st_size), .t0 = Clock::now()};
    const ssize_t n = ::write(fd_, rec.data(), rec.size());
    if (n != static_cast<ssize_t>(rec.size())) Die("short write to " + path_);
    return w;
  }

  uint64_t records() const { return records_; }

 private:
  static std::string Stamp() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    localtime_r(&t, &tm);
    const int ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000);
    char out[96];
    std::snprintf(out, sizeof out, "%04d-%02d-%02d %02d:%02d:%02d,%03d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return out;
  }

  std::string path_;
  int fd_ = -1;
  uint64_t records_ = 0;
};

struct Summary {
  size_t n = 0;
  int timeouts = 0;
  double min = 0, median = 0, p95 = 0, p99 = 0, max = 0;
};

// Nearest rank: the smallest sample with at least q of the samples at or below it.
Summary Summarize(std::vector<double> v, int timeouts) {
  Summary s;
  s.n = v.size();
  s.timeouts = timeouts;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::clamp<size_t>(k, 1, v.size()) - 1];
  };
  s.min = v.front();
  s.median = rank(0.5);
  s.p95 = rank(0.95);
  s.p99 = rank(0.99);
  s.max = v.back();
  return s;
}

// Sleeps a uniform random time in [low_ms, high_ms].
class Spacer {
 public:
  Spacer(int low_ms, int high_ms) : rng_(std::random_device{}()), dist_(low_ms, high_ms) {}
  void Wait() { std::this_thread::sleep_for(std::chrono::milliseconds(std::max(0, dist_(rng_)))); }

 private:
  std::mt19937 rng_;
  std::uniform_int_distribution<int> dist_;
};

// Does the alert of `rule` carry evidence (log, offset)? Parsed only when the offset appears.
bool AlertHasEvidence(const std::string& body, const Options& o, uint64_t offset) {
  const std::string needle = "\"offset\":" + std::to_string(offset);
  bool candidate = false;
  for (size_t at = body.find(needle); at != std::string::npos; at = body.find(needle, at + 1)) {
    const char next = body[at + needle.size()];
    if (next < '0' || next > '9') candidate = true;
  }
  if (!candidate) return false;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.contains("alerts")) Die("/api/v1/alerts answered no JSON alerts");
  for (const auto& a : j["alerts"]) {
    if (a.value("rule", "") != o.rule) continue;
    for (const auto& e : a.value("evidence", nlohmann::json::array())) {
      if (e.value("log", "") == o.log_name && e.value("offset", uint64_t{0}) == offset) {
        return true;
      }
    }
  }
  return false;
}

uint64_t RuleMatches(httplib::Client& c, const std::string& rule) {
  auto r = c.Get("/api/v1/rules", Identity());
  if (!r || r->status != 200) Die("GET /api/v1/rules failed");
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) Die("/api/v1/rules answered no JSON");
  for (const auto& x : j.value("rules", nlohmann::json::array())) {
    if (x.value("id", "") == rule) return x.value("matches", uint64_t{0});
  }
  Die("rule " + rule + " is not loaded (GET /api/v1/rules)");
}

// Polls `path` every `poll` from t0 until `seen(body)`; the latency in ms, or -1 at the timeout.
// Requests that fail (no answer, not 200) are counted in *failed.
template <typename Seen>
double PollUntil(httplib::Client& c, const char* path, Clock::time_point t0,
                 std::chrono::microseconds poll, std::chrono::milliseconds timeout, int* failed,
                 Seen seen) {
  auto next = Clock::now();
  while (true) {
    auto r = c.Get(path, Identity());
    const auto t = Clock::now();
    if (!r || r->status != 200) ++*failed;
    if (r && r->status == 200 && seen(r->body)) return Ms(t - t0);
    if (t - t0 > timeout) return -1;
    next += poll;
    if (next < t) next = t;
    std::this_thread::sleep_until(next);
  }
}

struct LatencyResult {
  Summary s;
  double first_ms = 0;  // The append that created the alert (not in the summary).
  int attempted = 0;
  bool budget_hit = false;
  double elapsed_s = 0;
  int failed_requests = 0;
};

// One append's latency into the phase's samples; one not seen counts as the timeout.
void AddSample(double ms, const Options& o, int* attempted, int* timeouts,
               std::vector<double>* samples) {
  ++*attempted;
  if (ms < 0) {
    ++*timeouts;
    ms = o.timeout_ms;
  }
  samples->push_back(ms);
}

LatencyResult AlertLatency(const Options& o, Appender& log, httplib::Client& c) {
  LatencyResult res;
  Spacer spacer(o.interval_ms - o.jitter_ms, o.interval_ms + o.jitter_ms);
  const auto timeout = std::chrono::milliseconds(o.timeout_ms);
  std::vector<double> samples;
  int timeouts = 0;
  const auto start = Clock::now();
  for (int k = 0; k <= o.appends; ++k) {  // k == 0: the alert's creation, reported apart.
    if (k > 0 && Seconds(Clock::now() - start) > o.latency_budget) {
      res.budget_hit = true;
      break;
    }
    const auto w = log.Append();
    double ms = PollUntil(c, "/api/v1/alerts", w.t0, std::chrono::microseconds(o.poll_us), timeout,
                          &res.failed_requests, [&](const std::string& body) {
                            return AlertHasEvidence(body, o, w.offset);
                          });
    if (k == 0) {
      res.first_ms = ms;
    } else {
      AddSample(ms, o, &res.attempted, &timeouts, &samples);
    }
    spacer.Wait();
  }
  res.elapsed_s = Seconds(Clock::now() - start);
  res.s = Summarize(std::move(samples), timeouts);
  return res;
}

double RecordsTotal(httplib::Client& c, const Options& o) {
  auto r = c.Get("/metrics", Identity());
  if (!r || r->status != 200) return -1;
  return SeriesValue(r->body, "cutover_guard_log_records_total", o.log_name);
}

LatencyResult MetricsLatency(const Options& o, Appender& log, httplib::Client& c) {
  LatencyResult res;
  // Every record written so far must be counted before the first append (the page may be
  // 0.5 s old); the rest of the phase then waits for "all records written" after each append.
  const auto sync_until = Clock::now() + std::chrono::seconds(5);
  double base = RecordsTotal(c, o);
  while (base < static_cast<double>(log.records()) && Clock::now() < sync_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    base = RecordsTotal(c, o);
  }
  if (base < 0) Die("/metrics has no cutover_guard_log_records_total{log=\"" + o.log_name + "\"}");
  if (base != static_cast<double>(log.records())) {
    std::printf(
        "note: records_total{log=\"%s\"} is %.0f after %llu records written; counting from "
        "there\n",
        o.log_name.c_str(), base, static_cast<unsigned long long>(log.records()));
  }
  // The page is re-rendered at most once a second, on the first request after it aged: our own
  // polling sets that phase, so the next append must land anywhere in the second after it.
  Spacer spacer(o.interval_ms, o.interval_ms + o.metrics_jitter_ms);
  const auto timeout = std::chrono::milliseconds(o.timeout_ms);
  std::vector<double> samples;
  int timeouts = 0;
  const auto start = Clock::now();
  for (int k = 1; k <= o.metrics_appends; ++k) {
    if (k > 1 && Seconds(Clock::now() - start) > o.metrics_budget) {
      res.budget_hit = true;
      break;
    }
    const double want = base + k;
    const auto w = log.Append();
    double ms =
        PollUntil(c, "/metrics", w.t0, std::chrono::microseconds(o.metrics_poll_us), timeout,
                  &res.failed_requests, [&](const std::string& body) {
                    return SeriesValue(body, "cutover_guard_log_records_total", o.log_name) >= want;
                  });
    AddSample(ms, o, &res.attempted, &timeouts, &samples);
    spacer.Wait();
  }
  res.elapsed_s = Seconds(Clock::now() - start);
  res.s = Summarize(std::move(samples), timeouts);
  return res;
}

void PrintLatency(const char* what, const LatencyResult& r, int asked, double budget) {
  const std::string stopped =
      r.budget_hit ? " (stopped at the " + std::to_string(static_cast<int>(budget)) + " s budget)"
                   : "";
  std::printf(
      "%s: %d of %d appends in %.1f s%s: min %.2f, median %.2f, p95 %.2f, p99 %.2f, max %.2f ms; "
      "%d timeouts (counted at the timeout); %d failed requests while polling\n",
      what, r.attempted, asked, r.elapsed_s, stopped.c_str(), r.s.min, r.s.median, r.s.p95, r.s.p99,
      r.s.max, r.s.timeouts, r.failed_requests);
}

// --- Verdicts. -------------------------------------------------------------------------------

struct Verdict {
  std::string name;
  bool pass;
  std::string line;
};

// `digits` after the decimal point for the value.
Verdict Figure(const std::string& name, double value, int digits, const char* unit, double target,
               const std::string& detail) {
  char buf[768];
  std::snprintf(buf, sizeof buf, "%s: %.*f %s (target <= %g %s) ratio %.3f%s", name.c_str(), digits,
                value, unit, target, unit, value / target, detail.c_str());
  return {name, value <= target, buf};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (auto err = cg::bench::ParseFlags(argc, argv, o.Flags())) {
    std::fprintf(stderr, "cg_footprint_bench: %s %s\n",
                 err->missing_value ? "missing value for" : "unknown flag", err->flag.c_str());
    return 2;
  }
  if (o.pid <= 0 || (!o.idle_only && (o.port <= 0 || o.log.empty()))) {
    std::fprintf(stderr,
                 "usage: cg_footprint_bench --pid PID --port PORT --log FILE [options] "
                 "(see the comment at the top of bench/footprint/footprint_bench.cc)\n");
    return 2;
  }
  if (!Alive(o.pid)) Die("no process " + std::to_string(o.pid));
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  if (o.port > 0) WaitReady(o);
  std::printf("%s: settling %.0f s, then %.0f s without a request%s\n", o.label.c_str(),
              o.settle_seconds, o.quiet_seconds,
              o.port > 0 && o.idle_seconds > 0
                  ? (", then " + std::to_string(static_cast<int>(o.idle_seconds)) +
                     " s with a /metrics scrape every " +
                     std::to_string(static_cast<int>(o.scrape_seconds)) + " s")
                        .c_str()
                  : "");
  std::this_thread::sleep_for(FromSeconds(o.settle_seconds));

  std::vector<Verdict> verdicts;
  const Window quiet = MeasureWindow(o, o.quiet_seconds, 0);
  PrintWindow("quiet window (no request)", quiet);
  const Memory& m = quiet.end;
  char detail[512];
  std::snprintf(detail, sizeof detail,
                "  [largest of %d 1-s VmRSS samples, smallest %.2f; at the end: PSS %.2f MiB "
                "(anon %.2f, file %.2f), RssAnon %.2f, RssFile %.2f, RssShmem %.2f MiB, VmHWM "
                "%.2f MiB, %llu threads]",
                quiet.rss_samples, MiB(quiet.rss_min_kb), MiB(m.pss_kb), MiB(m.pss_anon_kb),
                MiB(m.pss_file_kb), MiB(m.anon_kb), MiB(m.file_kb), MiB(m.shmem_kb), MiB(m.hwm_kb),
                static_cast<unsigned long long>(m.threads));
  verdicts.push_back(
      Figure(o.label + " idle RSS", MiB(quiet.rss_max_kb), 2, "MiB", kIdleRssTargetMiB, detail));
  std::snprintf(detail, sizeof detail,
                "  [%.1f s window, no request; %.2f wake-ups/s; not a target]", quiet.wall_s,
                static_cast<double>(quiet.voluntary) / quiet.wall_s);
  const Verdict quiet_cpu = Figure(o.label + " idle CPU without scrape", quiet.CpuPercent(), 4,
                                   "% of one core", kIdleCpuTargetPercent, detail);

  if (o.port > 0 && o.idle_seconds > 0) {
    const Window scraped = MeasureWindow(o, o.idle_seconds, o.scrape_seconds);
    PrintWindow("scrape window", scraped);
    std::snprintf(detail, sizeof detail,
                  "  [%.1f s window, %d scrapes; %.2f wake-ups/s; RSS at the end %.2f MiB]",
                  scraped.wall_s, scraped.scrapes,
                  static_cast<double>(scraped.voluntary) / scraped.wall_s, MiB(scraped.end.rss_kb));
    verdicts.push_back(Figure(o.label + " idle CPU with a " +
                                  std::to_string(static_cast<int>(o.scrape_seconds)) + " s scrape",
                              scraped.CpuPercent(), 4, "% of one core", kIdleCpuTargetPercent,
                              detail));
  }

  if (!o.idle_only && o.latency) {
    auto client = Connect(o.port);
    Appender log(o.log);
    const uint64_t matches_before = RuleMatches(*client, o.rule);
    const LatencyResult alerts = AlertLatency(o, log, *client);
    std::printf("first append (creates the %s alert): %.2f ms%s\n", o.rule.c_str(),
                alerts.first_ms < 0 ? o.timeout_ms : alerts.first_ms,
                alerts.first_ms < 0 ? " (timeout)" : "");
    PrintLatency("append -> evidence offset in /api/v1/alerts", alerts, o.appends,
                 o.latency_budget);
    const uint64_t matches = RuleMatches(*client, o.rule) - matches_before;
    std::printf("check: /api/v1/rules %s matches +%llu for %llu records written\n", o.rule.c_str(),
                static_cast<unsigned long long>(matches),
                static_cast<unsigned long long>(log.records()));
    std::snprintf(detail, sizeof detail,
                  "  [n=%zu, min %.2f, median %.2f, p99 %.2f, max %.2f ms, %d timeouts]",
                  alerts.s.n, alerts.s.min, alerts.s.median, alerts.s.p99, alerts.s.max,
                  alerts.s.timeouts);
    verdicts.push_back(Figure("append -> alert in /api/v1/alerts p95", alerts.s.p95, 2, "ms",
                              kAlertP95TargetMs, detail));

    const LatencyResult metrics = MetricsLatency(o, log, *client);
    PrintLatency("append -> records_total in /metrics", metrics, o.metrics_appends,
                 o.metrics_budget);
    std::snprintf(detail, sizeof detail,
                  "  [n=%zu, min %.2f, median %.2f, p99 %.2f, max %.2f ms, %d timeouts]",
                  metrics.s.n, metrics.s.min, metrics.s.median, metrics.s.p99, metrics.s.max,
                  metrics.s.timeouts);
    verdicts.push_back(Figure("append -> records_total in /metrics p95", metrics.s.p95, 1, "ms",
                              kMetricsP95TargetMs, detail));
  }

  // A latency phase without a sample measured nothing: that is a miss, not a pass.
  for (auto& v : verdicts) {
    if (v.name.starts_with("append") && v.line.find("[n=0,") != std::string::npos) {
      v.pass = false;
      v.line += " (no sample)";
    }
  }
  // In the order of the targets: the latencies first.
  std::stable_partition(verdicts.begin(), verdicts.end(),
                        [](const Verdict& v) { return v.name.starts_with("append"); });
  std::printf("--- %s figures\n", o.label.c_str());
  for (const auto& v : verdicts) std::printf("figure: %s\n", v.line.c_str());
  std::printf("info:   %s\n", quiet_cpu.line.c_str());
  bool all = true;
  for (const auto& v : verdicts) {
    std::printf("%s %s\n", v.pass ? "PASS" : "FAIL", v.name.c_str());
    all = all && v.pass;
  }
  return all ? 0 : 1;
}
