#include "rules/engine_metrics.h"

namespace cg {

EngineMetrics::EngineMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  using prometheus::BuildCounter;
  using prometheus::BuildGauge;
  matches_ = &BuildCounter()
                  .Name("cutover_guard_rule_matches_total")
                  .Help("Records matching the rule (including those suppressed by warm-up)")
                  .Register(*registry);
  suppressed_ = &BuildCounter()
                     .Name("cutover_guard_rule_warmup_suppressed_total")
                     .Help("Matches ignored inside the rule's warm-up grace")
                     .Register(*registry);
  overflow_ = &BuildCounter()
                   .Name("cutover_guard_rule_label_overflow_total")
                   .Help("Matches whose capture labels exceeded max_label_sets (kept as _other)")
                   .Register(*registry);
  records_ = &BuildCounter()
                  .Name("cutover_guard_rule_records_total")
                  .Help("Records evaluated by the rule engine")
                  .Register(*registry)
                  .Add({});
  before_cutover_ = &BuildCounter()
                         .Name("cutover_guard_rule_records_before_cutover_total")
                         .Help("Records older than the cutover mark (not evaluated by rules)")
                         .Register(*registry)
                         .Add({});
  dfa_fallbacks_ = &BuildCounter()
                        .Name("cutover_guard_rule_dfa_fallbacks_total")
                        .Help("Records matched regex by regex because RE2's DFA ran out of memory")
                        .Register(*registry)
                        .Add({});
  auto& firing = BuildGauge()
                     .Name("cutover_guard_alerts_firing")
                     .Help("Firing alerts by severity")
                     .Register(*registry);
  auto& pending = BuildGauge()
                      .Name("cutover_guard_alerts_pending")
                      .Help("Pending alerts (condition holds, `for` not elapsed) by severity")
                      .Register(*registry);
  auto& verdict = BuildGauge()
                      .Name("cutover_guard_recommendation")
                      .Help("1 for the current recommendation, 0 for the others")
                      .Register(*registry);
  for (int i = 0; i < 3; ++i) {
    std::string sev(SeverityName(static_cast<Severity>(i)));
    firing_[i] = &firing.Add({{"severity", sev}});
    pending_[i] = &pending.Add({{"severity", sev}});
  }
  for (Verdict v : kAllVerdicts) {
    verdict_[static_cast<size_t>(v)] =
        &verdict.Add({{"recommendation", std::string(VerdictName(v))}});
  }
  verdict_[0]->Set(1);
  signatures_ = &BuildGauge()
                     .Name("cutover_guard_signatures")
                     .Help(
                         "WARN+ message signatures seen since the cutover, by state (known, "
                         "new, regressed, unjudged)")
                     .Register(*registry);
  signature_new_ = &BuildCounter()
                        .Name("cutover_guard_signature_new_total")
                        .Help(
                            "Message signatures absent from the baseline first seen since the "
                            "cutover")
                        .Register(*registry);
}

void EngineMetrics::SetSignatures(const std::string& log, const uint64_t by_state[4],
                                  const uint64_t new_total[3]) {
  if (signatures_ == nullptr) return;
  static constexpr const char* kStates[4] = {"known", "new", "regressed", "unjudged"};
  static constexpr const char* kLevels[3] = {"WARN", "ERROR", "FATAL"};
  for (int i = 0; i < 4; ++i) {
    signatures_->Add({{"log", log}, {"state", kStates[i]}}).Set(static_cast<double>(by_state[i]));
  }
  for (int i = 0; i < 3; ++i) {
    uint64_t& added = new_added_[log + '\x1f' + kLevels[i]];
    auto& c = signature_new_->Add({{"log", log}, {"level", kLevels[i]}});
    if (new_total[i] > added) c.Increment(static_cast<double>(new_total[i] - added));
    added = new_total[i];
  }
}

EngineMetrics::RuleCounters EngineMetrics::AddRule(const std::string& rule) {
  if (matches_ == nullptr) return {};
  return RuleCounters{&matches_->Add({{"rule", rule}}), &suppressed_->Add({{"rule", rule}}),
                      &overflow_->Add({{"rule", rule}})};
}

void EngineMetrics::RemoveRule(const RuleCounters& c) {
  if (matches_ == nullptr) return;
  if (c.matches) matches_->Remove(c.matches);
  if (c.suppressed) suppressed_->Remove(c.suppressed);
  if (c.overflow) overflow_->Remove(c.overflow);
}

void EngineMetrics::DfaFallbacks(uint64_t total) {
  if (dfa_fallbacks_ == nullptr) return;
  const double delta = static_cast<double>(total) - dfa_fallbacks_->Value();
  if (delta > 0) dfa_fallbacks_->Increment(delta);
}

void EngineMetrics::SetAlerts(const uint64_t firing[3], const uint64_t pending[3]) {
  if (firing_[0] == nullptr) return;
  for (int i = 0; i < 3; ++i) {
    firing_[i]->Set(static_cast<double>(firing[i]));
    pending_[i]->Set(static_cast<double>(pending[i]));
  }
}

void EngineMetrics::SetRecommendation(Verdict v) {
  if (verdict_[0] == nullptr) return;
  for (Verdict each : kAllVerdicts) verdict_[static_cast<size_t>(each)]->Set(each == v ? 1 : 0);
}

}  // namespace cg
