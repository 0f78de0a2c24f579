// MinuteRing: how many events fell in each wall-clock minute of the last hour.
//
// The change detectors ask "how many records of this signature in the last W minutes, and in
// how many distinct minutes" every tick for every active signature; a ring of per-minute
// counts answers both in O(W) with 256 bytes per signature, whatever the rate (a sliding
// window of timestamps would need one slot per record to count a storm). Resolution is one
// minute: a window of W minutes is the current (partial) minute and the W - 1 before it.
// Events older than the ring, or more than kMinutes before the newest, are dropped. Counts
// saturate at UINT32_MAX per minute. Value type; not synchronised.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "base/clock.h"

namespace cg {

class MinuteRing {
 public:
  static constexpr int kMinutes = 64;

  // The minute index of a time: whole minutes since the epoch (floor, also before 1970).
  static int64_t MinuteOf(WallTime t) {
    const int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return ms >= 0 ? ms / 60'000 : -((-ms + 59'999) / 60'000);
  }

  void Add(WallTime t, uint32_t n = 1) {
    // Fast path (every record of a watched log comes here): still in the newest minute.
    const int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    if (started_ && ms >= newest_ms_ && ms < newest_ms_ + 60'000) {
      uint32_t& c = counts_[Slot(newest_)];
      c = c > UINT32_MAX - n ? UINT32_MAX : c + n;
      return;
    }
    AddMinute(MinuteOf(t), n);
  }

  void AddMinute(int64_t m, uint32_t n = 1) {
    if (!started_) {
      started_ = true;
      newest_ = m;
      newest_ms_ = m * 60'000;
    }
    if (m > newest_) {
      // Clear the minutes skipped over (at most the whole ring).
      const int64_t gap = m - newest_;
      for (int64_t k = 1; k <= gap && k <= kMinutes; ++k) counts_[Slot(newest_ + k)] = 0;
      newest_ = m;
      newest_ms_ = m * 60'000;
    }
    if (m <= newest_ - kMinutes) return;  // Older than the ring.
    uint32_t& c = counts_[Slot(m)];
    c = c > UINT32_MAX - n ? UINT32_MAX : c + n;
  }

  // Events in the `minutes` minutes ending with the minute of `now` (1 <= minutes <= 64).
  uint64_t Sum(WallTime now, int minutes) const {
    uint64_t sum = 0;
    ForEach(now, minutes, [&](uint32_t c) { sum += c; });
    return sum;
  }
  // Minutes among those with at least one event.
  int Nonzero(WallTime now, int minutes) const {
    int n = 0;
    ForEach(now, minutes, [&](uint32_t c) { n += c > 0; });
    return n;
  }
  // The newest minute with an event, if any was added.
  bool started() const { return started_; }
  int64_t newest() const { return newest_; }

  // Adds every count of `other` (a signature merged into another).
  void Merge(const MinuteRing& other) {
    if (!other.started_) return;
    for (int64_t m = other.newest_ - kMinutes + 1; m <= other.newest_; ++m) {
      if (uint32_t c = other.counts_[Slot(m)]) AddMinute(m, c);
    }
  }

 private:
  static size_t Slot(int64_t m) {
    return static_cast<size_t>(((m % kMinutes) + kMinutes) % kMinutes);
  }
  template <typename F>
  void ForEach(WallTime now, int minutes, F&& f) const {
    if (!started_) return;
    const int64_t last = MinuteOf(now);
    const int64_t first = last - (minutes < 1 ? 1 : minutes > kMinutes ? kMinutes : minutes) + 1;
    for (int64_t m = first; m <= last; ++m) {
      if (m > newest_ || m <= newest_ - kMinutes) continue;
      f(counts_[Slot(m)]);
    }
  }

  std::array<uint32_t, kMinutes> counts_{};
  int64_t newest_ = 0;
  int64_t newest_ms_ = 0;  // Start of the newest minute, in ms since the epoch.
  bool started_ = false;
};

}  // namespace cg
