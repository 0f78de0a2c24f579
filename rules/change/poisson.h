// The rate test of the signature_rate detector: is seeing `k` records of a signature among
// the traffic of a window surprising, given the share it had in the baseline?
//
// Under "nothing changed", the signature's records in a window of n records of traffic are
// Binomial(n, p0), p0 its baseline share; with p0 small that is Poisson(lambda = n * p0). The
// p-value is the upper tail P(X >= k | lambda). Normalising by traffic is what makes "twice
// the traffic with twice the noise" not a regression: lambda doubles with n.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

namespace cg {

// log P(X >= k) for X ~ Poisson(lambda), lambda >= 0; 0 for k == 0, -inf when lambda == 0 and
// k > 0. Accurate to a few ulps of the log for every k and lambda (series of the regularised
// incomplete gamma function, summed from the largest term).
double PoissonUpperTailLog(uint64_t k, double lambda);

// The baseline share of a signature: `count` of `traffic` baseline records, with half a
// record added (a signature never seen in the baseline is rare, not impossible: its share
// is then 0.5 / (traffic + 1)).
double BaselineShare(uint64_t count, uint64_t traffic);

struct RateTest {
  double expected = 0;  // lambda: records expected in the window at the baseline share.
  double ratio = 0;     // k / expected.
  double p_value = 1;   // P(X >= k | expected).
  bool regressed = false;
};

// The decision: k >= min_count, k >= min_ratio * expected and p_value <= significance.
RateTest TestRate(uint64_t k, uint64_t traffic, double share, uint64_t min_count, double min_ratio,
                  double significance);

}  // namespace cg
