// Time as a parameter: logic takes `now`; only schedulers ask a Clock.
//
// Two time lines: wall time (system_clock; log timestamps, alert times, what humans read) and
// monotonic time (steady_clock; intervals, rates, timeouts). FakeClock lets tests drive both
// without sleeping. Implementations are thread-safe.
#pragma once

#include <atomic>
#include <chrono>

namespace cg {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime Now() const = 0;
  virtual MonoTime MonoNow() const = 0;
};

// The process clocks. Stateless; use the shared instance.
class RealClock final : public Clock {
 public:
  WallTime Now() const override { return std::chrono::system_clock::now(); }
  MonoTime MonoNow() const override { return std::chrono::steady_clock::now(); }
  static RealClock& Instance();
};

// A clock that moves only when told. Both time lines advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime start = WallTime(std::chrono::seconds(1'764'000'000)))
      : wall_ns_(start.time_since_epoch().count()), mono_ns_(1'000'000'000) {}
  WallTime Now() const override { return WallTime(WallTime::duration(wall_ns_.load())); }
  MonoTime MonoNow() const override { return MonoTime(std::chrono::nanoseconds(mono_ns_.load())); }
  void Advance(std::chrono::nanoseconds d) {
    wall_ns_ += std::chrono::duration_cast<WallTime::duration>(d).count();
    mono_ns_ += d.count();
  }
  void SetWall(WallTime t) { wall_ns_ = t.time_since_epoch().count(); }

 private:
  std::atomic<WallTime::rep> wall_ns_;
  std::atomic<int64_t> mono_ns_;
};

}  // namespace cg
