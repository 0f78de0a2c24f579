// What the sampler tests share: the tolerance of figures computed from the fixture trees, and
// a sampler that must be created.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <utility>

#include "collectors/proc/sampler.h"

namespace cg::testing {

// Relative tolerance for figures computed by hand from the fixture trees.
inline constexpr double kEps = 1e-12;

// Sampler::Create, which must accept `options`. The fixture trees count CPU time in ticks of
// 1/100 s, so that is the tick rate whatever `options` says.
inline std::unique_ptr<Sampler> MustCreateSampler(SamplerOptions options) {
  options.clock_ticks_per_second = 100;
  auto s = Sampler::Create(std::move(options));
  REQUIRE(s.ok());
  return std::move(*s);
}

}  // namespace cg::testing
