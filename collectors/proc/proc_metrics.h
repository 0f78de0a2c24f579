// Publishes host and target summaries to a prometheus-cpp registry.
//
// Naming follows Prometheus conventions: base units, _ratio for 0..1, _total for counters.
// A gauge whose figure is unavailable (nullopt in the summary) is removed from the registry
// rather than reported as 0, and comes back with the next value: a target that is down keeps
// only cutover_guard_process_up (0), its counters, and its error counters.
//
// Counters mirror the summaries' running totals (incremented by the difference), so they only
// ever grow. Metrics are never removed on destruction: a replacement exporter on the same
// registry picks up the same series (prometheus-cpp returns existing label sets), and the old
// exporter may safely outlive the new one's creation (e.g. a reload that fails later on). The
// price: series of a target that a reload removed stay, frozen, until the daemon restarts.
//
// Update*() are called from the sampling thread; the registry itself is thread-safe for scrapes.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "collectors/proc/read_error.h"
#include "collectors/proc/summary.h"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
template <typename T>
class Family;
}  // namespace prometheus

namespace cg::proc {

// A gauge that exists in its family only while it has a value. The first time it has no value,
// a series with the same labels left by a previous exporter (a sampler replaced on reload) is
// removed too, so a stale figure never outlives the process it described.
class OptionalGauge {
 public:
  OptionalGauge() = default;
  OptionalGauge(prometheus::Family<prometheus::Gauge>* family,
                std::map<std::string, std::string> labels);
  void Set(std::optional<double> value);

 private:
  prometheus::Family<prometheus::Gauge>* family_ = nullptr;
  std::map<std::string, std::string> labels_;
  prometheus::Gauge* gauge_ = nullptr;
  bool settled_ = false;  // This object has set or cleared its series at least once.
};

// A counter that follows a running total kept elsewhere.
class MirroredCounter {
 public:
  enum class Start {
    // The total counts from 0 for this exporter (samples, restarts): add all of it.
    kFromZero,
    // The total mirrors a kernel counter (CPU seconds, PSI stall time): a counter that already
    // exists in the registry (a replacement sampler) only grows past its current value, so the
    // kernel's time is not counted twice.
    kContinueExisting,
  };
  MirroredCounter() = default;
  MirroredCounter(prometheus::Counter* counter, Start start);
  void Follow(double total);

 private:
  prometheus::Counter* counter_ = nullptr;
  double exported_ = 0;
};

class ProcMetrics {
 public:
  // Registers every family. `registry` is not owned and must outlive this object. Fails (no
  // exception) when a name is already registered with another type.
  static Result<std::unique_ptr<ProcMetrics>> Create(prometheus::Registry* registry,
                                                     const std::vector<std::string>& targets);
  ~ProcMetrics();

  void UpdateHost(const HostSummary& host, const std::vector<ReadError>& errors);
  void UpdateTarget(size_t index, const TargetSummary& target,
                    const std::vector<ReadError>& errors);
  void UpdateScans(uint64_t discovery_scans_total);

 private:
  ProcMetrics() = default;
  struct Families;
  struct CoreGauges {
    OptionalGauge busy;
    std::array<OptionalGauge, 8> mode;
  };
  struct PressureMetrics {
    std::array<OptionalGauge, 6> ratio;  // some 10/60/300, full 10/60/300.
    MirroredCounter some_total, full_total;
    bool some_total_created = false, full_total_created = false;
  };
  struct TargetMetrics {
    std::string name;
    prometheus::Gauge* up = nullptr;
    OptionalGauge pid, start_time, uptime, cpu_ratio, rss, swap, threads, open_fds, max_fds,
        fd_ratio;
    MirroredCounter cpu_seconds, restarts;
  };

  std::unique_ptr<Families> f_;
  // Host.
  OptionalGauge cpu_busy_, cpus_, boot_time_, mem_total_, mem_available_, mem_buffers_, mem_cached_,
      mem_used_ratio_, swap_total_, swap_free_, swap_used_ratio_, load1_, load5_, load15_,
      file_handles_, file_handles_max_, file_handles_ratio_;
  std::array<OptionalGauge, 8> cpu_mode_;
  std::array<MirroredCounter, 8> cpu_seconds_;
  MirroredCounter cpu_resets_, samples_, scans_;
  std::array<PressureMetrics, 3> pressure_;
  std::map<uint32_t, CoreGauges> cores_;
  std::vector<TargetMetrics> targets_;
};

}  // namespace cg::proc
