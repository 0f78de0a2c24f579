// Reading the `recommendation:` mapping of the config (YAML). Kept out of recommendation.h so
// the engine's users do not compile yaml-cpp. Thread-safe (touches only its arguments).
#pragma once

#include "base/yaml_reader.h"
#include "rules/recommendation.h"

namespace cg {

// Reads the `recommendation:` mapping of the config. Reports problems into the context; leaves
// defaults in place for anything missing or wrong. A Null/undefined node keeps all defaults.
void ReadRecommendationPolicy(const YAML::Node& node, YamlContext& ctx,
                              RecommendationPolicy* policy);

}  // namespace cg
