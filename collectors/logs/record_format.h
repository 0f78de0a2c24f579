// RecordFormat: how to recognise the first line of a record, and what to read from it.
//
// One compiled format per configured log. The entry-start regexes are those of the WSO2 fact
// sheet (§5), checked against /work/shared/wso2-sample-lines.txt by tests/logs:
//
//   wso2-carbon    TID: [tid] [app] [yyyy-MM-dd H:mm:ss,SSS] LEVEL {logger} - ...   (3.x/4.x, JUL
//                  shutdown lines with an unpadded hour, and 2.6 with its %P tenant prefix)
//   wso2-console   [yyyy-MM-dd HH:mm:ss,SSS] LEVEL - ShortLogger ...  or  [...] LEVEL {logger} -
//   ... wso2-errors    yyyy-MM-dd[T ]HH:mm:ss,SSS [ip-host] [thread] LEVEL {logger}|Logger ...
//   wso2-audit     TID: [tid] [date] LEVEL {logger} - ...   or 2.6  [date] LEVEL - ...
//   tomcat-access  one record per line; time from %t ([16/Nov/2024:02:15:44 +0000], own zone)
//   plain          one record per line, no fields
//   custom         the configured entry_start RE2; named groups (?P<time>...), (?P<level>...),
//                  (?P<logger>...) are used when present
//
// Immutable after Create(); Match() is const and thread-safe (RE2 is).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/units.h"
#include "collectors/logs/log_format.h"
#include "collectors/record.h"

namespace re2 {
class RE2;
}

namespace cg {

// The level group of the entry-start regexes: log4j names plus the JUL names SEVERE/WARNING.
// Longer names first so that "WARN" does not win over "WARNING" inside the alternation.
inline constexpr std::string_view kLevelAlternatives =
    "(TRACE|DEBUG|INFO|WARNING|WARN|ERROR|FATAL|SEVERE)";

// Fields read from a record's first line. `logger` points into the matched line.
struct EntryHeader {
  bool has_time = false;
  CivilTime civil;        // Valid if has_time and !has_zone: zone-less, apply the log's zone.
  bool has_zone = false;  // The line carried its own offset (Tomcat %t).
  WallTime instant{};     // Valid if has_zone.
  Level level = Level::kUnknown;
  std::string_view logger;
  // Where the message starts in the line: just past the header (carbon and audit: after
  // "} - "; wso2-errors: after the logger and one space). 0 for formats without a header.
  size_t message_offset = 0;
  // The line is in the layout. Formats with a record per line (Tomcat) take every line as an
  // entry, but only lines whose header parsed are in the layout.
  bool in_layout = true;
};

class RecordFormat {
 public:
  // `entry_start` is used (and required) only for LogFormat::kCustom.
  static Result<std::shared_ptr<const RecordFormat>> Create(LogFormat format,
                                                            std::string_view entry_start);
  ~RecordFormat();
  RecordFormat(const RecordFormat&) = delete;
  RecordFormat& operator=(const RecordFormat&) = delete;

  // True if `line` (no newline) starts a record; fills what it can of `*header`.
  bool Match(std::string_view line, EntryHeader* header) const;

  // Formats where every physical line is a record of its own (no continuation lines).
  bool line_per_record() const { return line_per_record_; }
  LogFormat format() const { return format_; }

 private:
  explicit RecordFormat(LogFormat format);

  bool MatchCarbon(std::string_view line, EntryHeader* h) const;
  bool MatchConsole(std::string_view line, EntryHeader* h) const;
  bool MatchLoggerEitherWay(std::string_view line, EntryHeader* h) const;
  bool MatchErrors(std::string_view line, EntryHeader* h) const;
  bool MatchAudit(std::string_view line, EntryHeader* h) const;
  bool MatchTomcat(std::string_view line, EntryHeader* h) const;
  bool MatchCustom(std::string_view line, EntryHeader* h) const;

  LogFormat format_;
  bool line_per_record_ = false;
  std::unique_ptr<re2::RE2> re_;      // Main entry-start regex.
  std::unique_ptr<re2::RE2> re_alt_;  // Second layout (audit 2.6).
  int custom_time_ = -1, custom_level_ = -1, custom_logger_ = -1, custom_groups_ = 0;
};

// `len` decimal digits at `pos` of `s` into *out; false if any is not a digit or s is short.
bool ParseFixedDigits(std::string_view s, size_t pos, size_t len, int* out);

// Lenient parse of "yyyy-MM-dd[ T]H[H]:mm:ss[,.]SSS" (the SSS part optional). Accepts the
// unpadded hour that JUL's %tk writes. False if it is not a valid time.
bool ParseLogTimestamp(std::string_view text, CivilTime* out);
// Month 1-12, a day that month can have (29 February always), hour <= 23, minute <= 59,
// second <= 60 (leap second): the calendar check of every log timestamp parser.
bool IsPlausibleCivil(const CivilTime& t);

// Turns header times into instants for one log's zone. Caches the zone offset per civil hour
// (mktime for "local" is slow), so it is cheap per record. Not thread-safe: one per assembler.
class TimeConverter {
 public:
  explicit TimeConverter(TimeZone zone) : zone_(zone) {}
  WallTime ToWall(const CivilTime& t);

 private:
  TimeZone zone_;
  int64_t cached_hour_key_ = INT64_MIN;
  WallTime cached_hour_start_{};
};

}  // namespace cg
