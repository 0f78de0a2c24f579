// Strict parsers for the value types that appear in config and rule files.
//
// "Strict" means: the whole text must match, a unit is mandatory, overflow is an error, and the
// error message says what was expected. All functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cg {

// "250ms", "5s", "1m", "2h", "1d", and concatenations such as "1h30m" (Prometheus style).
// Units: ms, s, m, h, d. "0s" is allowed; negative values are not.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// Shortest exact rendering: 90000ms -> "1m30s", 250ms -> "250ms", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds d);

// "512B", "64KiB", "10MB", "1GiB" (IEC units are powers of 1024, SI units powers of 1000).
// A bare number is bytes. Returns bytes.
Result<uint64_t> ParseSize(std::string_view text);

struct HostPort {
  std::string host;  // Without brackets: "127.0.0.1", "::1", "localhost", "" (= all addresses).
  uint16_t port = 0;
  // "host:port", or "[v6]:port" for IPv6 hosts.
  std::string ToString() const;
  bool operator==(const HostPort&) const = default;
};

// "127.0.0.1:9860", "[::1]:9860", "localhost:0", ":9860". Port 0..65535.
Result<HostPort> ParseHostPort(std::string_view text);

// A calendar date and time of day without a zone, as WSO2 writes it.
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
};

// The wall-clock range the daemon accepts from outside (config, logs, API, state files):
// 1900-01-01 .. 2200-01-01 in Unix seconds. system_clock counts int64 nanoseconds (1677..2262),
// so anything inside this range leaves decades of headroom for arithmetic.
inline constexpr int64_t kEarliestUnixSeconds = -2'208'988'800;
inline constexpr int64_t kLatestUnixSeconds = 7'258'118'400;

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm). Pure, no libc.
int64_t DaysFromCivil(int year, int month, int day);

// "YYYY-MM-DD HH:MM:SS" with optional ",mmm" or ".mmm", or a 'T' instead of the space.
Result<CivilTime> ParseCivilTime(std::string_view text);

// How to turn a zone-less CivilTime into an instant. WSO2 timestamps carry no zone, so the log's
// configured `timezone` decides: "local" (the daemon's TZ), "UTC", or a fixed offset "+05:30".
class TimeZone {
 public:
  static TimeZone Utc() { return TimeZone(Kind::kFixed, 0); }
  static TimeZone Local() { return TimeZone(Kind::kLocal, 0); }
  static TimeZone FixedOffset(std::chrono::seconds east_of_utc) {
    return TimeZone(Kind::kFixed, east_of_utc.count());
  }
  // "local", "UTC"/"Z", "+HH:MM", "-HH:MM", "+HHMM".
  static Result<TimeZone> Parse(std::string_view spec);

  std::chrono::system_clock::time_point ToWall(const CivilTime& t) const;
  std::string Name() const;
  bool operator==(const TimeZone&) const = default;

 private:
  enum class Kind { kLocal, kFixed };
  TimeZone(Kind kind, int64_t offset) : kind_(kind), offset_s_(offset) {}
  Kind kind_;
  int64_t offset_s_;  // Seconds east of UTC for kFixed.
};

// "2026-11-25T02:00:00.000Z" (UTC, millisecond precision) for JSON and logs.
std::string FormatRfc3339(std::chrono::system_clock::time_point t);

}  // namespace cg
