#include "collectors/proc/history.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cg::proc {
namespace {
constexpr double kGap = std::numeric_limits<double>::quiet_NaN();
}  // namespace

SeriesHistory::SeriesHistory(size_t rows, size_t columns)
    : times_(std::max<size_t>(rows, 1)),
      values_(std::max<size_t>(rows, 1) * columns, kGap),
      columns_(columns) {}

void SeriesHistory::Append(WallTime time) {
  times_[next_] = time;
  std::fill_n(values_.begin() + static_cast<std::ptrdiff_t>(next_ * columns_), columns_, kGap);
  next_ = (next_ + 1) % times_.size();
  count_ = std::min(count_ + 1, times_.size());
}

size_t SeriesHistory::Index(size_t age) const {
  return (next_ + times_.size() - 1 - age) % times_.size();
}

void SeriesHistory::Set(size_t column, double value) {
  if (count_ == 0 || column >= columns_) return;
  // A NaN value would read back as a gap, which is what it means.
  values_[Index(0) * columns_ + column] = value;
}

void SeriesHistory::SetGap(size_t column) { Set(column, kGap); }

std::optional<double> SeriesHistory::Latest(size_t column) const {
  if (count_ == 0 || column >= columns_) return std::nullopt;
  double v = values_[Index(0) * columns_ + column];
  if (std::isnan(v)) return std::nullopt;
  return v;
}

std::vector<SeriesPoint> SeriesHistory::Since(size_t column, WallTime since) const {
  std::vector<SeriesPoint> out;
  if (column >= columns_) return out;
  for (size_t age = count_; age-- > 0;) {
    size_t row = Index(age);
    if (times_[row] < since) continue;
    double v = values_[row * columns_ + column];
    if (!std::isnan(v)) out.push_back({times_[row], v});
  }
  return out;
}

}  // namespace cg::proc
