#include "collectors/proc/proc_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <exception>
#include <set>

namespace cg::proc {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;

constexpr std::array<const char*, 8> kModes = {"user",   "nice", "system",  "idle",
                                               "iowait", "irq",  "softirq", "steal"};
constexpr std::array<const char*, 3> kResources = {"cpu", "memory", "io"};

std::optional<double> D(const std::optional<uint64_t>& v) {
  return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}

double ModeOf(const CpuUtilisation& u, size_t m) {
  const double values[] = {u.user, u.nice, u.system, u.idle, u.iowait, u.irq, u.softirq, u.steal};
  return values[m];
}

double Seconds(WallTime t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

}  // namespace

struct ProcMetrics::Families {
  explicit Families(prometheus::Registry& r)
      : cpu_busy(G(r, "cutover_guard_host_cpu_busy_ratio",
                   "Share of all online CPUs' time not idle or iowait over the last sample "
                   "interval (1 = every core busy)")),
        cpu_mode(G(r, "cutover_guard_host_cpu_mode_ratio",
                   "Share of all online CPUs' time spent in each mode over the last interval")),
        core_busy(G(r, "cutover_guard_host_cpu_core_busy_ratio",
                    "Share of one core's time not idle or iowait over the last interval")),
        core_mode(G(r, "cutover_guard_host_cpu_core_mode_ratio",
                    "Share of one core's time spent in each mode over the last interval")),
        cpu_seconds(C(r, "cutover_guard_host_cpu_seconds_total",
                      "CPU time per mode summed over cores, starting from the kernel's counters")),
        cpu_resets(C(r, "cutover_guard_host_cpu_time_regressions_total",
                     "Per-core CPU time counters seen going backwards (interval skipped)")),
        cpus(G(r, "cutover_guard_host_cpus", "Online CPUs in the latest /proc/stat")),
        boot_time(G(r, "cutover_guard_host_boot_time_seconds", "Host boot time, Unix seconds")),
        mem_total(G(r, "cutover_guard_host_memory_total_bytes", "MemTotal")),
        mem_available(G(r, "cutover_guard_host_memory_available_bytes", "MemAvailable")),
        mem_buffers(G(r, "cutover_guard_host_memory_buffers_bytes", "Buffers")),
        mem_cached(G(r, "cutover_guard_host_memory_cached_bytes", "Cached")),
        mem_used_ratio(G(r, "cutover_guard_host_memory_used_ratio", "1 - MemAvailable/MemTotal")),
        swap_total(G(r, "cutover_guard_host_swap_total_bytes", "SwapTotal")),
        swap_free(G(r, "cutover_guard_host_swap_free_bytes", "SwapFree")),
        swap_used_ratio(
            G(r, "cutover_guard_host_swap_used_ratio", "1 - SwapFree/SwapTotal (0 without swap)")),
        load1(G(r, "cutover_guard_host_load1", "1-minute load average")),
        load5(G(r, "cutover_guard_host_load5", "5-minute load average")),
        load15(G(r, "cutover_guard_host_load15", "15-minute load average")),
        pressure(G(r, "cutover_guard_host_pressure_ratio",
                   "PSI: share of wall time with some/all tasks stalled on a resource, averaged "
                   "over a window (absent without kernel PSI)")),
        pressure_seconds(C(r, "cutover_guard_host_pressure_stalled_seconds_total",
                           "PSI: total stall time (absent without kernel PSI)")),
        file_handles(G(r, "cutover_guard_host_file_handles",
                       "System-wide allocated file handles in use (fs.file-nr)")),
        file_handles_max(G(r, "cutover_guard_host_file_handles_max", "fs.file-max")),
        file_handles_ratio(
            G(r, "cutover_guard_host_file_handles_ratio", "Allocated file handles / fs.file-max")),
        host_errors(C(r, "cutover_guard_host_read_errors_total",
                      "Failed reads or parses of host /proc files")),
        samples(C(r, "cutover_guard_proc_samples_total", "/proc samples taken")),
        scans(C(r, "cutover_guard_proc_discovery_scans_total",
                "Process-table scans run to find targets by cmdline")),
        up(G(r, "cutover_guard_process_up", "1 if the target process was found and read")),
        pid(G(r, "cutover_guard_process_pid", "Process id of the target")),
        start_time(G(r, "cutover_guard_process_start_time_seconds",
                     "Start time of the target process, Unix seconds")),
        uptime(G(r, "cutover_guard_process_uptime_seconds", "Age of the target process")),
        cpu_ratio(G(r, "cutover_guard_process_cpu_ratio",
                    "user+system CPU time of the target over the last interval (1 = one core)")),
        process_cpu_seconds(C(r, "cutover_guard_process_cpu_seconds_total",
                              "user+system CPU time of the processes seen as the target")),
        rss(G(r, "cutover_guard_process_resident_memory_bytes", "VmRSS of the target")),
        swap(G(r, "cutover_guard_process_swap_bytes", "VmSwap of the target")),
        threads(G(r, "cutover_guard_process_threads", "Threads of the target")),
        open_fds(G(r, "cutover_guard_process_open_fds", "Open file descriptors of the target")),
        max_fds(G(r, "cutover_guard_process_max_fds",
                  "Soft RLIMIT_NOFILE of the target (absent when unlimited)")),
        fd_ratio(G(r, "cutover_guard_process_fd_limit_ratio",
                   "Open file descriptors / soft RLIMIT_NOFILE")),
        restarts(C(r, "cutover_guard_process_restarts_total",
                   "Times the target's pid or start time changed")),
        process_errors(C(r, "cutover_guard_process_read_errors_total",
                         "Failed reads or parses of a target's files")) {}

