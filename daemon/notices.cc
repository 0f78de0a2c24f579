#include "daemon/notices.h"

#include <cstdio>

#include "base/units.h"

namespace cg {

AlertNotice ToNotice(const Alert& a, std::string_view state, std::string_view verdict) {
  AlertNotice n;
  n.id = a.id;
  n.rule = a.rule;
  n.severity = std::string(SeverityName(a.severity));
  n.state = std::string(state);
  n.labels = a.labels;
  n.summary = a.description;
  n.description = a.description + (a.runbook.empty() ? "" : "\nRunbook: " + a.runbook) +
                  "\nMatches: " + std::to_string(a.count) + " since " +
                  FormatRfc3339(a.first_seen) + (a.detail.empty() ? "" : "\n" + a.detail);
  if (!a.evidence.empty()) {
    const Evidence& e = a.evidence.back();
    constexpr size_t kExcerpt = 1024;
    n.evidence =
        e.log + " " + e.file + "@" + std::to_string(e.offset) + ":\n" + e.text.substr(0, kExcerpt);
  } else if (a.value) {
    n.evidence = "value " + std::to_string(*a.value);
  }
  n.recommendation = std::string(verdict);
  n.starts_at = a.fired_at.value_or(a.first_seen);
  if (state == "resolved") n.ends_at = a.resolved_at.value_or(a.last_seen);
  return n;
}

RecommendationNotice ToRecommendationNotice(const AlertEvent& change, const Recommendation& now) {
  RecommendationNotice r;
  r.from = change.previous;
  r.to = change.recommendation;
  r.at = change.at;
  for (const auto& reason : now.reasons) {
    r.reasons.push_back(std::string(SeverityName(reason.severity)) + " " + reason.rule + " x" +
                        std::to_string(reason.count) + ": " + reason.description);
  }
  for (const auto& b : now.blind_spots) {
    r.reasons.push_back("cannot see " + b.subject + ": " + b.description);
  }
  return r;
}

std::string SystemdStatusLine(const Recommendation& rec, const std::vector<LogStatus>& logs) {
  uint64_t files = 0, lag = 0;
  for (const LogStatus& s : logs) {
    files += s.files_open;
    lag += s.lag_bytes;
  }
  return "recommendation " + std::string(VerdictName(rec.verdict)) + " (" +
         std::to_string(rec.reasons.size()) + " reason(s)); tailing " + std::to_string(files) +
         " file(s), lag " + FormatBytes(lag);
}

std::string FormatBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 3) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace cg
