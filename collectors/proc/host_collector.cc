#include "collectors/proc/host_collector.h"

#include <algorithm>

#include "collectors/proc/cpu_usage.h"

namespace cg::proc {
namespace {

CpuUtilisation ToUtilisation(const CpuRatios& r) {
  CpuUtilisation u;
  u.busy = r.busy;
  u.user = r.mode[kUser];
  u.nice = r.mode[kNice];
  u.system = r.mode[kSystem];
  u.idle = r.mode[kIdle];
  u.iowait = r.mode[kIowait];
  u.irq = r.mode[kIrq];
  u.softirq = r.mode[kSoftirq];
  u.steal = r.mode[kSteal];
  return u;
}

PressureSummary ToSummary(const Pressure& p) {
  PressureSummary s;
  s.some_avg10 = p.some.avg10;
  s.some_avg60 = p.some.avg60;
  s.some_avg300 = p.some.avg300;
  s.some_total_seconds = static_cast<double>(p.some.total_us) / 1e6;
  if (p.full) {
    s.full_avg10 = p.full->avg10;
    s.full_avg60 = p.full->avg60;
    s.full_avg300 = p.full->avg300;
    s.full_total_seconds = static_cast<double>(p.full->total_us) / 1e6;
  }
  return s;
}

}  // namespace

HostCollector::HostCollector(const ProcRoot* root, double ticks_per_second)
    : ticks_per_second_(ticks_per_second),
      stat_(root, "stat"),
      meminfo_(root, "meminfo"),
      loadavg_(root, "loadavg"),
      file_nr_(root, "sys/fs/file-nr"),
      pressure_{{"cpu", ProcFile(root, "pressure/cpu")},
                {"memory", ProcFile(root, "pressure/memory")},
                {"io", ProcFile(root, "pressure/io")}} {}

void HostCollector::Sample(WallTime now) {
  now_ = now;
  errors_.clear();
  summary_.problems.clear();
  summary_.sampled_at = now;
  ++summary_.samples_total;
  SampleStat();
  SampleMeminfo();
  SampleLoadavg();
  SamplePressure(&pressure_[0], &summary_.pressure_cpu);
  SamplePressure(&pressure_[1], &summary_.pressure_memory);
  SamplePressure(&pressure_[2], &summary_.pressure_io);
  SampleFileNr();
}

bool HostCollector::ReadOrReport(ProcFile* file, std::string_view label, std::string_view* text) {
  int err = file->Read(text);
  if (err == 0) return true;
  errors_.push_back({label, ReasonOf(err)});
  summary_.problems.push_back(file->Describe(err));
  summary_.last_error = summary_.problems.back();
  summary_.last_error_at = now_;
  ++summary_.errors_total;
  return false;
}

void HostCollector::ReportParse(std::string_view label, const Status& error) {
  errors_.push_back({label, "parse"});
  summary_.problems.push_back(error.message());
  summary_.last_error = error.message();
  summary_.last_error_at = now_;
  ++summary_.errors_total;
}

void HostCollector::SampleStat() {
  summary_.cpu.reset();
  summary_.cores.clear();
  std::string_view text;
  if (!ReadOrReport(&stat_, "stat", &text)) return;
  auto parsed = ParseProcStat(text);
  if (!parsed.ok()) return ReportParse("stat", parsed.error());
  ProcStat& cur = *parsed;
  boot_time_seconds_ = cur.boot_time_seconds;
  summary_.boot_time = WallTime(std::chrono::seconds(cur.boot_time_seconds));
  summary_.cpus = static_cast<uint32_t>(cur.cores.size());  // 0 = unknown (no cpuN lines).
  if (prev_stat_) {
    CpuUsage usage = ComputeCpuUsage(*prev_stat_, cur);
    if (usage.total) summary_.cpu = ToUtilisation(*usage.total);
    summary_.cores.reserve(usage.cores.size());
    for (const CoreUsage& c : usage.cores) {
      summary_.cores.push_back({c.id, ToUtilisation(c.ratios)});
    }
    for (size_t m = 0; m < kCpuModeCount; ++m) {
      summary_.cpu_seconds_total[m] +=
          static_cast<double>(usage.total_delta[m]) / ticks_per_second_;
    }
    summary_.cpu_counter_resets_total += usage.counter_resets;
  } else {
    // Start the per-mode totals at the kernel's own counters, as node_exporter does, so that a
    // daemon restart looks like a continuing counter to Prometheus rather than a reset.
    CpuTicks start{};
    if (cur.total) {
      start = *cur.total;
    } else {
      for (const CoreTicks& c : cur.cores) {
        for (size_t m = 0; m < kCpuModeCount; ++m) start[m] += c.ticks[m];
      }
    }
    for (size_t m = 0; m < kCpuModeCount; ++m) {
      summary_.cpu_seconds_total[m] = static_cast<double>(start[m]) / ticks_per_second_;
    }
  }
  prev_stat_ = std::move(cur);
}

void HostCollector::SampleMeminfo() {
  summary_.memory_total_bytes.reset();
  summary_.memory_available_bytes.reset();
  summary_.memory_buffers_bytes.reset();
  summary_.memory_cached_bytes.reset();
  summary_.memory_used_ratio.reset();
  summary_.swap_total_bytes.reset();
  summary_.swap_free_bytes.reset();
  summary_.swap_used_ratio.reset();
  std::string_view text;
  if (!ReadOrReport(&meminfo_, "meminfo", &text)) return;
  auto m = ParseMeminfo(text);
  if (!m.ok()) return ReportParse("meminfo", m.error());
  summary_.memory_total_bytes = m->total;
  summary_.memory_buffers_bytes = m->buffers;
  summary_.memory_cached_bytes = m->cached;
  if (m->available) {
    summary_.memory_available_bytes = m->available;
  } else if (m->free) {
    // Kernels before 3.14 have no MemAvailable; free + buffers + page cache is the classic
    // (slightly optimistic) estimate.
    summary_.memory_available_bytes = *m->free + m->buffers.value_or(0) + m->cached.value_or(0);
  }
  if (summary_.memory_available_bytes && *m->total > 0) {
    double avail = static_cast<double>(std::min(*summary_.memory_available_bytes, *m->total));
    summary_.memory_used_ratio = 1.0 - avail / static_cast<double>(*m->total);
  }
  summary_.swap_total_bytes = m->swap_total;
  summary_.swap_free_bytes = m->swap_free;
  if (m->swap_total && m->swap_free) {
    summary_.swap_used_ratio =
        *m->swap_total == 0
            ? 0.0
            : static_cast<double>(*m->swap_total - std::min(*m->swap_free, *m->swap_total)) /
                  static_cast<double>(*m->swap_total);
  }
}

void HostCollector::SampleLoadavg() {
  summary_.load1.reset();
  summary_.load5.reset();
  summary_.load15.reset();
  std::string_view text;
  if (!ReadOrReport(&loadavg_, "loadavg", &text)) return;
  auto l = ParseLoadavg(text);
  if (!l.ok()) return ReportParse("loadavg", l.error());
  summary_.load1 = l->load1;
  summary_.load5 = l->load5;
  summary_.load15 = l->load15;
}

void HostCollector::SamplePressure(PressureFile* p, std::optional<PressureSummary>* out) {
  out->reset();
  if (p->absent) return;
  std::string_view text;
  int err = p->file.Read(&text);
  if (err == ENOENT || err == EOPNOTSUPP) {
    // No CONFIG_PSI, psi=0 on the kernel command line, or a container that hides it. PSI does
    // not appear at run time, so stop asking.
    p->absent = true;
    return;
  }
  if (err != 0) {
    errors_.push_back({"pressure", ReasonOf(err)});
    summary_.problems.push_back(p->file.Describe(err));
    summary_.last_error = summary_.problems.back();
    summary_.last_error_at = now_;
    ++summary_.errors_total;
    return;
  }
  auto parsed = ParsePressure(text);
  if (!parsed.ok()) {
    return ReportParse("pressure",
                       Status::Error(std::string(p->resource) + " " + parsed.error().message()));
  }
  *out = ToSummary(*parsed);
}

void HostCollector::SampleFileNr() {
  summary_.file_handles_allocated.reset();
  summary_.file_handles_max.reset();
  summary_.file_handles_ratio.reset();
  std::string_view text;
  if (!ReadOrReport(&file_nr_, "file-nr", &text)) return;
  auto f = ParseFileNr(text);
  if (!f.ok()) return ReportParse("file-nr", f.error());
  uint64_t in_use = f->allocated - std::min(f->unused, f->allocated);
  summary_.file_handles_allocated = in_use;
  summary_.file_handles_max = f->max;
  if (f->max > 0) {
    summary_.file_handles_ratio = static_cast<double>(in_use) / static_cast<double>(f->max);
  }
}

}  // namespace cg::proc
