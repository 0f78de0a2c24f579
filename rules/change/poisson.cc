#include "rules/change/poisson.h"

#include <cmath>
#include <limits>

namespace cg {

double PoissonUpperTailLog(uint64_t k, double lambda) {
  if (k == 0) return 0.0;
  if (!(lambda > 0)) return -std::numeric_limits<double>::infinity();
  const double kd = static_cast<double>(k);
  if (lambda >= kd) {
    // The tail is not small: 1 - P(X <= k - 1), summing the lower terms from the top down.
    double term = 1.0, sum = 0.0;  // Relative to P(X = k - 1).
    for (uint64_t j = k; j-- > 0;) {
      sum += term;
      term *= static_cast<double>(j) / lambda;
      if (term < 1e-17 * sum) break;
    }
    const double log_pk1 = (kd - 1) * std::log(lambda) - lambda - std::lgamma(kd);
    const double lower = std::exp(log_pk1 + std::log(sum));
    return lower >= 1.0 ? std::log(std::numeric_limits<double>::min()) : std::log1p(-lower);
  }
  // P(X >= k) = P(X = k) * (1 + lambda/(k+1) + lambda^2/((k+1)(k+2)) + ...); the terms shrink
  // at least geometrically since lambda < k.
  double term = 1.0, sum = 1.0;
  for (uint64_t j = k + 1; j < k + 100000; ++j) {
    term *= lambda / static_cast<double>(j);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return kd * std::log(lambda) - lambda - std::lgamma(kd + 1) + std::log(sum);
}

double BaselineShare(uint64_t count, uint64_t traffic) {
  return (static_cast<double>(count) + 0.5) / (static_cast<double>(traffic) + 1.0);
}

RateTest TestRate(uint64_t k, uint64_t traffic, double share, uint64_t min_count, double min_ratio,
                  double significance) {
  RateTest t;
  t.expected = static_cast<double>(traffic) * share;
  t.ratio = t.expected > 0 ? static_cast<double>(k) / t.expected
                           : (k > 0 ? std::numeric_limits<double>::infinity() : 0.0);
  t.p_value = std::exp(PoissonUpperTailLog(k, t.expected));
  t.regressed = k >= min_count && t.ratio >= min_ratio && t.p_value <= significance;
  return t;
}

}  // namespace cg
