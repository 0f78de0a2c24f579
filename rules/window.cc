#include "rules/window.h"

#include <algorithm>

namespace cg {

SlidingWindow::SlidingWindow(size_t capacity, bool track_tags)
    : times_(std::max<size_t>(capacity, 1)), tags_(times_.size()), track_tags_(track_tags) {
  if (track_tags_) tag_counts_.reserve(times_.size());
}

void SlidingWindow::TagInc(uint64_t tag) {
  for (auto& [t, n] : tag_counts_) {
    if (t == tag) {
      ++n;
      return;
    }
  }
  tag_counts_.emplace_back(tag, 1);  // Within the reserved capacity: never allocates.
}

void SlidingWindow::TagDec(uint64_t tag) {
  for (size_t i = 0; i < tag_counts_.size(); ++i) {
    if (tag_counts_[i].first != tag) continue;
    if (--tag_counts_[i].second == 0) {
      tag_counts_[i] = tag_counts_.back();
      tag_counts_.pop_back();
    }
    return;
  }
}

void SlidingWindow::Add(WallTime t, uint64_t tag) {
  // Logs interleave slightly out of order (two files, clock steps): keep the ring sorted.
  if (size_ > 0) t = std::max(t, times_[At(size_ - 1)]);
  if (size_ == times_.size()) {
    // The oldest entry is overwritten: it leaves the distinct count unless it already had.
    if (track_tags_) {
      if (live_begin_ > 0) {
        --live_begin_;
      } else {
        TagDec(tags_[head_]);
      }
    }
    times_[head_] = t;
    tags_[head_] = tag;
    head_ = (head_ + 1) % times_.size();
  } else {
    const size_t i = At(size_);
    times_[i] = t;
    tags_[i] = tag;
    ++size_;
  }
  if (track_tags_) TagInc(tag);
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

size_t SlidingWindow::DistinctAfter(WallTime after) {
  if (!track_tags_) return 0;
  if (last_after_ && after < *last_after_) {
    // The window start moved back: recount from scratch.
    tag_counts_.clear();
    live_begin_ = size_ - CountAfter(after);
    for (size_t i = live_begin_; i < size_; ++i) TagInc(tags_[At(i)]);
  } else {
    while (live_begin_ < size_ && times_[At(live_begin_)] <= after) {
      TagDec(tags_[At(live_begin_)]);
      ++live_begin_;
    }
  }
  last_after_ = after;
  return tag_counts_.size();
}

std::optional<WallTime> SlidingWindow::NthNewest(size_t k) const {
  if (k == 0 || k > size_) return std::nullopt;
  return times_[At(size_ - k)];
}

}  // namespace cg
