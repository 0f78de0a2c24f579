// Time values in API requests: query parameters (`since=`) and the cutover body (`"at"`).
// Pure and thread-safe.
#pragma once

#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "base/units.h"

namespace cg {

// Unix seconds at or past this (2200-01-01T00:00:00Z) are refused: the clock's nanoseconds end
// in 2262, and a cutover mark beyond 2200 is a typo.
inline constexpr double kMaxUnixSeconds = static_cast<double>(kLatestUnixSeconds);

// Accepts, relative to `now` where it applies:
//   "2026-11-25T02:00:00Z", "2026-11-25T02:00:00.250+05:30"   RFC 3339 with a zone;
//   "2026-11-25 02:00:00"                                       no zone: the daemon's local time,
//                                                               as `cutover.at` in the config;
//   "1764036000", "1764036000.5"                                Unix seconds (Prometheus style);
//   "15m", "1h30m"                                              that long before `now`.
// Errors say what was expected.
Result<WallTime> ParseTimeParam(std::string_view text, WallTime now);

}  // namespace cg
