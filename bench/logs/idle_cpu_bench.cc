// cg_log_idle_cpu: CPU used by tailing 6 idle WSO2 log files (one of them a glob with rotated
// siblings present), with the default 1 s stat poll and inotify, over a measured window.
//
//   cg_log_idle_cpu [--seconds 30]
//
// Prints process CPU time over the window as a percentage of one core and the ratio to the
// 0.05 % target, plus how many polls ran.
#include <time.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "collectors/logs/log_tailer.h"
#include "collectors/logs/log_watcher.h"

namespace {

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void Write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--seconds") seconds = std::stod(argv[i + 1]);
  }
  char tmpl[] = "/tmp/cg-idle-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 3;
  std::filesystem::path dir = tmpl;
  auto logs = dir / "logs";
  std::filesystem::create_directories(logs);
  std::string carbon_line =
      "TID: [] [] [2024-11-16 02:13:33,542]  INFO {org.wso2.carbon.core.internal."
      "StartupFinalizerServiceComponent} - WSO2 Carbon started in 41 sec\n";
  std::string body;
  for (int i = 0; i < 1000; ++i) body += carbon_line;
  Write(logs / "wso2carbon.log", body);
  for (int i = 1; i <= 20; ++i) {
    Write(logs / ("wso2carbon-11-15-2024-" + std::to_string(i) + ".log"), body);
  }
  Write(logs / "wso2-apigw-errors.log",
        "2024-11-16T02:20:41,605 [-] [HTTP-Sender I/O dispatcher-2]  WARN ConnectCallback "
        "Connection refused or failed for : orders-backend/10.20.30.40:8080\n");
  Write(logs / "audit.log",
        "TID: [-1234] [2024-11-16 02:35:10,402]  INFO {AUDIT_LOG} - {\"performedBy\":\"admin\"}\n");
  Write(logs / "http_access_2024-11-16.log",
        "10.40.2.17 - - [16/Nov/2024:02:15:44 +0000] POST /oauth2/token HTTP/1.1 200 1135 - "
        "curl/8.4.0 0\n");
  Write(logs / "correlation.log",
        "2024-11-16 02:24:05,311|6f3b0d2e|PassThroughMessageProcessor-21|0|METHOD|x|y|[z]\n");
  Write(logs / "tm.out", "[2024-11-16 02:13:02,118] [-1234]  INFO {com.atomikos.X} - tm\n");

  struct L {
    const char* name;
    std::string path;
    cg::LogFormat format;
    std::string entry_start;
  };
  std::vector<L> specs = {
      {"carbon", (logs / "wso2carbon*.log").string(), cg::LogFormat::kWso2Carbon, ""},
      {"errors", (logs / "wso2-apigw-errors.log").string(), cg::LogFormat::kWso2Errors, ""},
      {"audit", (logs / "audit.log").string(), cg::LogFormat::kWso2Audit, ""},
      {"access", (logs / "http_access_*.log").string(), cg::LogFormat::kTomcatAccess, ""},
      {"correlation", (logs / "correlation.log").string(), cg::LogFormat::kCustom,
       R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\|)"},
      {"tm", (logs / "tm.out").string(), cg::LogFormat::kPlain, ""},
  };
  std::vector<std::unique_ptr<cg::LogTailer>> tailers;
  std::vector<cg::LogTailer*> raw;
  for (const auto& s : specs) {
    cg::LogTailerOptions o;
    o.spec.name = s.name;
    o.spec.path = s.path;
    o.spec.format = s.format;
    o.spec.entry_start = s.entry_start;
    o.spec.start_at = cg::StartAt::kBeginning;
    o.state_dir = dir / "state";
    auto t = cg::LogTailer::Create(o);
    if (!t.ok()) {
      std::fprintf(stderr, "%s\n", t.error().message().c_str());
      return 3;
    }
    raw.push_back(t->get());
    tailers.push_back(std::move(t).value());
  }
  boost::asio::io_context io;
  uint64_t records = 0;
  cg::LogWatcher watcher(io, raw, [&](const cg::Record&) { ++records; });
  watcher.Start();
  io.run_for(std::chrono::seconds(2));  // Initial read, first checkpoint, flushes.
  uint64_t polls_before = watcher.stats().timer_polls;
  double cpu0 = CpuSeconds();
  auto wall0 = std::chrono::steady_clock::now();
  io.run_for(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds)));
  double cpu = CpuSeconds() - cpu0;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  uint64_t polls = watcher.stats().timer_polls - polls_before;
  watcher.Stop();
  size_t open = 0;
  for (auto* t : raw) open += t->status().files_open;
  std::filesystem::remove_all(dir);
  double pct = 100.0 * cpu / wall;
  std::printf(
      "idle cpu: 6 logs (%zu files open, 21 carbon files under a glob), %.1fs window: cpu=%.3fms "
      "= %.4f%% of a core (target <=0.05%%: ratio %.3f), %llu stat polls, %llu records read "
      "before the window\n",
      open, wall, cpu * 1e3, pct, pct / 0.05, static_cast<unsigned long long>(polls),
      static_cast<unsigned long long>(records));
  return pct <= 0.05 ? 0 : 1;
}
