// The sampled series that metric rules read, named once here so the collectors (producer) and
// the rule loader (validation) agree. A series is identified by name plus target ("" for host).
#pragma once

#include <optional>
#include <string_view>

#include "base/clock.h"

namespace cg {

// Series names (values are plain numbers in base units: ratios 0..1, bytes, counts, seconds).
inline constexpr std::string_view kHostSeries[] = {
    "host.cpu_busy_ratio",
    "host.cpu_iowait_ratio",
    "host.cpu_steal_ratio",
    "host.memory_used_ratio",
    "host.memory_available_bytes",
    "host.swap_used_ratio",
    "host.load1",
    "host.load5",
    "host.load15",
    "host.psi_cpu_some_avg10",
    "host.psi_memory_some_avg10",
    "host.psi_memory_full_avg10",
    "host.psi_io_some_avg10",
    "host.psi_io_full_avg10",
    "host.file_handles_ratio",
    "host.cpu_user_ratio",
    "host.cpu_system_ratio",
    "host.cpus",
    "host.memory_total_bytes",
    "host.psi_cpu_some_avg60",
    "host.psi_memory_some_avg60",
    "host.psi_memory_full_avg60",
    "host.psi_io_some_avg60",
    "host.psi_io_full_avg60",
};
inline constexpr std::string_view kProcessSeries[] = {
    "process.up",
    "process.cpu_ratio",
    "process.resident_memory_bytes",
    "process.threads",
    "process.open_fds",
    "process.fd_limit_ratio",
    "process.restarts",
    "process.uptime_seconds",
    "process.swap_bytes",
    "process.fd_soft_limit",
};

inline bool IsHostSeries(std::string_view name) {
  for (auto s : kHostSeries)
    if (s == name) return true;
  return false;
}
inline bool IsProcessSeries(std::string_view name) {
  for (auto s : kProcessSeries)
    if (s == name) return true;
  return false;
}

// Read access to the latest sample of each series. Implemented by the collectors' series store,
// and by fakes in tests. Called from the event-loop thread only.
class MetricSource {
 public:
  virtual ~MetricSource() = default;
  // Latest value, or nullopt if the series has no sample yet (or the target is unknown).
  // `target` is "" for host series.
  virtual std::optional<double> Latest(std::string_view series, std::string_view target) const = 0;
};

}  // namespace cg
