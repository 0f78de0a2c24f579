// Translating a log4j PatternLayout into what cutover-guard needs to read its lines: the start
// of a record (an RE2 `entry_start` with the named groups (?P<time>...), (?P<level>...) and
// (?P<logger>...) that RecordFormat's `custom` format reads), and whether the layout is one of
// the WSO2 defaults that a built-in `format` already reads. Also the names a RollingFile
// `filePattern` gives rotated files. Used by `cutover-guard init`; pure functions, thread-safe.
//
// Only the part of the pattern before the message (%m, %msg, %message) becomes the entry start,
// anchored with ^: what follows the message (%ex, %n, the 2.6 carbon layout's trailing {%c},
// anything else) is never read, so it is not checked either. A pattern without a message
// conversion is used whole; a line break (%n) before the message ends the entry start there.
// A prefix with nothing fixed (only free text such as %t or %X{key}) gives no entry start.
//
// Understood conversions. log4j 2 (kLog4j2) takes the longest known name after % ("%msg";
// "%levelx" is the level and "x"); log4j 1.2 (kLog4j1, APIM 2.6) takes one character ("%msg" is
// %m and "sg"). [1] = log4j 1.2 only, [2] = log4j 2 only.
//
//   %d %date{FORMAT}{ZONE}  (?P<time>...) when FORMAT starts yyyy-MM-dd[ T]H[H]:mm:ss[,.]SSS, the
//       timestamp the daemon parses (longer fractions and a zone stay outside the group); other
//       formats are matched, not named (records are then dated when read). FORMAT: DEFAULT,
//       ISO8601 ('T' in log4j 2, a space in log4j 1.2), ISO8601_BASIC, ISO8601_PERIOD,
//       ISO8601_OFFSET_DATE_TIME_HH/HHMM/HHCOLONMM, ABSOLUTE, DATE, COMPACT, DEFAULT_PERIOD,
//       DEFAULT_MICROS, DEFAULT_NANOS, UNIX, UNIX_MILLIS, US_MONTH_DAY_YEAR2/4_TIME or
//       SimpleDateFormat letters; none = yyyy-MM-dd HH:mm:ss,SSS. ZONE UTC, GMT, GMT+H[H][:MM]
//       or an offset becomes the log's `timezone`.
//   %p %level               (?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) with the padding of its
//       width (%5p, %-5p); with a precision (%.1p) or options (%p{WARN=W}) matched, not named.
//   %c %logger %C %class    (?P<logger>...), no blanks; {n} and {1.} shorten it.
//   %t %tn %thread %threadName, %X{key} %mdc{key} %MDC{key}, %x %NDC, %appName [2],
//   %S %U %D %A %H %I [1]   any text up to the pattern's next delimiter ("[%t]": [^\]]*).
//   %X                      the whole map, {...}.
//   %tenantId [2], %T       -?\d* (WSO2 tenant id, possibly empty; log4j 2's %T is a thread id).
//   %P [1]                  optional: the layout's TenantPattern, default "%U%@%D [%T] [%S]".
//   %@ [1]                  @?            %K [1]  [0-9a-fA-F-]* (log UUID)
//   %r %L, %relative %line %sn %pid %N %nano [2]           \d+
//   %M %F %l, %method %file %location [2]                  a word (no blanks)
//   %u %uuid [2]                                           [0-9a-fA-F-]+
//   %m %msg %message        the end of the entry start.
//   %n %ex %exception %throwable %xEx %rEx ...  after the message: ignored (%ex before it: error).
//   %%, literal text        itself, regex metacharacters escaped.
//
// Width, alignment and precision (%-20c, %5p, %.30c) are accepted on every conversion; padding
// becomes " {0,N}". Any other conversion before the message is an error naming it
// ("unsupported conversion pattern %K" in a log4j 2 layout, where %K means nothing).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "collectors/logs/log_format.h"

namespace cg {

enum class Log4jDialect {
  kLog4j1,  // log4j 1.2 (APIM 2.6 log4j.properties): one-letter conversions, ISO8601 with a space.
  kLog4j2,  // log4j 2 (APIM 3.x/4.x log4j2.properties).
};

struct Log4jPatternOptions {
  Log4jDialect dialect = Log4jDialect::kLog4j2;
  // 2.6 TenantAwarePatternLayout's TenantPattern, which %P prints on tenant requests
  // ("" = the WSO2 default "%U%@%D [%T] [%S]").
  std::string tenant_pattern;
};

// What a PatternLayout says about the first line of each record.
struct Log4jLayout {
  std::string entry_start;  // "^..." (RE2). Empty when the prefix has no text to anchor on.
  std::string prefix;       // The pattern text before the message conversion.
  bool has_message = false;
  bool has_time = false;    // entry_start has (?P<time>...).
  bool has_level = false;   // ... (?P<level>...).
  bool has_logger = false;  // ... (?P<logger>...).
  // The layout's own zone (%d{...}{UTC}) as the config writes it: "UTC" or "+05:30"; "" = none.
  std::string timezone;
  // What the reader should know (a %d without a date, a level that cannot be read...).
  std::vector<std::string> notes;
  // The prefix in a normal form (dates spelled out, %p widths and aliases folded) for comparing
  // layouts: two prefixes with the same canonical form start their lines the same way.
  std::string canonical;
};

// Translates `pattern`. Errors name the first conversion that is not understood
// ("unsupported conversion pattern %K"), a bad date format or an unterminated option.
Result<Log4jLayout> TranslateLog4jPattern(std::string_view pattern,
                                          const Log4jPatternOptions& options = {});

// The built-in format that reads a layout's lines, when its prefix is one of the WSO2 default
// layouts (2.6, 3.x, 4.x: carbon, errors, audit, console; any %p width).
struct KnownLayout {
  LogFormat format;
  std::string description;  // e.g. "the WSO2 3.x/4.x carbon layout"
};
std::optional<KnownLayout> FindKnownLayout(const Log4jLayout& layout);

// A RollingFile `filePattern` (file name part; %d{...}, %i, %% and literal text).
struct Log4jFilePattern {
  std::string glob;            // Matches every name it produces: wso2carbon-[0-9][0-9]-...-*.log
  std::string sample;          // The name for 2024-11-15 02:03:04.005, index 1.
  std::string literal_prefix;  // Text before the first conversion ("wso2carbon-").
  std::string literal_suffix;  // Text after the last one, compression suffix removed (".log").
  std::string compression;     // ".gz", ".zip", ".bz2", ".xz" or "".
};
Result<Log4jFilePattern> ParseLog4jFilePattern(std::string_view file_pattern);

}  // namespace cg
