#include "collectors/logs/carbon_header.h"

#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// The first `c` in s[from, s.size()), or npos. Inline rather than string_view::find: the
// fields between the delimiters are a few dozen bytes, and four calls of memchr per line cost
// more than the scan itself (a sixth of ParseCarbonHeader's time was spent in those calls).
inline size_t FindByte(std::string_view s, char c, size_t from) {
  size_t i = from;
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(v, needle));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < s.size(); ++i) {
    if (s[i] == c) return i;
  }
  return std::string_view::npos;
}

// FindByte for fields of a few dozen bytes (the logger): sixty-four bytes a step, so that for
// most lines the loop ends after one step wherever the byte is (the step at which FindByte's
// loop ended changed from line to line, and the branch was mispredicted).
inline size_t FindByteWide(std::string_view s, char c, size_t from) {
  size_t i = from;
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  auto at = [&](size_t k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + k));
    return static_cast<uint64_t>(
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, needle))));
  };
  for (; i + 64 <= s.size(); i += 64) {
    const uint64_t mask = at(i) | at(i + 16) << 16 | at(i + 32) << 32 | at(i + 48) << 48;
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctzll(mask));
  }
#endif
  return FindByte(s, c, i);
}

inline int Two(const char* d) { return (d[0] - '0') * 10 + (d[1] - '0'); }

// Exactly `\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2},\d{3}` (the shape, not the calendar).
[[maybe_unused]] bool IsCarbonTimestampShape(std::string_view s) {
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

#if defined(__SSE2__)
// A timestamp layout for TimestampShapeOk: per byte, the literal expected there, or 0xFF where
// a digit goes; for its first and its last 16 bytes (the two loads overlap).
struct TimestampTemplate {
  alignas(16) char lit[2][16];
  alignas(16) unsigned char digit[2][16];
};

constexpr TimestampTemplate MakeTemplate(std::string_view shape) {
  TimestampTemplate t{};
  for (size_t half = 0; half < 2; ++half) {
    const size_t base = half == 0 ? 0 : shape.size() - 16;
    for (size_t i = 0; i < 16; ++i) {
      const char c = shape[base + i];
      t.lit[half][i] = c == 'd' ? '\0' : c;
      t.digit[half][i] = c == 'd' ? 0xFF : 0;
    }
  }
  return t;
}

// IsCarbonTimestampShape for the 22 or 23 bytes at `d`, sixteen bytes at a time: the per-byte
// checks and their branches were a third of ParseCarbonHeader.
bool TimestampShapeOk(const char* d, size_t size) {
  static constexpr TimestampTemplate k23 = MakeTemplate("dddd-dd-dd dd:dd:dd,ddd");
  static constexpr TimestampTemplate k22 = MakeTemplate("dddd-dd-dd d:dd:dd,ddd");
  const TimestampTemplate& t = size == 23 ? k23 : k22;
  const __m128i zero_char = _mm_set1_epi8('0');
  const __m128i nine = _mm_set1_epi8(9);
  unsigned ok = 0xFFFF;
  for (size_t half = 0; half < 2; ++half) {
    const __m128i v =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + (half == 0 ? 0 : size - 16)));
    const __m128i digit_here = _mm_load_si128(reinterpret_cast<const __m128i*>(t.digit[half]));
    const __m128i lit = _mm_load_si128(reinterpret_cast<const __m128i*>(t.lit[half]));
    // c - '0' <= 9 as unsigned bytes: min(x, 9) == x.
    const __m128i x = _mm_sub_epi8(v, zero_char);
    const __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(x, nine), x);
    const __m128i good = _mm_or_si128(_mm_and_si128(digit_here, is_digit),
                                      _mm_andnot_si128(digit_here, _mm_cmpeq_epi8(v, lit)));
    ok &= static_cast<unsigned>(_mm_movemask_epi8(good));
  }
  return ok == 0xFFFF;
}
#endif

