// CPU cost of one /proc sample (host + one target) against the live /proc, compared in the same
// run with a naive reader of the same files (std::ifstream + istringstream per file, fds counted
// by listing the directory, as a quick script-like implementation would).
//
// To look like a WSO2 JVM, the bench process is the target and first grows to --threads idle
// threads and --fds open descriptors (thread count drives the kernel's cost of
// /proc/PID/stat; the fd count drives the cost of counting fds).
//
// Usage: proc_bench [--samples N] [--threads N] [--fds N]
#include <dirent.h>
#include <fcntl.h>
#include <prometheus/registry.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collectors/proc/sampler.h"

namespace {

double CpuSeconds() {
  timespec ts;
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The naive reference: what a straightforward implementation costs. It reads and parses the
// same files and folds the numbers into one value so the compiler keeps the work.
double NaiveReadFiles(const std::string& pid) {
  double acc = 0;
  {
    std::ifstream f("/proc/stat");
    std::string line;
    while (std::getline(f, line)) {
      if (line.rfind("cpu", 0) != 0 && line.rfind("btime", 0) != 0) continue;
      std::istringstream in(line);
      std::string key;
      in >> key;
      double v;
      while (in >> v) acc += v;
    }
  }
  {
    std::ifstream f("/proc/meminfo");
    std::string line;
    while (std::getline(f, line)) {
      std::istringstream in(line);
      std::string key;
      double v = 0;
      if (in >> key >> v) acc += v;
    }
  }
  {
    std::ifstream f("/proc/loadavg");
    double a, b, c;
    f >> a >> b >> c;
    acc += a + b + c;
  }
  for (const char* r : {"cpu", "memory", "io"}) {
    std::ifstream f(std::string("/proc/pressure/") + r);
    std::string word;
    while (f >> word) {
      auto eq = word.find('=');
      if (eq != std::string::npos) acc += std::atof(word.c_str() + eq + 1);
    }
  }
  {
    std::ifstream f("/proc/sys/fs/file-nr");
    double a, b, c;
    f >> a >> b >> c;
    acc += a / c;
  }
  {
    std::ifstream f("/proc/" + pid + "/stat");
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::istringstream in(text.substr(text.rfind(')') + 2));
    std::vector<std::string> fields;
    std::string tok;
    while (in >> tok) fields.push_back(tok);
    acc += std::stod(fields[11]) + std::stod(fields[12]) + std::stod(fields[17]);
  }
  {
    std::ifstream f("/proc/" + pid + "/status");
    std::string line;
    while (std::getline(f, line)) {
      if (line.rfind("VmRSS:", 0) == 0 || line.rfind("VmSwap:", 0) == 0) {
        acc += std::stod(line.substr(line.find(':') + 1));
      }
    }
  }
  {
    std::ifstream f("/proc/" + pid + "/limits");
    std::string line;
    while (std::getline(f, line)) {
      if (line.rfind("Max open files", 0) == 0) acc += std::stod(line.substr(26));
    }
  }
  return acc;
}

// Counting open fds the usual way (process-exporter, psutil): list /proc/PID/fd.
double NaiveCountFds(const std::string& pid) {
  size_t fds = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + pid + "/fd")) {
    (void)e;
    ++fds;
  }
  return static_cast<double>(fds);
}

// The fd count as FdDirectory does it on kernels before 6.2 (no st_size on /proc/PID/fd): a
// kept directory descriptor, rewound and listed with getdents64.
uint64_t CountFdsByListing(int dir_fd) {
  ::lseek(dir_fd, 0, SEEK_SET);
  alignas(8) char buf[16384];
  uint64_t n = 0;
  for (;;) {
    ssize_t got = ::getdents64(dir_fd, buf, sizeof buf);
    if (got <= 0) break;
    for (ssize_t off = 0; off < got;) {
      dirent64 entry;
      std::memcpy(&entry, buf + off, offsetof(dirent64, d_name));
      if (buf[off + offsetof(dirent64, d_name)] != '.') ++n;
      off += entry.d_reclen;
    }
  }
  return n;
}

struct Figures {
  double cpu_us_per_sample;
  double wall_us_per_sample;
};

template <typename F>
Figures Measure(int samples, F&& one) {
  for (int i = 0; i < samples / 20 + 10; ++i) one();  // Warm up caches and buffers.
  const double cpu0 = CpuSeconds();
  const auto wall0 = std::chrono::steady_clock::now();
  for (int i = 0; i < samples; ++i) one();
  const double cpu = CpuSeconds() - cpu0;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return {cpu / samples * 1e6, wall / samples * 1e6};
}

}  // namespace

