// The tailer's Prometheus series, one set per configured log (label `log` = LogSpec::name):
//
//   cutover_guard_log_lines_total          counter  physical lines handed on inside records
//   cutover_guard_log_records_total        counter  records handed on
//   cutover_guard_log_rotations_total      counter  files that left their path while tailed
//   cutover_guard_log_truncations_total    counter  files truncated / rewritten in place
//   cutover_guard_log_long_lines_total     counter  lines cut at max_line
//   cutover_guard_log_gap_events_total     counter  times certainty was lost
//   cutover_guard_log_lag_bytes            gauge    bytes written but not yet read
//   cutover_guard_log_files_open           gauge    file descriptors held
//
// Series are created (or found, when a log of the same name existed before a reload) in the
// registry, so counters continue across config reloads. Sync() adds the deltas since the last
// call. Not thread-safe (the registry itself is, for scrapes).
#pragma once

#include <array>
#include <string>

#include "collectors/logs/log_spec.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
}  // namespace prometheus

namespace cg {

class TailMetrics {
 public:
  // `registry` may be null (no metrics). Not owned; must outlive this object.
  TailMetrics(prometheus::Registry* registry, const std::string& log);
  ~TailMetrics();  // Zeroes the gauges (the log is no longer tailed by this object).
  TailMetrics(const TailMetrics&) = delete;
  TailMetrics& operator=(const TailMetrics&) = delete;

  void Sync(const LogStatus& status);

 private:
  // One per LogStatus counter, in the order of tail_metrics.cc's table; null without a registry.
  static constexpr size_t kCounters = 7;
  std::array<prometheus::Counter*, kCounters> counters_{};
  prometheus::Gauge* lag_ = nullptr;
  prometheus::Gauge* open_ = nullptr;
  prometheus::Gauge* early_ = nullptr;
  LogStatus synced_;
};

}  // namespace cg
