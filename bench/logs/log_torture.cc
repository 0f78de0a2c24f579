// cg_log_torture: writes WSO2-style log lines at a given rate while rotating the file, runs a
// tailer command alongside (restarting it with SIGTERM if asked), then checks by content that
// every line written was handed on exactly once.
//
//   cg_log_torture --work DIR [--mode rename|copytruncate|delete] [--rate 20000] [--seconds 60]
//                  [--rotate-every 10000] [--restarts 0] [--keep 20] [--window 0] [--glob]
//                  [--tailer-cmd CMD | --daemon BINARY [--rules GLOB]]
//
// Every physical line carries "seq=<n>" (n = 1..W); every 50th record is a multi-line stack
// trace written with one write(), like log4j does. Rotation modes:
//   rename        log4j2 RollingFile: rename to wso2carbon-MM-dd-yyyy-N.log, create a new file
//   copytruncate  logrotate copytruncate: copy to wso2carbon.log.N, truncate the live file
//                 (--window K writes K more records between the copy and the truncate: the
//                 unavoidable window in which lines reach neither file)
//   delete        unlink and re-create
// Only the newest --keep rotated files are kept (older ones are deleted, as retention does).
//
// The tailer command is a parameter (default: cg_tail_driver next to this program). Its
// placeholders: {log} path (or glob with --glob) to tail, {state} state dir, {seq} file to
// write handed-on seq numbers to (one per line), {status} JSON status file ({"final":..,
// "logs":{"torture":{"lines":N,...}}}), {run} run index. The program waits (bounded) until the
// runs' line counts add up to what was written, sends SIGTERM, and reads the {seq} files.
// Exit code 0 iff lost == 0 and duplicated == 0 (lines lost inside a copytruncate window are
// reported separately: they exist in no file).
//
// --daemon BINARY runs the real daemon instead (`BINARY run --config WORK/daemon.yaml`, one log
// "torture", optionally the rule files --rules GLOB so records also go through the rule
// engine). There is no per-line output, so the check is by count: the daemon's
// cutover_guard_log_lines_total (scraped from /metrics while a run is up; at each SIGTERM the
// run's final value from the daemon's stop line "log torture: this run handed on N lines in M
// records") summed over the runs, against the lines written; records likewise.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/support/flags.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  fs::path work;
  std::string mode = "rename";
  uint64_t rate = 20000;
  double seconds = 60;
  uint64_t rotate_every = 10000;
  int restarts = 0;
  size_t keep = 20;
  int window = 0;
  bool glob = false;
  std::string tailer_cmd;
  std::string daemon;  // Path of the cutover-guard binary: daemon mode.
  std::string rules;   // Rule file glob for daemon mode ("" = no rules).

  // The flags that set these options.
  cg::bench::FlagTable Flags() {
    return {.values = {{"--work", [this](const auto& v) { work = v; }},
                       {"--mode", [this](const auto& v) { mode = v; }},
                       {"--rate", [this](const auto& v) { rate = std::stoull(v); }},
                       {"--seconds", [this](const auto& v) { seconds = std::stod(v); }},
                       {"--rotate-every", [this](const auto& v) { rotate_every = std::stoull(v); }},
                       {"--restarts", [this](const auto& v) { restarts = std::stoi(v); }},
                       {"--keep", [this](const auto& v) { keep = std::stoul(v); }},
                       {"--window", [this](const auto& v) { window = std::stoi(v); }},
                       {"--tailer-cmd", [this](const auto& v) { tailer_cmd = v; }},
                       {"--daemon", [this](const auto& v) { daemon = v; }},
                       {"--rules", [this](const auto& v) { rules = v; }}},
            .switches = {{"--glob", [this](const auto&) { glob = true; }}}};
  }
};

