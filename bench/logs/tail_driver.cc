// cg_tail_driver: runs LogWatcher + LogTailers in an io_context for a config-like set of logs,
// the way the daemon will, so the torture program and the benchmarks can drive the real
// tailing code before the daemon wiring exists.
//
//   cg_tail_driver --state-dir DIR --log name=carbon,path=/x/wso2carbon.log[,format=wso2-carbon]
//                  [,start_at=beginning][,poll_ms=1000][,flush_ms=500] [--log ...]
//                  [--seq-out FILE] [--status-out FILE] [--status-interval-ms 200]
//
// --seq-out: every physical line handed on that carries "seq=<digits>" has the number written
//   to FILE (one per line), so lost and duplicated lines can be found by content.
// --status-out: JSON {"final":bool,"logs":{"<name>":{"lines":..,"records":..,"rotations":..,
//   "truncations":..,"gaps":..,"long_lines":..}}} rewritten atomically every interval and at exit.
// SIGTERM/SIGINT: stop the watcher (which checkpoints), write the final status, exit 0.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/fs.h"
#include "collectors/logs/log_tailer.h"
#include "collectors/logs/log_watcher.h"

namespace {

bool ParseLogArg(const std::string& arg, cg::LogSpec* spec, std::string* error) {
  std::stringstream ss(arg);
  std::string kv;
  spec->start_at = cg::StartAt::kBeginning;
  while (std::getline(ss, kv, ',')) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      *error = "expected key=value, got " + kv;
      return false;
    }
    std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    if (k == "name") {
      spec->name = v;
    } else if (k == "path") {
      spec->path = v;
    } else if (k == "format") {
      auto f = cg::ParseLogFormat(v);
      if (!f) {
        *error = "unknown format " + v;
        return false;
      }
      spec->format = *f;
    } else if (k == "start_at") {
      auto s = cg::ParseStartAt(v);
      if (!s) {
        *error = "start_at must be end or beginning, got " + v;
        return false;
      }
      spec->start_at = *s;
    } else if (k == "timezone") {
      auto z = cg::TimeZone::Parse(v);
      if (!z.ok()) {
        *error = z.error().message();
        return false;
      }
      spec->timezone = *z;
    } else if (k == "poll_ms") {
      spec->poll_interval = std::chrono::milliseconds(std::stoll(v));
    } else if (k == "flush_ms") {
      spec->flush_timeout = std::chrono::milliseconds(std::stoll(v));
    } else if (k == "max_line") {
      spec->max_line = std::stoull(v);
    } else {
      *error = "unknown key " + k;
      return false;
    }
  }
  if (spec->name.empty() || spec->path.empty()) {
    *error = "--log needs name= and path=";
    return false;
  }
  return true;
}

// Appends the seq numbers of each physical line of a record to a buffered file.
class SeqWriter {
 public:
  explicit SeqWriter(const std::string& path) {
    if (!path.empty()) f_ = std::fopen(path.c_str(), "w");
  }
  ~SeqWriter() {
    if (f_) std::fclose(f_);
  }
  bool ok() const { return f_ != nullptr; }
  void Add(const cg::Record& r) {
    if (!f_) return;
    std::string_view t = r.text;
    size_t pos = 0;
    while (true) {
      size_t s = t.find("seq=", pos);
      if (s == std::string_view::npos) break;
      size_t e = s + 4;
      while (e < t.size() && t[e] >= '0' && t[e] <= '9') ++e;
      std::fwrite(t.data() + s + 4, 1, e - s - 4, f_);
      std::fputc('\n', f_);
      pos = e;
    }
  }
  void Flush() {
    if (f_) std::fflush(f_);
  }

 private:
  std::FILE* f_ = nullptr;
};

void WriteStatus(const std::string& path, const std::vector<std::unique_ptr<cg::LogTailer>>& ts,
                 bool final) {
  if (path.empty()) return;
  nlohmann::json logs = nlohmann::json::object();
  for (const auto& t : ts) {
    auto s = t->status();
    logs[s.name] = {{"lines", s.lines},         {"records", s.records},
                    {"rotations", s.rotations}, {"truncations", s.truncations},
                    {"gaps", s.gap_events},     {"long_lines", s.long_lines},
                    {"lag_bytes", s.lag_bytes}, {"files_open", s.files_open}};
  }
  nlohmann::json j = {{"final", final}, {"pid", ::getpid()}, {"logs", logs}};
  cg::Status st = cg::WriteFileAtomic(path, j.dump() + "\n");
  if (!st.ok()) std::cerr << "cg_tail_driver: " << st.message() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string state_dir, seq_out, status_out;
  long status_interval_ms = 200;
  std::vector<cg::LogSpec> specs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "cg_tail_driver: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--state-dir") {
      state_dir = next();
    } else if (a == "--seq-out") {
      seq_out = next();
    } else if (a == "--status-out") {
      status_out = next();
    } else if (a == "--status-interval-ms") {
      status_interval_ms = std::stol(next());
    } else if (a == "--log") {
      cg::LogSpec spec;
      std::string err;
      if (!ParseLogArg(next(), &spec, &err)) {
        std::cerr << "cg_tail_driver: " << err << "\n";
        return 2;
      }
      specs.push_back(spec);
    } else {
      std::cerr << "usage: cg_tail_driver --state-dir DIR --log name=N,path=P[,format=F]... "
                   "[--seq-out FILE] [--status-out FILE]\n";
      return 2;
    }
  }
  if (specs.empty()) {
    std::cerr << "cg_tail_driver: no --log given\n";
    return 2;
  }

  SeqWriter seqs(seq_out);
  if (!seq_out.empty() && !seqs.ok()) {
    std::cerr << "cg_tail_driver: cannot write " << seq_out << "\n";
    return 1;
  }
  auto notice = [](cg::NoticeLevel level, std::string_view m) {
    if (level == cg::NoticeLevel::kInfo && std::getenv("CG_DRIVER_QUIET")) return;
    std::cerr << (level == cg::NoticeLevel::kInfo ? "info: " : "warning: ") << m << "\n";
  };
  std::vector<std::unique_ptr<cg::LogTailer>> tailers;
  std::vector<cg::LogTailer*> raw;
  for (const auto& spec : specs) {
    cg::LogTailerOptions o;
    o.spec = spec;
    o.state_dir = state_dir;
    o.notice = notice;
    auto t = cg::LogTailer::Create(std::move(o));
    if (!t.ok()) {
      std::cerr << "cg_tail_driver: " << t.error().message() << "\n";
      return 1;
    }
    raw.push_back(t->get());
    tailers.push_back(std::move(t).value());
  }

  boost::asio::io_context io;
  cg::LogWatcherOptions wo;
  wo.notice = notice;
  cg::LogWatcher watcher(
      io, raw, [&](const cg::Record& r) { seqs.Add(r); }, wo);

  boost::asio::steady_timer status_timer(io);
  std::function<void()> arm_status = [&] {
    status_timer.expires_after(std::chrono::milliseconds(status_interval_ms));
    status_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      WriteStatus(status_out, tailers, false);
      arm_status();
    });
  };
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    watcher.Stop();  // Checkpoints: offsets match exactly what was handed on.
    status_timer.cancel();
    seqs.Flush();
    WriteStatus(status_out, tailers, true);
    io.stop();
  });
  watcher.Start();
  WriteStatus(status_out, tailers, false);
  if (!status_out.empty()) arm_status();
  io.run();
  return 0;
}
