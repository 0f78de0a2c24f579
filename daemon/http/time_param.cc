#include "daemon/http/time_param.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "base/units.h"

namespace cg {
namespace {

bool AllDigitsOrDot(std::string_view s) {
  if (s.empty()) return false;
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots <= 1 && s.front() != '.' && s.back() != '.';
}

Result<WallTime> ParseUnixSeconds(std::string_view text) {
  double secs = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
  // WallTime counts int64 nanoseconds, up to 2262: anything past 2200 (7.26e9 s) is a typo
  // (or milliseconds), not a time, and must not overflow the conversion below.
  if (ec != std::errc() || ptr != text.data() + text.size() || !(secs < kMaxUnixSeconds)) {
    return Status::Error("invalid Unix time \"" + std::string(text) + "\"");
  }
  auto ms = static_cast<int64_t>(std::llround(secs * 1000.0));
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace

Result<WallTime> ParseTimeParam(std::string_view text, WallTime now) {
  if (text.empty()) return Status::Error("empty time");
  if (AllDigitsOrDot(text)) return ParseUnixSeconds(text);

  // A duration ("15m") has no '-' or ':' and ends in a unit letter.
  if (text.find_first_of("-:") == std::string_view::npos) {
    auto d = ParseDuration(text);
    if (!d.ok()) {
      return Status::Error("invalid time \"" + std::string(text) +
                           "\": expected RFC 3339 (2026-11-25T02:00:00Z), Unix seconds, or a "
                           "duration ago (15m)");
    }
    // "That long before now" cannot reach before the epoch (no larger value means anything,
    // and a huge one would overflow the nanosecond clock).
    if (*d > std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())) {
      return Status::Error("invalid time \"" + std::string(text) +
                           "\": the duration reaches before 1970");
    }
    return now - *d;
  }

  // RFC 3339: split off the zone ("Z" or "+HH:MM"/"-HH:MM") after the time of day.
  std::string_view civil_text = text;
  TimeZone zone = TimeZone::Local();
  if (text.back() == 'Z' || text.back() == 'z') {
    civil_text.remove_suffix(1);
    zone = TimeZone::Utc();
  } else if (size_t t = text.find_first_of("Tt "); t != std::string_view::npos) {
    size_t sign = text.find_first_of("+-", t);
    if (sign != std::string_view::npos) {
      auto z = TimeZone::Parse(text.substr(sign));
      if (!z.ok())
        return Status::Error("invalid time \"" + std::string(text) + "\": " + z.error().message());
      zone = *z;
      civil_text = text.substr(0, sign);
    }
  }
  std::string normalized(civil_text);
  if (normalized.size() > 10 && normalized[10] == 't') normalized[10] = 'T';
  auto civil = ParseCivilTime(normalized);
  if (!civil.ok()) {
    return Status::Error("invalid time \"" + std::string(text) + "\": " + civil.error().message());
  }
  return zone.ToWall(*civil);
}

}  // namespace cg
