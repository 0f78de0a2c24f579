// SlidingWindow: the timestamps of a rule's most recent matches, for "N matches in W".
//
// A fixed-capacity ring (allocated once, at construction): Add() is O(1) and never allocates,
// counting the matches inside a window is O(log capacity) (binary search over the sorted ring).
// Keeping the last `capacity` matches is exact for every question the engine asks as long as
// capacity >= max(threshold, clear count + 1): "are there >= N in the window" only needs the
// N most recent, and "when did the count fall to M" is the expiry of the (M+1)-th most recent.
// Counts above the capacity saturate at the capacity.
// Each match may carry a 64-bit tag (hash of a capture value) for distinct-value thresholds.
// Times passed to Add() are clamped to be non-decreasing. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "collectors/base/clock.h"

namespace cg {

class SlidingWindow {
 public:
  explicit SlidingWindow(size_t capacity);

  void Add(WallTime t, uint64_t tag = 0);
  // Matches with time > `after` (i.e. inside a window (after, now]).
  size_t CountAfter(WallTime after) const;
  // Distinct tags among the matches with time > `after`. O(n log n) in that count; uses a
  // scratch buffer sized once at construction.
  size_t DistinctAfter(WallTime after) const;
  // Time of the k-th most recent match (k = 1 is the newest), or nullopt if fewer are kept.
  std::optional<WallTime> NthNewest(size_t k) const;
  size_t size() const { return size_; }
  size_t capacity() const { return times_.size(); }
  void Clear() { size_ = 0; }

 private:
  // Physical index of the i-th oldest kept entry.
  size_t At(size_t i) const { return (head_ + i) % times_.size(); }

  std::vector<WallTime> times_;
  std::vector<uint64_t> tags_;
  mutable std::vector<uint64_t> scratch_;
  size_t head_ = 0;  // Oldest entry.
  size_t size_ = 0;
};

}  // namespace cg
