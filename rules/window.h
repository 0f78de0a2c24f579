// SlidingWindow: the timestamps of a rule's most recent matches, for "N matches in W".
//
// A fixed-capacity ring (allocated once, at construction): Add() is O(1) and never allocates,
// counting the matches inside a window is O(log capacity) (binary search over the sorted ring).
// Keeping the last `capacity` matches is exact for every question the engine asks as long as
// capacity >= max(threshold, clear count + 1): "are there >= N in the window" only needs the
// N most recent, and "when did the count fall to M" is the expiry of the (M+1)-th most recent.
// Counts above the capacity saturate at the capacity.
// With `track_tags`, each match carries a 64-bit tag (hash of a capture value) and the number
// of distinct tags inside the window is maintained incrementally: amortised O(1) per match as
// long as the window start only moves forward (the engine's does), recounted otherwise.
// Times passed to Add() are clamped to be non-decreasing. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/clock.h"

namespace cg {

class SlidingWindow {
 public:
  explicit SlidingWindow(size_t capacity, bool track_tags = false);

  void Add(WallTime t, uint64_t tag = 0);
  // Matches with time > `after` (i.e. inside a window (after, now]).
  size_t CountAfter(WallTime after) const;
  // Distinct tags among the matches with time > `after` (needs track_tags; else 0).
  size_t DistinctAfter(WallTime after);
  // Time of the k-th most recent match (k = 1 is the newest), or nullopt if fewer are kept.
  std::optional<WallTime> NthNewest(size_t k) const;
  size_t size() const { return size_; }
  size_t capacity() const { return times_.size(); }

 private:
  // Physical index of the i-th oldest kept entry.
  size_t At(size_t i) const { return (head_ + i) % times_.size(); }
  void TagInc(uint64_t tag);
  void TagDec(uint64_t tag);

  std::vector<WallTime> times_;
  std::vector<uint64_t> tags_;
  size_t head_ = 0;  // Oldest entry.
  size_t size_ = 0;
  // Distinct-tag bookkeeping: entries [live_begin_, size_) are counted in tag_counts_.
  bool track_tags_ = false;
  std::vector<std::pair<uint64_t, uint32_t>> tag_counts_;  // Live tag -> matches; no zeros.
  size_t live_begin_ = 0;
  std::optional<WallTime> last_after_;
};

}  // namespace cg