int main(int argc, char** argv) {
  int samples = 20000;
  int threads = 200;
  int fds = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (flag == "--samples")
      samples = v;
    else if (flag == "--threads")
      threads = v;
    else if (flag == "--fds")
      fds = v;
    else {
      std::fprintf(stderr, "usage: proc_bench [--samples N] [--threads N] [--fds N]\n");
      return 2;
    }
  }

  // Make this process look like a JVM: idle threads and open descriptors.
  rlimit nofile;
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < static_cast<rlim_t>(fds) + 64 && nofile.rlim_max != nofile.rlim_cur) {
    nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, static_cast<rlim_t>(fds) + 64);
    ::setrlimit(RLIMIT_NOFILE, &nofile);
  }
  std::vector<int> held;
  for (int i = 0; i < fds; ++i) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    held.push_back(fd);
  }
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::vector<std::thread> idle;
  for (int i = 0; i < threads; ++i) {
    idle.emplace_back([&] {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return stop; });
    });
  }

  const std::string pid = std::to_string(::getpid());
  const std::filesystem::path pidfile =
      std::filesystem::temp_directory_path() / ("proc_bench." + pid + ".pid");
  std::ofstream(pidfile) << pid << "\n";

  prometheus::Registry registry;
  auto created = cg::Sampler::Create(
      {.proc_root = "/proc",
       .targets = {{.name = "bench", .pidfile = pidfile, .cmdline = "proc_bench"}},
       .registry = &registry,
       .exclude_self = false});
  auto host_only = cg::Sampler::Create({.proc_root = "/proc", .registry = nullptr});
  if (!created.ok() || !host_only.ok()) {
    std::fprintf(stderr, "proc_bench: %s\n",
                 (created.ok() ? host_only.error() : created.error()).message().c_str());
    return 1;
  }
  cg::Sampler& sampler = **created;
  auto sample = [&] {
    sampler.Sample(std::chrono::system_clock::now(), std::chrono::steady_clock::now());
  };
  auto sample_host = [&] {
    (*host_only)->Sample(std::chrono::system_clock::now(), std::chrono::steady_clock::now());
  };
  volatile double sink = 0;
  auto naive = [&] { sink = sink + NaiveReadFiles(pid) + NaiveCountFds(pid); };
  auto naive_files = [&] { sink = sink + NaiveReadFiles(pid); };

  sample();
  const cg::TargetSummary t = sampler.targets()[0];
  if (!t.up || !t.open_fds) {
    std::fprintf(stderr, "proc_bench: target not sampled: %s\n", t.last_error.c_str());
    return 1;
  }

  Figures full = Measure(samples, sample);
  Figures host = Measure(samples, sample_host);
  const int fd_dir = ::open(("/proc/" + pid + "/fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  volatile uint64_t fd_sink = 0;
  Figures listing = Measure(samples / 4, [&] { fd_sink = fd_sink + CountFdsByListing(fd_dir); });
  ::close(fd_dir);
  Figures ref = Measure(samples / 4, naive);
  Figures ref_files = Measure(samples / 4, naive_files);

  const cg::HostSummary h = sampler.host();
  std::printf("host: %u CPUs, kernel PSI %s; target: pid %s, %llu threads, %llu open fds\n", h.cpus,
              h.pressure_cpu ? "yes" : "no", pid.c_str(),
              static_cast<unsigned long long>(*sampler.targets()[0].threads),
              static_cast<unsigned long long>(*sampler.targets()[0].open_fds));
  std::printf("samples: %d (naive reference: %d)\n", samples, samples / 4);
  std::printf("sampler host+target+metrics: %8.2f us CPU/sample  (%8.2f us wall)\n",
              full.cpu_us_per_sample, full.wall_us_per_sample);
  std::printf("sampler host only:           %8.2f us CPU/sample  (%8.2f us wall)\n",
              host.cpu_us_per_sample, host.wall_us_per_sample);
  std::printf("  fd count by listing (Linux < 6.2 fallback):  %.2f us CPU per listing\n",
              listing.cpu_us_per_sample);
  std::printf(
      "  Linux < 6.2 estimate (listing every 10 s):  %.2f us CPU/sample average, "
      "%.2f us on a listing sample\n",
      full.cpu_us_per_sample + listing.cpu_us_per_sample / 10,
      full.cpu_us_per_sample + listing.cpu_us_per_sample);
  std::printf("naive ifstream reference:    %8.2f us CPU/sample  (%8.2f us wall)\n",
              ref.cpu_us_per_sample, ref.wall_us_per_sample);
  std::printf("  of which the same files only:%7.2f us CPU/sample  (fd listing: %.2f us)\n",
              ref_files.cpu_us_per_sample, ref.cpu_us_per_sample - ref_files.cpu_us_per_sample);
  std::printf("ratio naive/sampler:         %8.2fx (files only: %.2fx)\n",
              ref.cpu_us_per_sample / full.cpu_us_per_sample,
              ref_files.cpu_us_per_sample / full.cpu_us_per_sample);
  std::printf("target <= 100 us CPU/sample: %s\n",
              full.cpu_us_per_sample <= 100 ? "met" : "MISSED");
  std::printf("at 1 s sample_interval:      %8.4f%% of one core\n", full.cpu_us_per_sample / 1e4);

  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& th : idle) th.join();
  for (int fd : held) ::close(fd);
  std::filesystem::remove(pidfile);
  return full.cpu_us_per_sample <= 100 ? 0 : 1;
}
