#include "collectors/logs/tail_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <iterator>

namespace cg {
namespace {

prometheus::Counter* MakeCounter(prometheus::Registry& r, const std::string& name,
                                 const std::string& help, const std::string& log) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({{"log", log}});
}

prometheus::Gauge* MakeGauge(prometheus::Registry& r, const std::string& name,
                             const std::string& help, const std::string& log) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({{"log", log}});
}

void Bump(prometheus::Counter* c, uint64_t now, uint64_t before) {
  if (c != nullptr && now > before) c->Increment(static_cast<double>(now - before));
}

// The counter series: each follows one LogStatus field.
struct CounterSeries {
  const char* name;
  const char* help;
  uint64_t LogStatus::*field;
};
constexpr CounterSeries kCounterSeries[] = {
    {"cutover_guard_log_lines_total", "Physical log lines handed on to the rules inside records.",
     &LogStatus::lines},
    {"cutover_guard_log_records_total",
     "Log records (entry line plus continuation lines) handed on.", &LogStatus::records},
    {"cutover_guard_log_rotations_total", "Tailed files that left their path (rename or delete).",
     &LogStatus::rotations},
    {"cutover_guard_log_truncations_total",
     "Tailed files truncated or rewritten in place (copytruncate).", &LogStatus::truncations},
    {"cutover_guard_log_long_lines_total", "Lines longer than max_line, kept truncated.",
     &LogStatus::long_lines},
    {"cutover_guard_log_gap_events_total",
     "Times the tailer could not be sure it read every line (see the log).",
     &LogStatus::gap_events},
    {"cutover_guard_log_late_lines_total",
     "Continuation lines that came after their record was handed on early; joined to its "
     "evidence, never a record of their own.",
     &LogStatus::late_lines},
};

}  // namespace

TailMetrics::TailMetrics(prometheus::Registry* registry, const std::string& log) {
  static_assert(std::size(kCounterSeries) == kCounters);
  if (registry == nullptr) return;
  auto& r = *registry;
  for (size_t i = 0; i < kCounters; ++i) {
    counters_[i] = MakeCounter(r, kCounterSeries[i].name, kCounterSeries[i].help, log);
  }
  lag_ = MakeGauge(r, "cutover_guard_log_lag_bytes",
                   "Bytes written to the tailed files but not read yet.", log);
  open_ = MakeGauge(r, "cutover_guard_log_files_open", "File descriptors the tailer holds.", log);
  early_ = MakeGauge(r, "cutover_guard_log_early_flush_seconds",
                     "Quiet time after which a pending record is handed on early (adaptive: "
                     "grows after a late continuation line).",
                     log);
}

TailMetrics::~TailMetrics() {
  if (lag_ != nullptr) lag_->Set(0);
  if (open_ != nullptr) open_->Set(0);
}

void TailMetrics::Sync(const LogStatus& s) {
  for (size_t i = 0; i < kCounters; ++i) {
    Bump(counters_[i], s.*kCounterSeries[i].field, synced_.*kCounterSeries[i].field);
  }
  if (lag_ != nullptr) lag_->Set(static_cast<double>(s.lag_bytes));
  if (open_ != nullptr) open_->Set(static_cast<double>(s.files_open));
  if (early_ != nullptr) early_->Set(static_cast<double>(s.early_flush.count()) / 1e6);
  for (const CounterSeries& c : kCounterSeries) synced_.*c.field = s.*c.field;
}

}  // namespace cg
