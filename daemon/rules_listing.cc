#include "daemon/rules_listing.h"

#include <string>

#include "base/units.h"
#include "rules/rule_loader.h"

namespace cg {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// The effective value of one overridable field, as a human reads it.
std::string FieldValue(const RuleSpec& r, const std::string& key) {
  if (key == "severity") return std::string(SeverityName(r.severity));
  if (key == "description") return r.description;
  if (key == "runbook") return r.runbook;
  if (key == "for") return FormatDuration(r.for_);
  if (key == "warmup") {
    return r.warmup_default ? "the config's cutover.warmup" : FormatDuration(r.warmup);
  }
  if (key == "evidence") return std::to_string(r.evidence);
  if (key == "max_label_sets") return std::to_string(r.max_label_sets);
  if (key == "labels") {
    std::vector<std::string> parts;
    for (const auto& [k, v] : r.labels) parts.push_back(k + "=" + v);
    return "{" + Join(parts) + "}";
  }
  if (key == "threshold") {
    std::string t = std::to_string(r.threshold.count) + " in " + FormatDuration(r.threshold.window);
    if (!r.threshold.distinct_label.empty()) {
      t += " across " + std::to_string(r.threshold.distinct_count) + "+ " +
           r.threshold.distinct_label + " values";
    }
    if (r.threshold.minutes > 0) t += " over " + std::to_string(r.threshold.minutes) + " minutes";
    return t;
  }
  if (key == "clear") {
    std::vector<std::string> parts;
    if (r.clear.count) parts.push_back("count " + std::to_string(*r.clear.count));
    if (r.clear.keep_firing_for.count() > 0) {
      parts.push_back("keep firing for " + FormatDuration(r.clear.keep_firing_for));
    }
    if (r.clear.until_boot) parts.push_back("until the next boot");
    return parts.empty() ? "default" : Join(parts);
  }
  return "?";
}

}  // namespace

Status PrintEffectiveRules(const std::vector<std::filesystem::path>& paths, std::ostream& out) {
  std::vector<DisabledRule> disabled;
  auto rules = LoadRuleFiles(paths, &disabled);
  if (!rules.ok()) return Status::Error(rules.error().ToString());
  size_t overridden = 0;
  for (const auto& r : *rules) overridden += r.overridden.empty() ? 0 : 1;
  out << "Effective rules: " << rules->size() << " from " << paths.size() << " file(s), "
      << overridden << " overridden, " << disabled.size() << " disabled\n";
  for (const auto& r : *rules) {
    out << "  " << r.id << "  " << SeverityName(r.severity) << "  " << RuleKindName(r.kind) << "  "
        << r.pos.ToString();
    if (!r.checked_against.empty())
      out << "  (checked against WSO2 " << Join(r.checked_against) << ")";
    out << "\n";
    for (const auto& [key, pos] : r.overridden) {
      out << "    " << key << ": " << FieldValue(r, key) << "  <- override at " << pos.ToString()
          << "\n";
    }
  }
  if (!disabled.empty()) out << "Disabled:\n";
  for (const auto& d : disabled) {
    out << "  " << d.id << "  defined at " << d.defined_at.ToString() << ", disabled at "
        << d.disabled_at.ToString() << "\n";
  }
  return Status::Ok();
}

}  // namespace cg