void Die(const std::string& m) {
  std::cerr << "cg_log_torture: " << m << "\n";
  std::exit(3);
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      Die(std::string("write: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// --- The tailer process. ---------------------------------------------------------------------

class Tailer {
 public:
  explicit Tailer(const Options& o) : o_(o) {}
  fs::path SeqFile(int run) const {
    return o_.work / "out" / ("run-" + std::to_string(run) + ".seq");
  }
  fs::path StatusFile(int run) const {
    return o_.work / "out" / ("run-" + std::to_string(run) + ".status.json");
  }
  void Launch() {
    std::lock_guard<std::mutex> lock(mu_);
    int run = runs_++;
    std::string log =
        (o_.work / "logs" / (o_.glob ? "wso2carbon*.log" : "wso2carbon.log")).string();
    std::string cmd = o_.tailer_cmd;
    cmd = Replace(cmd, "{log}", log);
    cmd = Replace(cmd, "{state}", (o_.work / "state").string());
    cmd = Replace(cmd, "{seq}", SeqFile(run).string());
    cmd = Replace(cmd, "{status}", StatusFile(run).string());
    cmd = Replace(cmd, "{run}", std::to_string(run));
    if (!o_.daemon.empty()) {
      WriteDaemonConfig(log);
      cmd = "'" + o_.daemon + "' run --config '" + (o_.work / "daemon.yaml").string() + "' >'" +
            StderrFile(run).string() + "' 2>&1";
    }
    // Built before fork(): the child of a threaded process must not allocate (another thread
    // may hold the allocator's lock at the fork; the child would hang forever).
    const std::string shell_cmd = "exec " + cmd;
    pid_t pid = ::fork();
    if (pid < 0) Die("fork failed");
    if (pid == 0) {
      ::setpgid(0, 0);
      ::execl("/bin/sh", "sh", "-c", shell_cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    ::setpgid(pid, pid);
    pid_ = pid;
  }
  // SIGTERM and wait; returns the exit status.
  int Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    if (pid_ <= 0) return -1;
    const auto t0 = Clock::now();
    ::kill(-pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    if (took > 1.0) {
      std::cerr << "cg_log_torture: run " << runs_ - 1 << " took " << took << " s to stop\n";
    }
    return st;
  }
  int runs() const { return runs_; }
  bool daemon() const { return !o_.daemon.empty(); }
  // Waits (bounded) until the current run is up: the daemon listens, the driver wrote a status.
  void WaitStarted(std::chrono::milliseconds timeout) const {
    const int run = runs_ - 1;
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      if (daemon()) {
        std::ifstream in(StderrFile(run));
        std::stringstream ss;
        ss << in.rdbuf();
        if (ss.str().find("listening on") != std::string::npos) return;
      } else if (fs::exists(StatusFile(run))) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // Lines handed on according to a run's status file (0 if not there yet).
  uint64_t Lines(int run, bool* final) const {
    if (daemon()) return DaemonField(run, "lines", final);
    std::ifstream in(StatusFile(run));
    if (!in) return 0;
    try {
      auto j = nlohmann::json::parse(in);
      if (final) *final = j.value("final", false);
      uint64_t n = 0;
      for (auto& [name, l] : j.at("logs").items()) n += l.value("lines", uint64_t{0});
      return n;
    } catch (const std::exception&) {
      return 0;
    }
  }
  uint64_t Field(int run, const char* field) const {
    if (daemon()) return DaemonField(run, field, nullptr);
    std::ifstream in(StatusFile(run));
    if (!in) return 0;
    try {
      auto j = nlohmann::json::parse(in);
      uint64_t n = 0;
      for (auto& [name, l] : j.at("logs").items()) n += l.value(field, uint64_t{0});
      return n;
    } catch (const std::exception&) {
      return 0;
    }
  }

  fs::path StderrFile(int run) const {
    return o_.work / "out" / ("run-" + std::to_string(run) + ".daemon.log");
  }

 private:
  void WriteDaemonConfig(const std::string& log) const {
    std::ofstream out(o_.work / "daemon.yaml");
    out << "listen: \"127.0.0.1:0\"\n"
        << "state_dir: " << (o_.work / "state").string() << "\n"
        << "sample_interval: 1s\n"
        << "logs:\n"
        << "  - name: torture\n"
        << "    path: '" << log << "'\n"
        << "    format: wso2-carbon\n"
        << "    start_at: beginning\n";
    if (!o_.rules.empty()) out << "rule_files: ['" << o_.rules << "']\n";
  }

  // Daemon mode: a finished run's figures come from its stop line; a running one's lines from
  // a scrape of its /metrics (other fields are 0 until it stops).
  uint64_t DaemonField(int run, const std::string& field, bool* final) const {
    std::ifstream in(StderrFile(run));
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    static const std::regex stop_re(
        R"(log torture: this run handed on (\d+) lines in (\d+) records \((\d+) rotations, )"
        R"((\d+) truncations, (\d+) gap events\))");
    std::smatch m;
    if (std::regex_search(text, m, stop_re)) {
      if (final) *final = true;
      int group = field == "lines"         ? 1
                  : field == "records"     ? 2
                  : field == "rotations"   ? 3
                  : field == "truncations" ? 4
                  : field == "gaps"        ? 5
                                           : 0;
      return group == 0 ? 0 : std::stoull(m[group].str());
    }
    if (field != "lines") return 0;
    static const std::regex listen_re(R"(listening on 127\.0\.0\.1:(\d+))");
    if (!std::regex_search(text, m, listen_re)) return 0;
    httplib::Client client("127.0.0.1", std::stoi(m[1].str()));
    client.set_connection_timeout(std::chrono::seconds(1));
    client.set_read_timeout(std::chrono::seconds(2));
    auto res = client.Get("/metrics");
    if (!res || res->status != 200) return 0;
    static const std::string series = "cutover_guard_log_lines_total{log=\"torture\"} ";
    size_t at = res->body.find(series);
    if (at == std::string::npos) return 0;
    return static_cast<uint64_t>(std::strtod(res->body.c_str() + at + series.size(), nullptr));
  }

  const Options& o_;
  std::mutex mu_;
  pid_t pid_ = -1;
  std::atomic<int> runs_{0};
};

// --- The writer. ---------------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(const Options& o) : o_(o), live_(o.work / "logs" / "wso2carbon.log") {
    fd_ = ::open(live_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) Die("cannot create " + live_.string());
  }
  ~Writer() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Appends one record (1 or 4 lines) as one write.
  void WriteRecord() {
    ++records_;
    std::string rec;
    char line[256];
    uint64_t seq = ++written_;
    std::snprintf(line, sizeof line,
                  "TID: [-1234] [] [%s]  INFO {org.example.torture.Writer} - seq=%09llu the "
                  "quick brown fox jumps over the lazy dog\n",
                  stamp_, static_cast<unsigned long long>(seq));
    rec += line;
    if (records_ % 50 == 0) {
      for (int k = 0; k < 3; ++k) {
        seq = ++written_;
        std::snprintf(line, sizeof line,
                      "\tat org.example.torture.Writer.frame%d(Writer.java:%d) seq=%09llu\n", k,
                      40 + k, static_cast<unsigned long long>(seq));
        rec += line;
      }
    }
    lines_in_file_ += records_ % 50 == 0 ? 4 : 1;
    WriteAll(fd_, rec);
  }

  void Stamp() {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    localtime_r(&t, &tm);
    int ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000);
    std::snprintf(stamp_, sizeof stamp_, "%04d-%02d-%02d %02d:%02d:%02d,%03d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    std::snprintf(date_, sizeof date_, "%02d-%02d-%04d", tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_year + 1900);
  }

  bool RotationDue() const { return lines_in_file_ >= o_.rotate_every; }

  void Rotate() {
    ++rotations_;
    fs::path rotated;
    if (o_.mode == "rename") {
      rotated = o_.work / "logs" /
                ("wso2carbon-" + std::string(date_) + "-" + std::to_string(rotations_) + ".log");
      ::close(fd_);
      fs::rename(live_, rotated);
      fd_ = ::open(live_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    } else if (o_.mode == "copytruncate") {
      rotated = o_.work / "logs" / ("wso2carbon.log." + std::to_string(rotations_));
      CopyLive(rotated);
      if (o_.window > 0) {
        // Lines written after the copy and before the truncate: in neither file afterwards.
        uint64_t first = written_ + 1;
        for (int i = 0; i < o_.window; ++i) WriteRecord();
        window_ranges_.emplace_back(first, written_);
      }
      if (::ftruncate(fd_, 0) != 0) Die("ftruncate failed");
    } else if (o_.mode == "delete") {
      ::close(fd_);
      fs::remove(live_);
      fd_ = ::open(live_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    } else {
      Die("unknown mode " + o_.mode);
    }
    if (fd_ < 0) Die("cannot re-create " + live_.string());
    lines_in_file_ = 0;
    if (!rotated.empty()) {
      kept_.push_back(rotated);
      while (kept_.size() > o_.keep) {
        fs::remove(kept_.front());
        kept_.pop_front();
      }
    }
  }

  uint64_t written() const { return written_; }
  uint64_t records() const { return records_; }
  uint64_t rotations() const { return rotations_; }
  const std::vector<std::pair<uint64_t, uint64_t>>& window_ranges() const { return window_ranges_; }

 private:
  void CopyLive(const fs::path& to) {
    int in = ::open(live_.c_str(), O_RDONLY | O_CLOEXEC);
    int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0) Die("copy failed");
    std::vector<char> buf(1 << 20);
    for (;;) {
      ssize_t n = ::read(in, buf.data(), buf.size());
      if (n <= 0) break;
      WriteAll(out, std::string_view(buf.data(), static_cast<size_t>(n)));
    }
    ::close(in);
    ::close(out);
  }

  const Options& o_;
  fs::path live_;
  int fd_ = -1;
  uint64_t written_ = 0, records_ = 0, lines_in_file_ = 0, rotations_ = 0;
  char stamp_[96] = "2024-11-16 02:14:07,512";
  char date_[48] = "11-16-2024";
  std::deque<fs::path> kept_;
  std::vector<std::pair<uint64_t, uint64_t>> window_ranges_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const auto flag_error = cg::bench::ParseFlags(argc, argv, o.Flags());
  if (flag_error && flag_error->missing_value) Die(flag_error->flag + " needs a value");
  if (flag_error)
    Die("unknown argument " + flag_error->flag + " (see the header of bench/logs/log_torture.cc)");
  if (o.work.empty()) Die("--work DIR is required");
  if (o.tailer_cmd.empty()) {
    fs::path self = fs::canonical("/proc/self/exe").parent_path();
    o.tailer_cmd = (self / "cg_tail_driver").string() +
                   " --state-dir {state} --log name=torture,path={log},format=wso2-carbon,"
                   "start_at=beginning --seq-out {seq} --status-out {status}";
  }
  if (!o.daemon.empty()) o.daemon = fs::absolute(o.daemon).string();
  fs::remove_all(o.work);
  fs::create_directories(o.work / "logs");
  fs::create_directories(o.work / "state");
  fs::create_directories(o.work / "out");
  ::setenv("CG_DRIVER_QUIET", "1", 1);

  Tailer tailer(o);
  Writer writer(o);
  tailer.Launch();

  // Restarts come from their own thread so the writer never pauses (rotations happen while
  // the tailer is down, as they would in production).
  std::atomic<bool> writing{true};
  std::thread restarter([&] {
    std::mt19937 rng(12345);
    auto start = Clock::now();
    for (int k = 1; k <= o.restarts; ++k) {
      auto at = start + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(o.seconds * k / (o.restarts + 1)));
      std::this_thread::sleep_until(at);
      if (!writing) break;
      // A restart only tests something once the run has started (restored its checkpoint);
      // short runs with many restarts would otherwise stop a run before it ran.
      tailer.WaitStarted(std::chrono::seconds(10));
      tailer.Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 900));
      tailer.Launch();
    }
  });

  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  auto next_tick = start;
  while (Clock::now() < end) {
    writer.Stamp();
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    uint64_t due = static_cast<uint64_t>(elapsed * static_cast<double>(o.rate));
    while (writer.written() < due) {
      writer.WriteRecord();
      if (writer.RotationDue()) writer.Rotate();
    }
    next_tick += std::chrono::milliseconds(1);
    std::this_thread::sleep_until(next_tick);
  }
  writing = false;
  restarter.join();
  const double write_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t written = writer.written();

  // Let the tailer catch up (bounded), then stop it.
  auto handed_on = [&] {
    uint64_t n = 0;
    for (int r = 0; r < tailer.runs(); ++r) n += tailer.Lines(r, nullptr);
    return n;
  };
  uint64_t window_lines = 0;
  for (auto [a, b] : writer.window_ranges()) window_lines += b - a + 1;
  // Done when every line outside copytruncate windows is in, and the count has been stable
  // for a second (window lines may or may not have been read before the truncate).
  auto wait_end = Clock::now() + std::chrono::seconds(60);
  uint64_t last = handed_on();
  auto stable_since = Clock::now();
  while (Clock::now() < wait_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    uint64_t now_lines = handed_on();
    if (now_lines != last) {
      last = now_lines;
      stable_since = Clock::now();
    }
    if (now_lines + window_lines >= written &&
        Clock::now() - stable_since > std::chrono::seconds(1)) {
      break;
    }
  }
  tailer.Stop();

  // Verify by content.
  std::vector<uint8_t> seen(written + 1, 0);
  uint64_t foreign = 0, lines_total = 0, records_total = 0, gaps = 0, rotations_seen = 0,
           truncations = 0;
  for (int r = 0; r < tailer.runs(); ++r) {
    bool final = false;
    lines_total += tailer.Lines(r, &final);
    records_total += tailer.Field(r, "records");
    gaps += tailer.Field(r, "gaps");
    rotations_seen += tailer.Field(r, "rotations");
    truncations += tailer.Field(r, "truncations");
    if (!final) std::cerr << "cg_log_torture: run " << r << " wrote no final status\n";
    std::ifstream in(tailer.SeqFile(r));
    for (std::string l; std::getline(in, l);) {
      uint64_t s = std::strtoull(l.c_str(), nullptr, 10);
      if (s == 0 || s > written) {
        ++foreign;
        continue;
      }
      if (seen[s] < 255) ++seen[s];
    }
  }
  auto in_window = [&](uint64_t s) {
    for (auto [a, b] : writer.window_ranges()) {
      if (s >= a && s <= b) return true;
    }
    return false;
  };
  uint64_t lost = 0, lost_window = 0, duplicated = 0;
  uint64_t first_lost = 0;
  if (tailer.daemon()) {
    // By count: lines inside copytruncate windows may or may not have been read.
    uint64_t must = written - window_lines;
    lost = lines_total < must ? must - lines_total : 0;
    duplicated = lines_total > written ? lines_total - written : 0;
    lost_window = lines_total >= must
                      ? std::min(window_lines, written - std::min(written, lines_total))
                      : window_lines;
  }
  for (uint64_t s = 1; s <= written && !tailer.daemon(); ++s) {
    if (seen[s] == 0) {
      if (in_window(s)) {
        ++lost_window;
      } else {
        ++lost;
        if (first_lost == 0) first_lost = s;
      }
    } else if (seen[s] > 1) {
      duplicated += seen[s] - 1u;
    }
  }
  std::printf(
      "torture %s mode=%s%s rate=%llu/s seconds=%.1f rotate_every=%llu restarts=%d window=%d: "
      "written=%llu handed_on=%llu (lines_total=%llu) lost=%llu duplicated=%llu "
      "lost_in_window=%llu/%llu records written=%llu handed_on=%llu rotations=%llu (tailer saw "
      "%llu rotations, %llu truncations) gap_events=%llu foreign=%llu\n",
      tailer.daemon() ? "daemon" : "driver", o.mode.c_str(), o.glob ? "+glob" : "",
      static_cast<unsigned long long>(o.rate), write_seconds,
      static_cast<unsigned long long>(o.rotate_every), o.restarts, o.window,
      static_cast<unsigned long long>(written),
      static_cast<unsigned long long>(written - lost - lost_window + duplicated),
      static_cast<unsigned long long>(lines_total), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(duplicated), static_cast<unsigned long long>(lost_window),
      static_cast<unsigned long long>(window_lines),
      static_cast<unsigned long long>(writer.records()),
      static_cast<unsigned long long>(records_total),
      static_cast<unsigned long long>(writer.rotations()),
      static_cast<unsigned long long>(rotations_seen), static_cast<unsigned long long>(truncations),
      static_cast<unsigned long long>(gaps), static_cast<unsigned long long>(foreign));
  // Records are a second, independent count (a record is 1 or 4 lines); outside copytruncate
  // windows they must match exactly too.
  const bool records_ok = o.window > 0 || records_total == writer.records();
  if (!records_ok)
    std::printf("  records differ: written %llu, handed on %llu\n",
                static_cast<unsigned long long>(writer.records()),
                static_cast<unsigned long long>(records_total));
  if (lost > 0 && first_lost > 0)
    std::printf("  first lost seq: %llu\n", static_cast<unsigned long long>(first_lost));
  return lost == 0 && duplicated == 0 && records_ok ? 0 : 1;
}