// The length of the timestamp starting at line[p] if it is followed by ']' and has the shape
// of IsCarbonTimestampShape, else 0. The same answer as finding the first ']' and checking the
// text before it: a timestamp of that shape holds no ']', so only a ']' 22 or 23 bytes on can
// end one, and none before it can.
size_t TimestampAt(std::string_view line, size_t p) {
  size_t size = 0;
  if (p + 22 < line.size() && line[p + 22] == ']') {
    size = 22;
  } else if (p + 23 < line.size() && line[p + 23] == ']') {
    size = 23;
  } else {
    return 0;
  }
#if defined(__SSE2__)
  return TimestampShapeOk(line.data() + p, size) ? size : 0;
#else
  return IsCarbonTimestampShape(line.substr(p, size)) ? size : 0;
#endif
}

// The levels the layout allows, by a perfect hash of their first four bytes (LevelSlot), each
// with the bytes that must follow at the level's position: the name and the space after it.
// WARNING shares WARN's slot and is left to the general path; the spare slot repeats INFO.
// Byte arrays, loaded like the line: the compare does not depend on the byte order (the hash
// does, but a collision only sends a line to the general path).
struct LevelName {
  char bytes[8];  // Name + ' ', zero-padded.
  char mask[8];   // '\xFF' for the bytes that count.
  size_t size;    // Of the name.
  Level level;    // ParseLevel(name).
};

constexpr LevelName MakeLevel(std::string_view name, Level level) {
  LevelName l{{}, {}, name.size(), level};
  for (size_t i = 0; i <= name.size(); ++i) {
    l.bytes[i] = i < name.size() ? name[i] : ' ';
    l.mask[i] = '\xFF';
  }
  return l;
}

constexpr LevelName kLevelNames[8] = {
    MakeLevel("SEVERE", Level::kError), MakeLevel("FATAL", Level::kFatal),
    MakeLevel("WARN", Level::kWarn),    MakeLevel("DEBUG", Level::kDebug),
    MakeLevel("ERROR", Level::kError),  MakeLevel("INFO", Level::kInfo),
    MakeLevel("TRACE", Level::kTrace),  MakeLevel("INFO", Level::kInfo),
};

inline uint64_t Load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// The slot of kLevelNames for the first four bytes of a level (little-endian).
inline size_t LevelSlot(uint64_t first8) {
  return (static_cast<uint32_t>(first8) * 0xe5446dd5u) >> 29;
}

// The level at line[p] by the table above (one load and compare instead of a chain of string
// compares whose outcome changes from line to line): the level's size and *level, or 0 when
// the table does not know it (the caller then looks as before).
size_t LevelAt(std::string_view line, size_t p, Level* level) {
  if (p + 8 > line.size()) return 0;
  const uint64_t w = Load8(line.data() + p);
  const LevelName& l = kLevelNames[LevelSlot(w)];
  if ((w & Load8(l.mask)) != Load8(l.bytes)) return 0;
  *level = l.level;
  return l.size;
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
  const size_t close = FindByte(line, ']', p);
  if (close == std::string_view::npos) return false;
  p = close;
  if (!Expect(line, &p, "] [")) return false;
  const size_t ts_size = TimestampAt(line, p);
  if (ts_size == 0) return false;
  const std::string_view ts = line.substr(p, ts_size);
  p += ts_size;
  if (!Expect(line, &p, "] ")) return false;
  // %5p pads INFO/WARN with one space.
  while (p < line.size() && line[p] == ' ') ++p;
  Level level = Level::kUnknown;
  size_t level_end = p + LevelAt(line, p, &level);
  if (level_end == p) {
    level_end = FindByte(line, ' ', p);
    if (level_end == std::string_view::npos) return false;
    const std::string_view name = line.substr(p, level_end - p);
    if (name != "INFO" && name != "WARN" && name != "ERROR" && name != "DEBUG" && name != "TRACE" &&
        name != "FATAL" && name != "WARNING" && name != "SEVERE") {
      return false;
    }
    level = ParseLevel(name);
  }
  // %-5p pads after the level instead.
  p = level_end;
  while (p < line.size() && line[p] == ' ') ++p;
  if (!Expect(line, &p, "{")) return false;
  const size_t logger_end = FindByteWide(line, '}', p);
  if (logger_end == std::string_view::npos) return false;
  const std::string_view logger = line.substr(p, logger_end - p);
  p = logger_end;
  if (!Expect(line, &p, "} - ")) return false;
  h->has_time = ReadShapedTimestamp(ts, &h->civil);
  h->level = level;
  h->logger = logger;
  h->message_offset = p;
  return true;
}

}  // namespace cg
