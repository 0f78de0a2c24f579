// The history rings of sampled series, as published for GET /api/v1/samples.
//
// A series is identified by name ("host.cpu_busy_ratio") plus target ("" for host series, the
// target name for process series). Built by one thread (the event loop), then published as
// shared_ptr<const HistorySnapshot>; const methods are safe from any thread after publication.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"

namespace cg {

struct SamplePoint {
  WallTime at;
  double value = 0;  // Base units (ratio, bytes, count, seconds). NaN is allowed (JSON null).
};

class HistorySnapshot {
 public:
  struct Key {
    std::string series;
    std::string target;  // "" for host series.
    auto operator<=>(const Key&) const = default;
  };

  // Replaces the points of one series. `points` must be in ascending time order (the ring's
  // natural order); Since() relies on it.
  void Set(std::string series, std::string target, std::vector<SamplePoint> points);

  // The points of a series, or null when unknown.
  const std::vector<SamplePoint>* Find(std::string_view series, std::string_view target) const;

  // The points at or after `since` (all when `since` is before the first), as a view into the
  // stored vector: [first, last). Empty when the series is unknown.
  std::pair<const SamplePoint*, const SamplePoint*> Since(std::string_view series,
                                                          std::string_view target,
                                                          WallTime since) const;

  // Every known key, sorted by series then target.
  std::vector<Key> Keys() const;
  size_t size() const { return series_.size(); }

 private:
  std::map<Key, std::vector<SamplePoint>> series_;
};

}  // namespace cg
