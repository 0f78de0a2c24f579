// Reads single values back out of a prometheus-cpp registry for assertions.
#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cg::testing {

// Value of the series `name{labels}` (labels must match exactly), nullopt if absent.
inline std::optional<double> MetricValue(const prometheus::Registry& registry,
                                         std::string_view name,
                                         const std::map<std::string, std::string>& labels = {}) {
  for (const prometheus::MetricFamily& fam : registry.Collect()) {
    if (fam.name != name) continue;
    for (const prometheus::ClientMetric& m : fam.metric) {
      std::map<std::string, std::string> have;
      for (const auto& l : m.label) have[l.name] = l.value;
      if (have != labels) continue;
      return fam.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return std::nullopt;
}

// Number of series in family `name`.
inline size_t SeriesCount(const prometheus::Registry& registry, std::string_view name) {
  for (const prometheus::MetricFamily& fam : registry.Collect()) {
    if (fam.name == name) return fam.metric.size();
  }
  return 0;
}

}  // namespace cg::testing