  static Family<Gauge>& G(prometheus::Registry& r, const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
  }
  static Family<Counter>& C(prometheus::Registry& r, const char* name, const char* help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
  }

  Family<Gauge>&cpu_busy, &cpu_mode, &core_busy, &core_mode;
  Family<Counter>&cpu_seconds, &cpu_resets;
  Family<Gauge>&cpus, &boot_time, &mem_total, &mem_available, &mem_buffers, &mem_cached,
      &mem_used_ratio, &swap_total, &swap_free, &swap_used_ratio, &load1, &load5, &load15,
      &pressure;
  Family<Counter>& pressure_seconds;
  Family<Gauge>&file_handles, &file_handles_max, &file_handles_ratio;
  Family<Counter>&host_errors, &samples, &scans;
  Family<Gauge>&up, &pid, &start_time, &uptime, &cpu_ratio;
  Family<Counter>& process_cpu_seconds;
  Family<Gauge>&rss, &swap, &threads, &open_fds, &max_fds, &fd_ratio;
  Family<Counter>&restarts, &process_errors;
};

OptionalGauge::OptionalGauge(Family<Gauge>* family, std::map<std::string, std::string> labels)
    : family_(family), labels_(std::move(labels)) {}

void OptionalGauge::Set(std::optional<double> value) {
  if (family_ == nullptr) return;
  if (value) {
    if (gauge_ == nullptr) gauge_ = &family_->Add(labels_);
    gauge_->Set(*value);
  } else if (gauge_ != nullptr) {
    family_->Remove(gauge_);
    gauge_ = nullptr;
  } else if (!settled_ && family_->Has(labels_)) {
    family_->Remove(&family_->Add(labels_));  // Left by a previous exporter.
  }
  settled_ = true;
}

MirroredCounter::MirroredCounter(Counter* counter, Start start)
    : counter_(counter), exported_(start == Start::kContinueExisting ? counter->Value() : 0) {}

void MirroredCounter::Follow(double total) {
  if (counter_ == nullptr || total <= exported_) return;
  counter_->Increment(total - exported_);
  exported_ = total;
}

Result<std::unique_ptr<ProcMetrics>> ProcMetrics::Create(prometheus::Registry* registry,
                                                         const std::vector<std::string>& targets) {
  // prometheus-cpp reports name clashes by throwing; this is that library's edge.
  try {
    std::unique_ptr<ProcMetrics> m(new ProcMetrics());
    m->f_ = std::make_unique<Families>(*registry);
    Families& f = *m->f_;
    m->cpu_busy_ = {&f.cpu_busy, {}};
    m->cpus_ = {&f.cpus, {}};
    m->boot_time_ = {&f.boot_time, {}};
    m->mem_total_ = {&f.mem_total, {}};
    m->mem_available_ = {&f.mem_available, {}};
    m->mem_buffers_ = {&f.mem_buffers, {}};
    m->mem_cached_ = {&f.mem_cached, {}};
    m->mem_used_ratio_ = {&f.mem_used_ratio, {}};
    m->swap_total_ = {&f.swap_total, {}};
    m->swap_free_ = {&f.swap_free, {}};
    m->swap_used_ratio_ = {&f.swap_used_ratio, {}};
    m->load1_ = {&f.load1, {}};
    m->load5_ = {&f.load5, {}};
    m->load15_ = {&f.load15, {}};
    m->file_handles_ = {&f.file_handles, {}};
    m->file_handles_max_ = {&f.file_handles_max, {}};
    m->file_handles_ratio_ = {&f.file_handles_ratio, {}};
    for (size_t i = 0; i < kModes.size(); ++i) {
      m->cpu_mode_[i] = {&f.cpu_mode, {{"mode", kModes[i]}}};
      m->cpu_seconds_[i] = MirroredCounter(&f.cpu_seconds.Add({{"mode", kModes[i]}}),
                                           MirroredCounter::Start::kContinueExisting);
    }
    const auto from_zero = MirroredCounter::Start::kFromZero;
    m->cpu_resets_ = MirroredCounter(&f.cpu_resets.Add({}), from_zero);
    m->samples_ = MirroredCounter(&f.samples.Add({}), from_zero);
    m->scans_ = MirroredCounter(&f.scans.Add({}), from_zero);
    const char* kinds[] = {"some", "some", "some", "full", "full", "full"};
    const char* windows[] = {"10s", "60s", "300s", "10s", "60s", "300s"};
    for (size_t r = 0; r < kResources.size(); ++r) {
      for (size_t i = 0; i < 6; ++i) {
        m->pressure_[r].ratio[i] = {
            &f.pressure, {{"resource", kResources[r]}, {"kind", kinds[i]}, {"window", windows[i]}}};
      }
    }
    for (const std::string& name : targets) {
      TargetMetrics t;
      t.name = name;
      const std::map<std::string, std::string> l = {{"target", name}};
      t.up = &f.up.Add(l);
      t.pid = {&f.pid, l};
      t.start_time = {&f.start_time, l};
      t.uptime = {&f.uptime, l};
      t.cpu_ratio = {&f.cpu_ratio, l};
      t.rss = {&f.rss, l};
      t.swap = {&f.swap, l};
      t.threads = {&f.threads, l};
      t.open_fds = {&f.open_fds, l};
      t.max_fds = {&f.max_fds, l};
      t.fd_ratio = {&f.fd_ratio, l};
      t.cpu_seconds = MirroredCounter(&f.process_cpu_seconds.Add(l), from_zero);
      t.restarts = MirroredCounter(&f.restarts.Add(l), from_zero);
      m->targets_.push_back(std::move(t));
    }
    return m;
  } catch (const std::exception& e) {
    return Status::Error(std::string("registering /proc metrics: ") + e.what());
  }
}

ProcMetrics::~ProcMetrics() = default;

void ProcMetrics::UpdateHost(const HostSummary& h, const std::vector<ReadError>& errors) {
  samples_.Follow(static_cast<double>(h.samples_total));
  cpu_busy_.Set(h.cpu ? std::optional<double>(h.cpu->busy) : std::nullopt);
  for (size_t m = 0; m < kModes.size(); ++m) {
    cpu_mode_[m].Set(h.cpu ? std::optional<double>(ModeOf(*h.cpu, m)) : std::nullopt);
    cpu_seconds_[m].Follow(h.cpu_seconds_total[m]);
  }
  cpu_resets_.Follow(static_cast<double>(h.cpu_counter_resets_total));

  // Per core: add cores as they appear, drop the ones without a figure this interval.
  std::set<uint32_t> seen;
  for (const CoreUtilisation& c : h.cores) {
    seen.insert(c.cpu);
    auto [it, inserted] = cores_.try_emplace(c.cpu);
    CoreGauges& g = it->second;
    if (inserted) {
      const std::string cpu = std::to_string(c.cpu);
      g.busy = {&f_->core_busy, {{"cpu", cpu}}};
      for (size_t m = 0; m < kModes.size(); ++m) {
        g.mode[m] = {&f_->core_mode, {{"cpu", cpu}, {"mode", kModes[m]}}};
      }
    }
    g.busy.Set(c.ratios.busy);
    for (size_t m = 0; m < kModes.size(); ++m) g.mode[m].Set(ModeOf(c.ratios, m));
  }
  for (auto it = cores_.begin(); it != cores_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    it->second.busy.Set(std::nullopt);
    for (OptionalGauge& g : it->second.mode) g.Set(std::nullopt);
    it = cores_.erase(it);
  }

  cpus_.Set(h.cpus > 0 ? std::optional<double>(h.cpus) : std::nullopt);
  boot_time_.Set(h.boot_time ? std::optional<double>(Seconds(*h.boot_time)) : std::nullopt);
  mem_total_.Set(D(h.memory_total_bytes));
  mem_available_.Set(D(h.memory_available_bytes));
  mem_buffers_.Set(D(h.memory_buffers_bytes));
  mem_cached_.Set(D(h.memory_cached_bytes));
  mem_used_ratio_.Set(h.memory_used_ratio);
  swap_total_.Set(D(h.swap_total_bytes));
  swap_free_.Set(D(h.swap_free_bytes));
  swap_used_ratio_.Set(h.swap_used_ratio);
  load1_.Set(h.load1);
  load5_.Set(h.load5);
  load15_.Set(h.load15);
  file_handles_.Set(D(h.file_handles_allocated));
  file_handles_max_.Set(D(h.file_handles_max));
  file_handles_ratio_.Set(h.file_handles_ratio);

  const std::optional<PressureSummary>* psi[] = {&h.pressure_cpu, &h.pressure_memory,
                                                 &h.pressure_io};
  for (size_t r = 0; r < kResources.size(); ++r) {
    const auto& p = *psi[r];
    PressureMetrics& pm = pressure_[r];
    std::optional<double> values[6];
    if (p) {
      values[0] = p->some_avg10, values[1] = p->some_avg60, values[2] = p->some_avg300;
      values[3] = p->full_avg10, values[4] = p->full_avg60, values[5] = p->full_avg300;
      // Counters are created on first sight so a kernel without PSI exports no series at all.
      if (!pm.some_total_created) {
        pm.some_total = MirroredCounter(
            &f_->pressure_seconds.Add({{"resource", kResources[r]}, {"kind", "some"}}),
            MirroredCounter::Start::kContinueExisting);
        pm.some_total_created = true;
      }
      pm.some_total.Follow(p->some_total_seconds);
      if (p->full_total_seconds) {
        if (!pm.full_total_created) {
          pm.full_total = MirroredCounter(
              &f_->pressure_seconds.Add({{"resource", kResources[r]}, {"kind", "full"}}),
              MirroredCounter::Start::kContinueExisting);
          pm.full_total_created = true;
        }
        pm.full_total.Follow(*p->full_total_seconds);
      }
    }
    for (size_t i = 0; i < 6; ++i) pm.ratio[i].Set(values[i]);
  }
  for (const ReadError& e : errors) {
    f_->host_errors.Add({{"file", std::string(e.file)}, {"reason", std::string(e.reason)}})
        .Increment();
  }
}

void ProcMetrics::UpdateScans(uint64_t discovery_scans_total) {
  scans_.Follow(static_cast<double>(discovery_scans_total));
}

void ProcMetrics::UpdateTarget(size_t index, const TargetSummary& s,
                               const std::vector<ReadError>& errors) {
  if (index >= targets_.size()) return;
  TargetMetrics& t = targets_[index];
  t.up->Set(s.up ? 1 : 0);
  t.pid.Set(s.pid ? std::optional<double>(*s.pid) : std::nullopt);
  t.start_time.Set(s.start_time ? std::optional<double>(Seconds(*s.start_time)) : std::nullopt);
  t.uptime.Set(s.uptime_seconds);
  t.cpu_ratio.Set(s.cpu_ratio);
  t.rss.Set(D(s.resident_memory_bytes));
  t.swap.Set(D(s.swap_bytes));
  t.threads.Set(D(s.threads));
  t.open_fds.Set(D(s.open_fds));
  t.max_fds.Set(D(s.fd_soft_limit));
  t.fd_ratio.Set(s.fd_limit_ratio);
  t.cpu_seconds.Follow(s.cpu_seconds_total);
  t.restarts.Follow(static_cast<double>(s.restarts));
  for (const ReadError& e : errors) {
    f_->process_errors
        .Add({{"target", t.name}, {"file", std::string(e.file)}, {"reason", std::string(e.reason)}})
        .Increment();
  }
}

}  // namespace cg::proc
