// Rule YAML used by more than one suite (the engine tests and fuzz/fuzz_state.cc), written as
// `rules:` list items that RuleFile() puts together.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace cg::testing {

// The JDBC pool rule: 3 PoolExhaustedException matches within `window`, plus `extra`, one more
// rule field (such as "for: 30s") or none.
inline std::string PoolRule(std::string_view window = "1m", std::string_view extra = "") {
  std::string item = R"(  - id: db.pool
    description: JDBC pool exhausted
    severity: critical
    match: PoolExhaustedException
    threshold: {count: 3, window: )";
  item.append(window).append("}\n");
  if (!extra.empty()) item.append("    ").append(extra).append("\n");
  return item;
}

// A backend-unreachable rule whose alerts are split by the API a named capture finds.
inline constexpr std::string_view kPerApiRule = R"(  - id: gw.backend
    description: backend unreachable
    severity: warning
    match: '\{api:(?P<api>[^}]+)\} .*ERROR_CODE = 101503'
    threshold: {count: 2, window: 5m}
    labels: {component: gateway}
    max_label_sets: 2
)";

// A rule file holding `items`.
inline std::string RuleFile(std::initializer_list<std::string_view> items) {
  std::string file = "rules:\n";
  for (std::string_view item : items) file.append(item);
  return file;
}

}  // namespace cg::testing
