#include "collectors/proc/cpu_usage.h"

namespace cg::proc {
namespace {

// Per-mode deltas of one core's counters. Returns the elapsed ticks, or 0 when any counter went
// backwards: then the interval is unusable for that core (counting the backwards mode as 0 would
// turn, say, a reset idle counter into a fake 100% busy spike), and `*resets` counts the modes.
uint64_t DeltaOf(const CpuTicks& prev, const CpuTicks& cur, CpuTicks* delta, uint64_t* resets) {
  uint64_t elapsed = 0;
  uint64_t backwards = 0;
  for (size_t m = 0; m < kCpuModeCount; ++m) {
    if (cur[m] < prev[m]) {
      ++backwards;
      continue;
    }
    (*delta)[m] = cur[m] - prev[m];
    elapsed += (*delta)[m];
  }
  if (backwards > 0) {
    *resets += backwards;
    delta->fill(0);
    return 0;
  }
  return elapsed;
}

CpuRatios RatiosOf(const CpuTicks& delta, uint64_t elapsed) {
  CpuRatios r;
  double e = static_cast<double>(elapsed);
  for (size_t m = 0; m < kCpuModeCount; ++m) r.mode[m] = static_cast<double>(delta[m]) / e;
  uint64_t busy = elapsed - delta[kIdle] - delta[kIowait];
  r.busy = static_cast<double>(busy) / e;
  return r;
}

}  // namespace

CpuUsage ComputeCpuUsage(const ProcStat& prev, const ProcStat& cur) {
  CpuUsage out;
  uint64_t total_elapsed = 0;
  if (prev.cores.empty() || cur.cores.empty()) {
    if (prev.total && cur.total) {
      CpuTicks delta{};
      total_elapsed = DeltaOf(*prev.total, *cur.total, &delta, &out.counter_resets);
      out.total_delta = delta;
    }
  } else {
    // Both vectors are sorted by id: merge them.
    size_t i = 0, j = 0;
    while (i < prev.cores.size() || j < cur.cores.size()) {
      if (j == cur.cores.size() || (i < prev.cores.size() && prev.cores[i].id < cur.cores[j].id)) {
        ++out.cores_removed, ++i;
        continue;
      }
      if (i == prev.cores.size() || cur.cores[j].id < prev.cores[i].id) {
        ++out.cores_added, ++j;
        continue;
      }
      CpuTicks delta{};
      uint64_t elapsed =
          DeltaOf(prev.cores[i].ticks, cur.cores[j].ticks, &delta, &out.counter_resets);
      if (elapsed > 0) {
        out.cores.push_back({cur.cores[j].id, RatiosOf(delta, elapsed)});
        for (size_t m = 0; m < kCpuModeCount; ++m) out.total_delta[m] += delta[m];
        total_elapsed += elapsed;
      }
      ++i, ++j;
    }
  }
  if (total_elapsed > 0) out.total = RatiosOf(out.total_delta, total_elapsed);
  return out;
}

std::optional<double> ProcessCpuRatio(uint64_t prev_ticks, uint64_t cur_ticks,
                                      double ticks_per_second, double elapsed_seconds) {
  if (elapsed_seconds <= 0 || ticks_per_second <= 0 || cur_ticks < prev_ticks) return std::nullopt;
  return static_cast<double>(cur_ticks - prev_ticks) / ticks_per_second / elapsed_seconds;
}

}  // namespace cg::proc
