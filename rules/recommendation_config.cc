#include "rules/recommendation_config.h"

namespace cg {

namespace {

void ReadLevel(MapReader& m, const std::string& key, Severity* sev, uint32_t* min_alerts,
               YamlContext& ctx) {
  YAML::Node n = m.Get(key);
  if (!n.IsDefined() || n.IsNull()) return;
  MapReader r(n, m.what() + "." + key, ctx);
  if (!r.valid()) return;
  std::string s;
  if (r.Enum("severity", {"info", "warning", "critical"}, &s)) *sev = *ParseSeverity(s);
  int64_t v = 0;
  if (r.Int("min_alerts", &v, 1, 1000)) *min_alerts = static_cast<uint32_t>(v);
  r.Finish();
}

}  // namespace

void ReadRecommendationPolicy(const YAML::Node& node, YamlContext& ctx,
                              RecommendationPolicy* policy) {
  if (!node.IsDefined() || node.IsNull()) return;
  MapReader m(node, "recommendation", ctx);
  if (!m.valid()) return;
  ReadLevel(m, "rollback", &policy->rollback_severity, &policy->rollback_min_alerts, ctx);
  ReadLevel(m, "investigate", &policy->investigate_severity, &policy->investigate_min_alerts, ctx);
  m.Bool("count_pending", &policy->count_pending);
  m.Bool("count_acknowledged", &policy->count_acknowledged);
  if (policy->rollback_severity < policy->investigate_severity) {
    m.ErrorAt("rollback",
              "recommendation.rollback.severity: must not be below investigate.severity");
  }
  m.Finish();
}

}  // namespace cg
