// The engine's Prometheus series. All no-ops without a registry (tests, replay).
//
//   cutover_guard_rule_matches_total{rule}               records matching the rule (incl. those
//                                                         suppressed by warm-up)
//   cutover_guard_rule_warmup_suppressed_total{rule}     matches ignored inside a warm-up grace
//   cutover_guard_rule_label_overflow_total{rule}        matches whose capture labels exceeded
//                                                         max_label_sets (counted under "_other")
//   cutover_guard_rule_records_total                     records evaluated
//   cutover_guard_rule_records_before_cutover_total      records older than the cutover mark
//   cutover_guard_rule_dfa_fallbacks_total               records matched regex by regex because
//                                                         RE2's DFA ran out of memory
//   cutover_guard_alerts_firing{severity}                firing alerts
//   cutover_guard_alerts_pending{severity}               pending alerts
//   cutover_guard_recommendation{recommendation}         1 for the current verdict, 0 for others
//   cutover_guard_signatures{log,state}                  WARN+ signatures seen since the cutover,
//                                                         by state (known, new, regressed,
//                                                         unjudged: no baseline for the log)
//   cutover_guard_signature_new_total{log,level}         signatures absent from the baseline first
//                                                         seen since the cutover
// Single-threaded use (prometheus-cpp's metric objects are themselves thread-safe for scrapes).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>
#include <string>

#include "rules/recommendation.h"
#include "rules/rule_spec.h"

namespace cg {

class EngineMetrics {
 public:
  struct RuleCounters {
    prometheus::Counter* matches = nullptr;
    prometheus::Counter* suppressed = nullptr;
    prometheus::Counter* overflow = nullptr;
  };

  explicit EngineMetrics(prometheus::Registry* registry);

  RuleCounters AddRule(const std::string& rule);
  void RemoveRule(const RuleCounters& c);

  void Record(bool before_cutover) {
    if (records_) records_->Increment();
    if (before_cutover && before_cutover_) before_cutover_->Increment();
  }
  void DfaFallbacks(uint64_t total);
  void SetAlerts(const uint64_t firing[3], const uint64_t pending[3]);
  void SetRecommendation(Verdict v);
  // Change detectors: signatures of `log` by state (known, new, regressed, unjudged), and the
  // running total of new ones by level (WARN, ERROR, FATAL).
  void SetSignatures(const std::string& log, const uint64_t by_state[4],
                     const uint64_t new_total[3]);

  static void Inc(prometheus::Counter* c) {
    if (c) c->Increment();
  }

 private:
  prometheus::Family<prometheus::Counter>* matches_ = nullptr;
  prometheus::Family<prometheus::Counter>* suppressed_ = nullptr;
  prometheus::Family<prometheus::Counter>* overflow_ = nullptr;
  prometheus::Counter* records_ = nullptr;
  prometheus::Counter* before_cutover_ = nullptr;
  prometheus::Counter* dfa_fallbacks_ = nullptr;
  prometheus::Gauge* firing_[3] = {};
  prometheus::Gauge* pending_[3] = {};
  prometheus::Gauge* verdict_[4] = {};  // By Verdict value.
  prometheus::Family<prometheus::Gauge>* signatures_ = nullptr;
  prometheus::Family<prometheus::Counter>* signature_new_ = nullptr;
  // Counter values already added, per "log\x1flevel" (counters only go up by deltas).
  std::map<std::string, uint64_t> new_added_;
};

}  // namespace cg
