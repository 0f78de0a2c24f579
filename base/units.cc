#include "base/units.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <limits>

namespace cg {
namespace {

// Parses an unsigned decimal prefix of `s`; returns digits consumed (0 = none, -1 = overflow).
int ParseUnsigned(std::string_view s, uint64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec == std::errc::result_out_of_range) return -1;
  if (ec != std::errc()) return 0;
  return static_cast<int>(ptr - s.data());
}

bool MulOverflows(uint64_t a, uint64_t b) {
  return b != 0 && a > std::numeric_limits<uint64_t>::max() / b;
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) return Status::Error("empty duration; expected e.g. 250ms, 5s, 1m, 2h");
  uint64_t total_ms = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    uint64_t n = 0;
    int used = ParseUnsigned(rest, &n);
    if (used < 0) return Status::Error("duration " + quoted + " is too large");
    if (used == 0) {
      return Status::Error("invalid duration " + quoted + "; expected e.g. 250ms, 5s, 1m, 2h");
    }
    rest.remove_prefix(used);
    uint64_t unit_ms = 0;
    if (rest.starts_with("ms")) {
      unit_ms = 1, rest.remove_prefix(2);
    } else if (!rest.empty() &&
               (rest[0] == 's' || rest[0] == 'm' || rest[0] == 'h' || rest[0] == 'd')) {
      unit_ms = rest[0] == 's'   ? 1000
                : rest[0] == 'm' ? 60'000
                : rest[0] == 'h' ? 3'600'000
                                 : 86'400'000;
      rest.remove_prefix(1);
    } else {
      return Status::Error("duration " + quoted + " needs a unit (ms, s, m, h, d)");
    }
    if (MulOverflows(n, unit_ms) || total_ms + n * unit_ms < total_ms ||
        total_ms + n * unit_ms > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Status::Error("duration " + quoted + " is too large");
    }
    total_ms += n * unit_ms;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) out = "-", ms = -ms;
  const std::pair<int64_t, const char*> units[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (auto [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

Result<uint64_t> ParseSize(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  uint64_t n = 0;
  int used = ParseUnsigned(text, &n);
  if (used < 0) return Status::Error("size " + quoted + " is too large");
  if (used == 0) return Status::Error("invalid size " + quoted + "; expected e.g. 64KiB, 10MB");
  std::string_view unit = text.substr(used);
  struct Unit {
    std::string_view name;
    uint64_t bytes;
  };
  static constexpr Unit kUnits[] = {{"", 1},
                                    {"B", 1},
                                    {"KiB", 1ULL << 10},
                                    {"MiB", 1ULL << 20},
                                    {"GiB", 1ULL << 30},
                                    {"TiB", 1ULL << 40},
                                    {"KB", 1000ULL},
                                    {"kB", 1000ULL},
                                    {"MB", 1000'000ULL},
                                    {"GB", 1000'000'000ULL},
                                    {"TB", 1000'000'000'000ULL}};
  for (const auto& u : kUnits) {
    if (unit == u.name) {
      if (MulOverflows(n, u.bytes)) return Status::Error("size " + quoted + " is too large");
      return n * u.bytes;
    }
  }
  return Status::Error("size " + quoted + " has an unknown unit; use B, KiB, MiB, GiB, KB, MB, GB");
}

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<HostPort> ParseHostPort(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  HostPort hp;
  std::string_view port_text;
  if (text.starts_with("[")) {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::Error("invalid address " + quoted + "; expected [v6-address]:port");
    }
    hp.host = std::string(text.substr(1, close - 1));
    if (hp.host.empty()) return Status::Error("empty IPv6 address in " + quoted);
    // "[[x]:1" would give the host "[x", which ToString() cannot write back unambiguously.
    if (hp.host.find('[') != std::string::npos) {
      return Status::Error("invalid IPv6 address in " + quoted + "; expected [v6-address]:port");
    }
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::Error("address " + quoted + " needs a port; expected host:port");
    }
    hp.host = std::string(text.substr(0, colon));
    if (hp.host.find(':') != std::string::npos) {
      return Status::Error("IPv6 address in " + quoted + " must be in brackets: [addr]:port");
    }
    port_text = text.substr(colon + 1);
  }
  uint64_t port = 0;
  int used = ParseUnsigned(port_text, &port);
  if (used <= 0 || static_cast<size_t>(used) != port_text.size() || port > 65535) {
    return Status::Error("invalid port in " + quoted + "; expected 0..65535");
  }
  hp.port = static_cast<uint16_t>(port);
  return hp;
}

int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy =
      (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Result<CivilTime> ParseCivilTime(std::string_view s) {
  auto bad = [&] {
    return Status::Error("invalid time \"" + std::string(s) +
                         "\"; expected YYYY-MM-DD HH:MM:SS[,mmm]");
  };
  auto num = [&](size_t pos, size_t len, int* out) {
    if (pos + len > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  CivilTime t;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
      s[13] != ':' || s[16] != ':') {
    return bad();
  }
  if (!num(0, 4, &t.year) || !num(5, 2, &t.month) || !num(8, 2, &t.day) || !num(11, 2, &t.hour) ||
      !num(14, 2, &t.minute) || !num(17, 2, &t.second)) {
    return bad();
  }
  if (s.size() > 19) {
    if (s.size() != 23 || (s[19] != ',' && s[19] != '.') || !num(20, 3, &t.millis)) return bad();
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > kDays[t.month - 1] || t.hour > 23 ||
      t.minute > 59 || t.second > 60) {
    return Status::Error("time \"" + std::string(s) + "\" is out of range");
  }
  return t;
}

Result<TimeZone> TimeZone::Parse(std::string_view spec) {
  if (spec == "local") return Local();
  if (spec == "UTC" || spec == "utc" || spec == "Z") return Utc();
  if (spec.size() >= 5 && (spec[0] == '+' || spec[0] == '-')) {
    std::string_view digits = spec.substr(1);
    int h = 0, m = 0;
    auto two = [](std::string_view d, int* out) {
      if (d.size() < 2 || !std::isdigit(static_cast<unsigned char>(d[0])) ||
          !std::isdigit(static_cast<unsigned char>(d[1]))) {
        return false;
      }
      *out = (d[0] - '0') * 10 + (d[1] - '0');
      return true;
    };
    bool ok = two(digits, &h);
    if (ok && digits.size() == 5 && digits[2] == ':')
      ok = two(digits.substr(3), &m);
    else if (ok && digits.size() == 4)
      ok = two(digits.substr(2), &m);
    else
      ok = false;
    if (ok && h <= 14 && m <= 59) {
      int64_t off = (h * 3600 + m * 60) * (spec[0] == '-' ? -1 : 1);
      return FixedOffset(std::chrono::seconds(off));
    }
  }
  return Status::Error("invalid timezone \"" + std::string(spec) +
                       "\"; expected local, UTC or an offset like +05:30");
}

std::chrono::system_clock::time_point TimeZone::ToWall(const CivilTime& t) const {
  int64_t secs =
      DaysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
  if (kind_ == Kind::kFixed) {
    secs -= offset_s_;
  } else {
    // mktime applies the process's TZ rules, including DST, for this date.
    std::tm tm{};
    tm.tm_year = t.year - 1900;
    tm.tm_mon = t.month - 1;
    tm.tm_mday = t.day;
    tm.tm_hour = t.hour;
    tm.tm_min = t.minute;
    tm.tm_sec = t.second;
    tm.tm_isdst = -1;
    secs = static_cast<int64_t>(mktime(&tm));
  }
  // system_clock counts int64 nanoseconds (1677-09-21 .. 2262-04-11), but a 4-digit year can be
  // anything from 0000 to 9999 (a damaged log line, a typo in cutover.at): saturate to
  // 1900 .. 2200 rather than overflow, leaving callers decades of headroom for their arithmetic.
  secs = std::clamp(secs, kEarliestUnixSeconds, kLatestUnixSeconds);
  return std::chrono::system_clock::time_point(std::chrono::seconds(secs) +
                                               std::chrono::milliseconds(t.millis));
}

std::string TimeZone::Name() const {
  if (kind_ == Kind::kLocal) return "local";
  if (offset_s_ == 0) return "UTC";
  int64_t a = offset_s_ < 0 ? -offset_s_ : offset_s_;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_s_ < 0 ? '-' : '+',
                static_cast<int>(a / 3600), static_cast<int>(a % 3600 / 60));
  return buf;
}

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int millis = static_cast<int>(ms - secs * 1000);
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

}  // namespace cg
