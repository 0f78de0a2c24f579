// The /proc sampler: host health and the watched WSO2 processes, on the daemon's clock.
//
// One Sample() call reads every host file and every target once (read -> parse -> compute),
// then updates the summaries, the per-series history rings and the Prometheus registry.
// Everything it cannot read becomes "not available" plus a problem text and an error counter;
// Sample() never throws and never stops.
//
// Threading: not thread-safe. The daemon owns one Sampler and calls every method from its
// event-loop thread; the HTTP side gets copies of host()/targets() through its snapshot, and
// scrapes the (thread-safe) prometheus-cpp registry.
//
// Call order: Create() once; Sample() every `sample_interval` with increasing times; the
// accessors at any time (before the first Sample() they report nothing available).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "collectors/metric_source.h"
#include "collectors/proc/history.h"
#include "collectors/proc/summary.h"
#include "collectors/proc/target_spec.h"

namespace prometheus {
class Registry;
}

namespace cg {

namespace proc {
class HostCollector;
class TargetCollector;
class ProcMetrics;
class ProcRoot;
}  // namespace proc

struct SamplerOptions {
  // Where /proc is. Tests point it at fixture trees.
  std::filesystem::path proc_root = "/proc";
  std::vector<TargetSpec> targets{};
  // The daemon's sampling period; sizes the history rings (must be > 0).
  std::chrono::milliseconds sample_interval{1000};
  // Length of each series' history ring: history / sample_interval samples (>= interval).
  std::chrono::milliseconds history{15 * 60 * 1000};
  prometheus::Registry* registry = nullptr;  // Not owned; may be null (no metrics).
  // USER_HZ, the unit of /proc CPU times. 0 = sysconf(_SC_CLK_TCK) (100 on mainstream Linux).
  int64_t clock_ticks_per_second = 0;
  // Never choose the sampling process itself (a loose pattern can match cutover-guard's own
  // command line, e.g. a config path containing "wso2"). Applies to real procfs roots only.
  bool exclude_self = true;
  // A pidfile whose process started this much later than the pidfile was written names a
  // reused pid (WSO2 left a stale pidfile behind) and is ignored.
  std::chrono::seconds pidfile_slack{600};
  // Kernels before 6.2 (Debian 12's 6.1 among them) can only count a process's open fds by
  // listing /proc/PID/fd, about 0.17 us per descriptor; such a count is reused for this long.
  // Newer kernels give the count in O(1) and it is read on every sample. 0 = list every sample.
  std::chrono::milliseconds fd_listing_interval{10'000};
};

class Sampler final : public MetricSource {
 public:
  // Fails on an unreadable proc_root, an invalid cmdline pattern, a target without pidfile and
  // cmdline, duplicate target names, bad intervals, or a metric name clash in the registry.
  static Result<std::unique_ptr<Sampler>> Create(SamplerOptions options);
  ~Sampler() override;
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // Takes one sample. `now` stamps the history and computes uptimes; `mono_now` measures the
  // interval for per-process CPU ratios. Never throws; problems are counted and kept in the
  // summaries.
  void Sample(WallTime now, MonoTime mono_now);

  // Latest value of a series ("host.*" with target "", "process.*" with a target name), or
  // nullopt if the latest sample had no value (not available, target down, first interval).
  std::optional<double> Latest(std::string_view series, std::string_view target) const override;
  // Points with time >= since, oldest first; samples without a value are left out.
  std::vector<SeriesPoint> History(std::string_view series, std::string_view target,
                                   WallTime since) const;

  HostSummary host() const;
  std::vector<TargetSummary> targets() const;
  // True once two samples have completed, so that interval ratios exist (for /readyz).
  bool has_sampled() const { return samples_ >= 2; }
  uint64_t samples() const { return samples_; }  // Samples taken so far.
  // Process-table scans run for discovery so far (0 while every target stays known).
  uint64_t discovery_scans() const { return discovery_scans_; }

  // Every series name recorded (metric_source.h's lists plus the extras above).
  static std::vector<std::string_view> HostSeriesNames();
  static std::vector<std::string_view> ProcessSeriesNames();

 private:
  Sampler() = default;
  // Column of (series, target) in the history, or nullopt if unknown.
  std::optional<size_t> Column(std::string_view series, std::string_view target) const;
  void Record();

  SamplerOptions options_;
  double ticks_per_second_ = 100;
  pid_t self_pid_ = 0;
  std::unique_ptr<proc::ProcRoot> root_;
  std::unique_ptr<proc::HostCollector> host_;
  std::vector<std::unique_ptr<proc::TargetCollector>> targets_;
  std::unique_ptr<proc::ProcMetrics> metrics_;
  std::unique_ptr<proc::SeriesHistory> history_;
  uint64_t samples_ = 0;
  uint64_t discovery_scans_ = 0;
};

}  // namespace cg
