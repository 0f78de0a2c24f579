// Turns two /proc/stat samples into CPU utilisation ratios. Pure functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "collectors/proc/host_parse.h"

namespace cg::proc {

// Share of the interval spent in each mode, and the busy share (everything but idle and
// iowait). For one core 1.0 = that core; for the aggregate 1.0 = every online core.
struct CpuRatios {
  std::array<double, kCpuModeCount> mode{};
  double busy = 0;
};

struct CoreUsage {
  uint32_t id = 0;
  CpuRatios ratios;
};

struct CpuUsage {
  // nullopt when no core had elapsed ticks in both samples (e.g. two reads within one tick).
  std::optional<CpuRatios> total;
  // Cores present in both samples with elapsed ticks and no counter reset, by id.
  std::vector<CoreUsage> cores;
  // Ticks elapsed per mode, summed over the cores that contributed.
  CpuTicks total_delta{};
  uint64_t counter_resets = 0;  // Per-core per-mode counters that went backwards.
  uint32_t cores_added = 0;     // Cores in `cur` but not in `prev` (hot-plugged in).
  uint32_t cores_removed = 0;   // Cores in `prev` but not in `cur` (went offline).
};

// Computes utilisation over the interval between `prev` and `cur`.
//
// The aggregate is the sum of the per-core deltas of the cores present in both samples rather
// than the delta of the "cpu" line: the kernel's aggregate sums *possible* CPUs and switches an
// offline core's idle time to a different source, so it jumps when a core is hot-plugged; summed
// per-core deltas do not. A core with a counter that went backwards (NO_HZ iowait accounting, a
// core that came back online) is left out of that one interval, and the modes that went
// backwards are counted in `counter_resets`; the next interval uses the new values as baseline.
// When either sample has no per-core lines, the "cpu" lines are used instead.
CpuUsage ComputeCpuUsage(const ProcStat& prev, const ProcStat& cur);

// Ratio of CPU time to wall time for one process: delta ticks / ticks_per_second / elapsed
// seconds (1.0 = one core fully busy). nullopt when elapsed <= 0, ticks_per_second <= 0 or the
// counter went backwards.
std::optional<double> ProcessCpuRatio(uint64_t prev_ticks, uint64_t cur_ticks,
                                      double ticks_per_second, double elapsed_seconds);

}  // namespace cg::proc
