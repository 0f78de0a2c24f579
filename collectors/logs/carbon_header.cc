#include "collectors/logs/carbon_header.h"

#include <cstring>

namespace cg {
namespace {

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Consumes the literal `lit` (N - 1 chars) at `*p`. A template so that the compare is inlined.
template <size_t N>
inline bool Expect(std::string_view s, size_t* p, const char (&lit)[N]) {
  constexpr size_t n = N - 1;
  if (s.size() < *p + n || std::memcmp(s.data() + *p, lit, n) != 0) return false;
  *p += n;
  return true;
}

inline int Two(const char* d) { return (d[0] - '0') * 10 + (d[1] - '0'); }

// Exactly `\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2},\d{3}` (the shape, not the calendar).
bool IsCarbonTimestampShape(std::string_view s) {
  // yyyy-MM-dd H:mm:ss,SSS (22) or yyyy-MM-dd HH:mm:ss,SSS (23).
  if (s.size() != 22 && s.size() != 23) return false;
  const char* d = s.data();
  const size_t h = s.size() - 21;  // Hour digits: 1 or 2.
  if (d[4] != '-' || d[7] != '-' || d[10] != ' ' || d[11 + h] != ':' || d[14 + h] != ':' ||
      d[17 + h] != ',') {
    return false;
  }
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!IsDigit(d[i])) return false;
  }
  for (size_t i = 11; i < 11 + h; ++i) {
    if (!IsDigit(d[i])) return false;
  }
  for (size_t i : {12, 13, 15, 16, 18, 19, 20}) {
    if (!IsDigit(d[i + h])) return false;
  }
  return true;
}

// `s` has the shape of IsCarbonTimestampShape: read the fields and check the calendar, as
// ParseLogTimestamp does (one pass, fixed positions).
bool ReadShapedTimestamp(std::string_view s, CivilTime* out) {
  const char* d = s.data();
  const size_t h = s.size() - 21;  // Hour digits.
  CivilTime t;
  t.year = Two(d) * 100 + Two(d + 2);
  t.month = Two(d + 5);
  t.day = Two(d + 8);
  t.hour = h == 2 ? Two(d + 11) : d[11] - '0';
  t.minute = Two(d + 12 + h);
  t.second = Two(d + 15 + h);
  t.millis = Two(d + 18 + h) * 10 + (d[20 + h] - '0');
  if (!IsPlausibleCivil(t)) return false;
  *out = t;
  return true;
}

}  // namespace

// 3.x/4.x:  TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO {logger} - msg
// JUL:      TID: [-1234] [] [2024-11-16 3:05:41,220]  INFO {logger} - msg   (hour via %tk)
// 2.6:      TID: [-1234] [] [2019-03-15 10:24:07,882] ERROR {logger} -  msg {logger}
// 2.6 %P:   TID: [5] [] [date] user@domain [5] [server] ERROR {logger} - ...
// 2.6 %P with a five-letter level: log4j 1 pads %5p only for shorter names, so the level is
// glued to the tenant bracket: TID: [5] [] [date] @t.com [5] [AM]ERROR {logger} - ...
// %-5p (and %p) move or drop the padding: "INFO  {logger}", "INFO {logger}".
// `(?:[^{]*?[ \]])?` lets the 2.6 tenant prefix sit between the date and the level (not a '{':
// a message quoting "WARN {x} - " must not move the level there).
std::string CarbonEntryPattern() {
  return std::string(
             R"(^TID: \[-?\d*\] \[[^\]]*\] \[(\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2},\d{3})\] (?:[^{]*?[ \]])? *)") +
         std::string(kLevelAlternatives) + R"( +\{([^}]*)\} - )";
}

bool ParseCarbonHeader(std::string_view line, EntryHeader* h) {
  size_t p = 0;
  if (!Expect(line, &p, "TID: [")) return false;
  if (p < line.size() && line[p] == '-') ++p;
  while (p < line.size() && IsDigit(line[p])) ++p;
  if (!Expect(line, &p, "] [")) return false;
  // [%X{Correlation-ID}]-style field: anything but ']'.
  const size_t close = line.find(']', p);
  if (close == std::string_view::npos) return false;
  p = close;
  if (!Expect(line, &p, "] [")) return false;
  const size_t ts_end = line.find(']', p);
  if (ts_end == std::string_view::npos) return false;
  const std::string_view ts = line.substr(p, ts_end - p);
  if (!IsCarbonTimestampShape(ts)) return false;
  p = ts_end;
  if (!Expect(line, &p, "] ")) return false;
  // %5p pads INFO/WARN with one space.
  while (p < line.size() && line[p] == ' ') ++p;
  const size_t level_end = line.find(' ', p);
  if (level_end == std::string_view::npos) return false;
  const std::string_view level = line.substr(p, level_end - p);
  if (level != "INFO" && level != "WARN" && level != "ERROR" && level != "DEBUG" &&
      level != "TRACE" && level != "FATAL" && level != "WARNING" && level != "SEVERE") {
    return false;
  }
  // %-5p pads after the level instead.
  p = level_end;
  while (p < line.size() && line[p] == ' ') ++p;
  if (!Expect(line, &p, "{")) return false;
  const size_t logger_end = line.find('}', p);
  if (logger_end == std::string_view::npos) return false;
  const std::string_view logger = line.substr(p, logger_end - p);
  p = logger_end;
  if (!Expect(line, &p, "} - ")) return false;
  h->has_time = ReadShapedTimestamp(ts, &h->civil);
  h->level = ParseLevel(level);
  h->logger = logger;
  h->message_offset = p;
  return true;
}

}  // namespace cg
