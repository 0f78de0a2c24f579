#include "collectors/logs/tail_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

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

}  // namespace

TailMetrics::TailMetrics(prometheus::Registry* registry, const std::string& log) {
  if (registry == nullptr) return;
  auto& r = *registry;
  lines_ = MakeCounter(r, "cutover_guard_log_lines_total",
                       "Physical log lines handed on to the rules inside records.", log);
  records_ = MakeCounter(r, "cutover_guard_log_records_total",
                         "Log records (entry line plus continuation lines) handed on.", log);
  rotations_ = MakeCounter(r, "cutover_guard_log_rotations_total",
                           "Tailed files that left their path (rename or delete).", log);
  truncations_ = MakeCounter(r, "cutover_guard_log_truncations_total",
                             "Tailed files truncated or rewritten in place (copytruncate).", log);
  long_lines_ = MakeCounter(r, "cutover_guard_log_long_lines_total",
                            "Lines longer than max_line, kept truncated.", log);
  gaps_ = MakeCounter(r, "cutover_guard_log_gap_events_total",
                      "Times the tailer could not be sure it read every line (see the log).", log);
  lag_ = MakeGauge(r, "cutover_guard_log_lag_bytes",
                   "Bytes written to the tailed files but not read yet.", log);
  open_ = MakeGauge(r, "cutover_guard_log_files_open", "File descriptors the tailer holds.", log);
}

TailMetrics::~TailMetrics() {
  if (lag_ != nullptr) lag_->Set(0);
  if (open_ != nullptr) open_->Set(0);
}

void TailMetrics::Sync(const LogStatus& s) {
  Bump(lines_, s.lines, synced_.lines);
  Bump(records_, s.records, synced_.records);
  Bump(rotations_, s.rotations, synced_.rotations);
  Bump(truncations_, s.truncations, synced_.truncations);
  Bump(long_lines_, s.long_lines, synced_.long_lines);
  Bump(gaps_, s.gap_events, synced_.gap_events);
  if (lag_ != nullptr) lag_->Set(static_cast<double>(s.lag_bytes));
  if (open_ != nullptr) open_->Set(static_cast<double>(s.files_open));
  synced_.lines = s.lines;
  synced_.records = s.records;
  synced_.rotations = s.rotations;
  synced_.truncations = s.truncations;
  synced_.long_lines = s.long_lines;
  synced_.gap_events = s.gap_events;
}

}  // namespace cg
