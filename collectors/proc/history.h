// Bounded history of sampled series: one fixed-size ring of sample times shared by a fixed set of
// series ("columns"), each holding one value per sample (or a gap).
//
// Every Sampler::Sample() call appends one row; the oldest row is overwritten once the ring is
// full, so memory is rows x (8 + 8 x columns) bytes, allocated once. Not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "base/clock.h"

namespace cg {

// One sampled value of a series. Units are the series' own (see metric_source.h).
struct SeriesPoint {
  WallTime time;
  double value = 0;
};

}  // namespace cg

namespace cg::proc {

class SeriesHistory {
 public:
  // `rows` >= 1 samples kept per series; `columns` series.
  SeriesHistory(size_t rows, size_t columns);

  // Starts a new row at `time`; every column is a gap until Set() fills it.
  void Append(WallTime time);
  void Set(size_t column, double value);
  void SetGap(size_t column);

  // Value of `column` in the newest row; nullopt if there is no row or it is a gap.
  std::optional<double> Latest(size_t column) const;
  // Points of `column` with time >= since, oldest first, gaps left out.
  std::vector<SeriesPoint> Since(size_t column, WallTime since) const;

  size_t rows() const { return times_.size(); }
  size_t size() const { return count_; }

 private:
  size_t Index(size_t age) const;  // age 0 = newest row.
  std::vector<WallTime> times_;
  std::vector<double> values_;  // Row-major: row r, column c at r * columns_ + c. NaN = gap.
  size_t columns_;
  size_t next_ = 0;   // Row written by the next Append.
  size_t count_ = 0;  // Rows filled so far (<= rows()).
};

}  // namespace cg::proc
