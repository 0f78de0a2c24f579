#include "rules/window.h"

#include <algorithm>

namespace cg {

SlidingWindow::SlidingWindow(size_t capacity)
    : times_(std::max<size_t>(capacity, 1)), tags_(times_.size()) {
  scratch_.reserve(times_.size());
}

void SlidingWindow::Add(WallTime t, uint64_t tag) {
  // Logs interleave slightly out of order (two files, clock steps): keep the ring sorted.
  if (size_ > 0) t = std::max(t, times_[At(size_ - 1)]);
  if (size_ == times_.size()) {
    times_[head_] = t;
    tags_[head_] = tag;
    head_ = (head_ + 1) % times_.size();
    return;
  }
  const size_t i = At(size_);
  times_[i] = t;
  tags_[i] = tag;
  ++size_;
}

size_t SlidingWindow::CountAfter(WallTime after) const {
  // First logical index whose time is > after (the ring is sorted oldest..newest).
  size_t lo = 0, hi = size_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (times_[At(mid)] > after) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return size_ - lo;
}

size_t SlidingWindow::DistinctAfter(WallTime after) const {
  const size_t n = CountAfter(after);
  scratch_.clear();
  for (size_t i = size_ - n; i < size_; ++i) scratch_.push_back(tags_[At(i)]);
  std::sort(scratch_.begin(), scratch_.end());
  return static_cast<size_t>(std::unique(scratch_.begin(), scratch_.end()) - scratch_.begin());
}

std::optional<WallTime> SlidingWindow::NthNewest(size_t k) const {
  if (k == 0 || k > size_) return std::nullopt;
  return times_[At(size_ - k)];
}

}  // namespace cg
