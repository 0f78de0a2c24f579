// Plain summaries of the latest /proc sample, for the HTTP API and the status page. Values,
// freely copyable; nullopt means "not available" (first sample, file missing or unreadable, a
// kernel without the file), never 0 in disguise.
//
// Units: ratios 0..1, bytes, seconds; times as WallTime.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"

namespace cg {

// Share of the last interval per CPU mode. For the host aggregate 1.0 = every online core busy
// in that mode; for one core 1.0 = that core. busy = everything but idle and iowait.
struct CpuUtilisation {
  double busy = 0;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
};

struct CoreUtilisation {
  uint32_t cpu = 0;  // N of "cpuN" in /proc/stat.
  CpuUtilisation ratios;
};

// One /proc/pressure/* file. Averages are ratios 0..1 of wall time during which some (or all
// non-idle) tasks were stalled; the kernel prints percent. Totals are cumulative seconds.
struct PressureSummary {
  double some_avg10 = 0, some_avg60 = 0, some_avg300 = 0;
  double some_total_seconds = 0;
  std::optional<double> full_avg10, full_avg60, full_avg300;  // No "full" line: cpu < 5.13.
  std::optional<double> full_total_seconds;
};

struct HostSummary {
  std::optional<WallTime> sampled_at;  // Time of the latest Sample() call.
  uint64_t samples_total = 0;

  uint32_t cpus = 0;  // Online cores (cpuN lines) in the latest /proc/stat; 0 = unknown.
  std::optional<CpuUtilisation> cpu;   // Aggregate over the last interval.
  std::vector<CoreUtilisation> cores;  // Per core over the last interval, by id.
  // Per mode in CpuUtilisation order (user, nice, system, idle, iowait, irq, softirq, steal):
  // the kernel's counters at the first sample plus every valid interval since.
  std::array<double, 8> cpu_seconds_total{};
  uint64_t cpu_counter_resets_total = 0;  // Per-core counters seen going backwards.
  std::optional<WallTime> boot_time;

  std::optional<uint64_t> memory_total_bytes;
  std::optional<uint64_t> memory_available_bytes;  // MemAvailable (or MemFree+Buffers+Cached
                                                   // on kernels before 3.14).
  std::optional<uint64_t> memory_buffers_bytes;
  std::optional<uint64_t> memory_cached_bytes;
  std::optional<double> memory_used_ratio;  // 1 - available / total.
  std::optional<uint64_t> swap_total_bytes;
  std::optional<uint64_t> swap_free_bytes;
  std::optional<double> swap_used_ratio;  // 0 when there is no swap.

  std::optional<double> load1, load5, load15;

  // nullopt where the kernel has no PSI (no /proc/pressure): silently absent, not an error.
  std::optional<PressureSummary> pressure_cpu, pressure_memory, pressure_io;

  std::optional<uint64_t> file_handles_allocated;  // In use (allocated - unused).
  std::optional<uint64_t> file_handles_max;        // fs.file-max.
  std::optional<double> file_handles_ratio;        // allocated / max.

  std::vector<std::string> problems;  // What went wrong in the latest sample ("" = nothing).
  std::string last_error;             // The most recent problem, kept after it clears.
  std::optional<WallTime> last_error_at;
  uint64_t errors_total = 0;  // Failed reads and parses since start.
};

struct TargetSummary {
  std::string name;
  bool up = false;
  std::string found_by;  // "pidfile" or "cmdline" while up.
  std::optional<pid_t> pid;
  std::optional<WallTime> start_time;
  std::optional<double> uptime_seconds;
  std::optional<double> cpu_ratio;  // user+system over the last interval; 1.0 = one core.
  double cpu_seconds_total = 0;     // CPU time of every process seen as this target.
  std::optional<uint64_t> resident_memory_bytes;
  std::optional<uint64_t> swap_bytes;
  std::optional<uint64_t> threads;
  std::optional<uint64_t> open_fds;
  std::optional<uint64_t> fd_soft_limit;  // RLIMIT_NOFILE soft; nullopt also when unlimited.
  bool fd_limit_unlimited = false;
  std::optional<double> fd_limit_ratio;  // open_fds / soft limit.
  uint64_t restarts = 0;  // Times the pid or start time changed since the daemon started.

  std::vector<std::string> problems;  // Why down, or which figures are missing and why.
  std::string last_error;             // The most recent problem, kept after it clears.
  std::optional<WallTime> last_error_at;
  uint64_t errors_total = 0;  // Failed reads and parses since start.
};

}  // namespace cg
