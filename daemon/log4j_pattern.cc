#include "daemon/log4j_pattern.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace cg {
namespace {

// --- Date formats (java.text.SimpleDateFormat letters, log4j 2's FixedDateFormat names) ------

// One letter run ("yyyy") or one literal character.
struct DateTok {
  char letter = 0;  // 0 = literal
  int count = 0;
  char literal = 0;
};

bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

constexpr std::string_view kDateLetters = "GyYMLdDEuaHkKhmsSnzZXwWF";

// log4j 2 FixedDateFormat.FixedFormat names.
constexpr std::array<std::pair<std::string_view, std::string_view>, 21> kLog4j2DateNames = {{
    {"ABSOLUTE", "HH:mm:ss,SSS"},
    {"ABSOLUTE_MICROS", "HH:mm:ss,nnnnnn"},
    {"ABSOLUTE_NANOS", "HH:mm:ss,nnnnnnnnn"},
    {"ABSOLUTE_PERIOD", "HH:mm:ss.SSS"},
    {"COMPACT", "yyyyMMddHHmmssSSS"},
    {"DATE", "dd MMM yyyy HH:mm:ss,SSS"},
    {"DATE_PERIOD", "dd MMM yyyy HH:mm:ss.SSS"},
    {"DEFAULT", "yyyy-MM-dd HH:mm:ss,SSS"},
    {"DEFAULT_MICROS", "yyyy-MM-dd HH:mm:ss,nnnnnn"},
    {"DEFAULT_NANOS", "yyyy-MM-dd HH:mm:ss,nnnnnnnnn"},
    {"DEFAULT_PERIOD", "yyyy-MM-dd HH:mm:ss.SSS"},
    {"ISO8601_BASIC", "yyyyMMdd'T'HHmmss,SSS"},
    {"ISO8601_BASIC_PERIOD", "yyyyMMdd'T'HHmmss.SSS"},
    {"ISO8601", "yyyy-MM-dd'T'HH:mm:ss,SSS"},
    {"ISO8601_OFFSET_DATE_TIME_HH", "yyyy-MM-dd'T'HH:mm:ss,SSSX"},
    {"ISO8601_OFFSET_DATE_TIME_HHMM", "yyyy-MM-dd'T'HH:mm:ss,SSSXX"},
    {"ISO8601_OFFSET_DATE_TIME_HHCOLONMM", "yyyy-MM-dd'T'HH:mm:ss,SSSXXX"},
    {"ISO8601_PERIOD", "yyyy-MM-dd'T'HH:mm:ss.SSS"},
    {"ISO8601_PERIOD_MICROS", "yyyy-MM-dd'T'HH:mm:ss.nnnnnn"},
    {"US_MONTH_DAY_YEAR2_TIME", "dd/MM/yy HH:mm:ss.SSS"},
    {"US_MONTH_DAY_YEAR4_TIME", "dd/MM/yyyy HH:mm:ss.SSS"},
}};

// log4j 1.2's named formats (ISO8601 has a space, not a 'T').
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kLog4j1DateNames = {{
    {"ISO8601", "yyyy-MM-dd HH:mm:ss,SSS"},
    {"ABSOLUTE", "HH:mm:ss,SSS"},
    {"DATE", "dd MMM yyyy HH:mm:ss,SSS"},
}};

Result<std::vector<DateTok>> TokenizeDate(std::string_view fmt) {
  std::vector<DateTok> out;
  for (size_t i = 0; i < fmt.size();) {
    const char c = fmt[i];
    if (c == '\'') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '\'') {  // '' = one quote
        out.push_back({0, 0, '\''});
        i += 2;
        continue;
      }
      size_t end = i + 1;
      for (; end < fmt.size(); ++end) {
        if (fmt[end] != '\'') continue;
        if (end + 1 < fmt.size() && fmt[end + 1] == '\'') {
          ++end;  // '' inside quotes
          continue;
        }
        break;
      }
      if (end >= fmt.size()) return Status::Error("unterminated quote in date format");
      for (size_t j = i + 1; j < end; ++j) {
        if (fmt[j] == '\'' && j + 1 < end && fmt[j + 1] == '\'') ++j;
        out.push_back({0, 0, fmt[j]});
      }
      i = end + 1;
      continue;
    }
    if (IsAlpha(c)) {
      if (kDateLetters.find(c) == std::string_view::npos) {
        return Status::Error(std::string("unsupported date format letter '") + c + "'");
      }
      size_t j = i;
      while (j < fmt.size() && fmt[j] == c) ++j;
      out.push_back({c, static_cast<int>(j - i), 0});
      i = j;
      continue;
    }
    out.push_back({0, 0, c});
    ++i;
  }
  return out;
}

// Escapes what RE2 would read as syntax, and nothing else (a readable entry_start: spaces,
// colons and dashes stay as they are).
std::string RegexQuote(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.^$|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string DigitsRe(int n) { return n == 1 ? "\\d" : "\\d{" + std::to_string(n) + "}"; }

std::string DateTokRegex(const DateTok& t) {
  if (t.letter == 0) return RegexQuote(std::string(1, t.literal));
  const int n = t.count;
  switch (t.letter) {
    case 'y':
    case 'Y':
      return n == 2 ? DigitsRe(2) : DigitsRe(std::max(n, 4));
    case 'M':
    case 'L':
      if (n >= 3) return "[A-Za-z]+\\.?";
      return n == 2 ? DigitsRe(2) : "\\d{1,2}";
    case 'd':
    case 'H':
    case 'k':
    case 'K':
    case 'h':
    case 'm':
    case 's':
      return n == 1 ? "\\d{1,2}" : DigitsRe(n);
    case 'D':
      return n >= 3 ? DigitsRe(n) : "\\d{1,3}";
    case 'S':
    case 'n':
      return DigitsRe(n);
    case 'u':
    case 'F':
    case 'w':
    case 'W':
      return n == 1 ? "\\d{1,2}" : DigitsRe(n);
    case 'a':
      return "[AaPp][Mm]";
    case 'E':
    case 'G':
      return "[A-Za-z]+";
    case 'z':
      return "[A-Za-z][A-Za-z0-9:+-]*";
    case 'Z':
      return "[+-]\\d{4}";
    case 'X':
      if (n == 1) return "(?:Z|[+-]\\d{2})";
      if (n == 2) return "(?:Z|[+-]\\d{4})";
      return "(?:Z|[+-]\\d{2}:\\d{2})";
  }
  return ".*?";
}

// How many leading tokens form "yyyy-MM-dd[ T]H[H]:mm:ss", the part ParseLogTimestamp reads;
// 0 if the format does not start that way. *fraction_sep is set when a [,.]SSS or [,.]nnn
// (3 digits read, any more left outside the group) follows.
size_t TimestampPrefix(const std::vector<DateTok>& t, bool* fraction) {
  *fraction = false;
  auto letter = [&](size_t i, char c, int min, int max) {
    return i < t.size() && t[i].letter == c && t[i].count >= min && t[i].count <= max;
  };
  auto lit = [&](size_t i, std::string_view chars) {
    return i < t.size() && t[i].letter == 0 && chars.find(t[i].literal) != std::string_view::npos;
  };
  if (!(letter(0, 'y', 4, 4) && lit(1, "-") && letter(2, 'M', 2, 2) && lit(3, "-") &&
        letter(4, 'd', 2, 2) && lit(5, " T") && letter(6, 'H', 1, 2) && lit(7, ":") &&
        letter(8, 'm', 2, 2) && lit(9, ":") && letter(10, 's', 2, 2))) {
    return 0;
  }
  if (lit(11, ",.") && (letter(12, 'S', 3, 99) || letter(12, 'n', 3, 99))) *fraction = true;
  return 11;
}

struct DateRegex {
  std::string regex;
  bool time_group = false;
  bool has_date = false;  // The format carries a calendar date (not only a time of day).
};

DateRegex BuildDateRegex(const std::vector<DateTok>& toks, bool want_group) {
  DateRegex out;
  for (const auto& t : toks) {
    if (t.letter == 'y' || t.letter == 'd' || t.letter == 'D') out.has_date = true;
  }
  bool fraction = false;
  size_t head = want_group ? TimestampPrefix(toks, &fraction) : 0;
  size_t i = 0;
  if (head > 0) {
    out.time_group = true;
    out.regex = "(?P<time>";
    for (; i < head; ++i) out.regex += DateTokRegex(toks[i]);
    if (fraction) {
      out.regex += RegexQuote(std::string(1, toks[i].literal)) + "\\d{3})";
      const int rest = toks[i + 1].count - 3;
      if (rest > 0) out.regex += DigitsRe(rest);
      i += 2;
    } else {
      out.regex += ")";
    }
  }
  for (; i < toks.size(); ++i) out.regex += DateTokRegex(toks[i]);
  return out;
}

// "UTC", "GMT", "GMT+1", "GMT+01:00", "UTC-0530", "+05:30" -> the config's "UTC" / "+HH:MM".
std::optional<std::string> ConfigZone(std::string_view zone) {
  if (zone == "UTC" || zone == "GMT" || zone == "Z" || zone == "Etc/UTC" || zone == "Etc/GMT") {
    return std::string("UTC");
  }
  std::string_view s = zone;
  if (s.starts_with("GMT") || s.starts_with("UTC")) s.remove_prefix(3);
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  const char sign = s[0];
  s.remove_prefix(1);
  std::string hh, mm = "00";
  size_t i = 0;
  while (i < s.size() && IsDigitChar(s[i]) && hh.size() < 2) hh += s[i++];
  if (hh.empty()) return std::nullopt;
  if (i < s.size() && s[i] == ':') ++i;
  if (i < s.size()) {
    if (s.size() - i != 2 || !IsDigitChar(s[i]) || !IsDigitChar(s[i + 1])) return std::nullopt;
    mm = std::string(s.substr(i, 2));
  }
  if (hh.size() == 1) hh = "0" + hh;
  if (std::stoi(hh) > 14 || std::stoi(mm) > 59) return std::nullopt;
  if (hh == "00" && mm == "00") return std::string("UTC");
  return std::string(1, sign) + hh + ":" + mm;
}

// --- Conversion patterns ---------------------------------------------------------------------

enum class Kind {
  kDate,
  kLevel,
  kLogger,
  kFree,          // Any text up to the next delimiter.
  kSignedDigits,  // -?\d*  (tenant id, log4j 2 thread id)
  kDigits,        // \d+
  kWord,          // No whitespace.
  kUuid,
  kHexish,         // 2.6 %K log UUID, may be empty.
  kAt,             // 2.6 %@
  kTenantPattern,  // 2.6 %P
  kMdc,
  kMessage,
  kNewline,
  kThrowable,
};

struct Converter {
  std::string_view name;
  Kind kind;
  std::string_view canonical;  // Folded alias ("level" -> "p").
};

constexpr std::array<Converter, 50> kLog4j2Converters = {{
    {"d", Kind::kDate, "d"},
    {"date", Kind::kDate, "d"},
    {"p", Kind::kLevel, "p"},
    {"level", Kind::kLevel, "p"},
    {"c", Kind::kLogger, "c"},
    {"logger", Kind::kLogger, "c"},
    {"C", Kind::kLogger, "C"},
    {"class", Kind::kLogger, "C"},
    {"t", Kind::kFree, "t"},
    {"tn", Kind::kFree, "t"},
    {"thread", Kind::kFree, "t"},
    {"threadName", Kind::kFree, "t"},
    {"T", Kind::kSignedDigits, "T"},
    {"tid", Kind::kSignedDigits, "T"},
    {"threadId", Kind::kSignedDigits, "T"},
    {"x", Kind::kFree, "x"},
    {"NDC", Kind::kFree, "x"},
    {"X", Kind::kMdc, "X"},
    {"mdc", Kind::kMdc, "X"},
    {"MDC", Kind::kMdc, "X"},
    {"tenantId", Kind::kSignedDigits, "tenantId"},
    {"appName", Kind::kFree, "appName"},
    {"r", Kind::kDigits, "r"},
    {"relative", Kind::kDigits, "r"},
    {"L", Kind::kDigits, "L"},
    {"line", Kind::kDigits, "L"},
    {"sn", Kind::kDigits, "sn"},
    {"sequenceNumber", Kind::kDigits, "sn"},
    {"pid", Kind::kDigits, "pid"},
    {"processId", Kind::kDigits, "pid"},
    {"N", Kind::kDigits, "N"},
    {"nano", Kind::kDigits, "N"},
    {"M", Kind::kWord, "M"},
    {"method", Kind::kWord, "M"},
    {"F", Kind::kWord, "F"},
    {"file", Kind::kWord, "F"},
    {"l", Kind::kWord, "l"},
    {"location", Kind::kWord, "l"},
    {"u", Kind::kUuid, "u"},
    {"uuid", Kind::kUuid, "u"},
    {"m", Kind::kMessage, "m"},
    {"msg", Kind::kMessage, "m"},
    {"message", Kind::kMessage, "m"},
    {"n", Kind::kNewline, "n"},
    {"ex", Kind::kThrowable, "ex"},
    {"exception", Kind::kThrowable, "ex"},
    {"throwable", Kind::kThrowable, "ex"},
    {"xEx", Kind::kThrowable, "ex"},
    {"xException", Kind::kThrowable, "ex"},
    {"xThrowable", Kind::kThrowable, "ex"},
}};
constexpr std::array<Converter, 3> kLog4j2MoreConverters = {{
    {"rEx", Kind::kThrowable, "ex"},
    {"rException", Kind::kThrowable, "ex"},
    {"rThrowable", Kind::kThrowable, "ex"},
}};

// log4j 1.2 PatternLayout plus WSO2's TenantAwarePatternLayout (APIM 2.6): one character each.
constexpr std::array<Converter, 24> kLog4j1Converters = {{
    {"d", Kind::kDate, "d"},    {"p", Kind::kLevel, "p"},         {"c", Kind::kLogger, "c"},
    {"C", Kind::kLogger, "C"},  {"t", Kind::kFree, "t"},          {"x", Kind::kFree, "x"},
    {"X", Kind::kMdc, "X"},     {"r", Kind::kDigits, "r"},        {"L", Kind::kDigits, "L"},
    {"M", Kind::kWord, "M"},    {"F", Kind::kWord, "F"},          {"l", Kind::kWord, "l"},
    {"m", Kind::kMessage, "m"}, {"n", Kind::kNewline, "n"},       {"T", Kind::kSignedDigits, "T"},
    {"S", Kind::kFree, "S"},    {"U", Kind::kFree, "U"},          {"D", Kind::kFree, "D"},
    {"A", Kind::kFree, "A"},    {"H", Kind::kFree, "H"},          {"I", Kind::kFree, "I"},
    {"K", Kind::kHexish, "K"},  {"P", Kind::kTenantPattern, "P"}, {"@", Kind::kAt, "@"},
}};

const Converter* FindConverter(std::string_view name, Log4jDialect dialect) {
  if (dialect == Log4jDialect::kLog4j1) {
    for (const auto& c : kLog4j1Converters) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }
  for (const auto& c : kLog4j2Converters) {
    if (c.name == name) return &c;
  }
  for (const auto& c : kLog4j2MoreConverters) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

struct Modifier {
  bool left = false;
  int min = 0;
  int max = -1;      // -1 = none
  std::string text;  // As written ("-5", ".30").
};

struct Token {
  bool literal = true;
  std::string text;  // Literal text, or the conversion as written ("%-5p", "%d{ISO8601}").
  const Converter* conv = nullptr;
  std::string name;  // Conversion name as matched ("level").
  Modifier mod;
  std::vector<std::string> options;
};

bool IsIdentifierPart(char c) { return IsAlpha(c) || IsDigitChar(c) || c == '_'; }

// Splits `pattern` into literal text and conversions, up to and including the message
// conversion (the rest is never read). Unknown conversions are errors.
Result<std::vector<Token>> Tokenize(std::string_view pattern, Log4jDialect dialect) {
  std::vector<Token> out;
  auto add_literal = [&out](std::string_view s) {
    if (s.empty()) return;
    if (out.empty() || !out.back().literal) out.push_back(Token{});
    out.back().text += s;
  };
  size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c != '%') {
      add_literal(pattern.substr(i, 1));
      ++i;
      continue;
    }
    const size_t start = i++;
    if (i < pattern.size() && pattern[i] == '%') {
      add_literal("%");
      ++i;
      continue;
    }
    Modifier mod;
    const size_t mod_start = i;
    if (i < pattern.size() && pattern[i] == '-') {
      mod.left = true;
      ++i;
    }
    while (i < pattern.size() && IsDigitChar(pattern[i]))
      mod.min = mod.min * 10 + (pattern[i++] - '0');
    if (i < pattern.size() && pattern[i] == '.') {
      ++i;
      if (i < pattern.size() && pattern[i] == '-') ++i;  // log4j 2: truncate from the end
      mod.max = 0;
      while (i < pattern.size() && IsDigitChar(pattern[i])) {
        mod.max = mod.max * 10 + (pattern[i++] - '0');
      }
    }
    mod.text = std::string(pattern.substr(mod_start, i - mod_start));
    if (i >= pattern.size()) {
      return Status::Error("incomplete conversion pattern " + std::string(pattern.substr(start)) +
                           " at the end");
    }
    const Converter* conv = nullptr;
    std::string name;
    std::string leftover;  // log4j 2: letters after the longest known name are literal text.
    if (dialect == Log4jDialect::kLog4j1 || !IsAlpha(pattern[i])) {
      name = std::string(1, pattern[i]);
      conv = FindConverter(name, dialect);
      ++i;
    } else {
      size_t j = i;
      while (j < pattern.size() && IsIdentifierPart(pattern[j])) ++j;
      std::string_view id = pattern.substr(i, j - i);
      for (size_t len = id.size(); len > 0 && conv == nullptr; --len) {
        conv = FindConverter(id.substr(0, len), dialect);
        if (conv != nullptr) {
          name = std::string(id.substr(0, len));
          leftover = std::string(id.substr(len));
        }
      }
      if (conv == nullptr) name = std::string(id);
      i = j;
    }
    if (conv == nullptr) {
      return Status::Error("unsupported conversion pattern %" + mod.text + name);
    }
    Token tok;
    tok.literal = false;
    tok.conv = conv;
    tok.name = name;
    tok.mod = mod;
    // Options: {...} right after the name (log4j 2 allows several and nesting).
    while (leftover.empty() && i < pattern.size() && pattern[i] == '{') {
      int depth = 0;
      size_t j = i;
      for (; j < pattern.size(); ++j) {
        if (pattern[j] == '{') ++depth;
        if (pattern[j] == '}' && --depth == 0) break;
      }
      if (j >= pattern.size()) {
        return Status::Error("unterminated option in %" + mod.text + name +
                             std::string(pattern.substr(i)));
      }
      tok.options.emplace_back(pattern.substr(i + 1, j - i - 1));
      i = j + 1;
      if (dialect == Log4jDialect::kLog4j1) break;
    }
    tok.text = std::string(pattern.substr(start, i - start));
    if (!leftover.empty()) tok.text.resize(tok.text.size() - leftover.size());
    const bool message = conv->kind == Kind::kMessage;
    out.push_back(std::move(tok));
    add_literal(leftover);
    if (message) break;
  }
  return out;
}

std::string EscapeInClass(char c) {
  if (c == ']' || c == '\\' || c == '^' || c == '-' || c == '[') return std::string("\\") + c;
  return std::string(1, c);
}

// Text of any length up to `stop` (the next literal character of the pattern; 0 = none).
std::string FreeTextRe(char stop) {
  if (stop != 0 && stop != ' ' && !IsAlpha(stop) && !IsDigitChar(stop)) {
    return "[^" + EscapeInClass(stop) + "]*";
  }
  return ".*?";
}

// A word without whitespace (and without `stop`).
std::string WordRe(char stop, const char* count = "*") {
  std::string cls = "[^\\s";
  if (stop != 0 && stop != ' ') cls += EscapeInClass(stop);
  return cls + "]" + count;
}

// Adds the padding a minimum width allows around `value` (whose shortest text is `min_len`).
std::string Pad(const Modifier& mod, const std::string& value, int min_len) {
  const int k = mod.min - min_len;
  if (k <= 0) return value;
  const std::string pad = " {0," + std::to_string(k) + "}";
  return mod.left ? value + pad : pad + value;
}

constexpr std::string_view kLevelGroup = "(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL)";

struct Builder {
  Log4jPatternOptions options;
  Log4jLayout* out;
  bool nested = false;  // Inside %P: no named groups.

  Result<std::string> DateFormat(const Token& tok, std::string* canonical_fmt,
                                 bool* unix_time) const {
    *unix_time = false;
    std::string fmt;
    if (tok.options.empty() || tok.options[0].empty()) {
      // log4j 2's DEFAULT and log4j 1.2's ISO8601 are the same.
      fmt = "yyyy-MM-dd HH:mm:ss,SSS";
    } else {
      fmt = tok.options[0];
      if (fmt == "UNIX" || fmt == "UNIX_MILLIS") {
        *unix_time = true;
        *canonical_fmt = fmt;
        return fmt;
      }
      if (options.dialect == Log4jDialect::kLog4j1) {
        for (const auto& [n, p] : kLog4j1DateNames) {
          if (fmt == n) fmt = std::string(p);
        }
      } else {
        for (const auto& [n, p] : kLog4j2DateNames) {
          if (fmt == n) fmt = std::string(p);
        }
      }
    }
    *canonical_fmt = fmt;
    return fmt;
  }

  Result<std::string> Convert(const Token& tok, char stop) {
    const Kind kind = tok.conv->kind;
    switch (kind) {
      case Kind::kDate: {
        std::string canonical_fmt;
        bool unix_time = false;
        auto fmt = DateFormat(tok, &canonical_fmt, &unix_time);
        if (!fmt.ok()) return fmt.error();
        out->canonical += tok.mod.text.empty() ? "%d{" : "%" + tok.mod.text + "d{";
        out->canonical += canonical_fmt + "}";
        if (tok.options.size() > 1) {
          out->canonical += "{" + tok.options[1] + "}";
          if (!nested && out->timezone.empty()) {
            if (auto z = ConfigZone(tok.options[1])) {
              out->timezone = *z;
            } else {
              out->notes.push_back("the zone \"" + tok.options[1] + "\" of " + tok.text +
                                   " is not one the config can state (UTC or an offset): set "
                                   "the log's timezone by hand");
            }
          }
        }
        if (unix_time) return Pad(tok.mod, "\\d+", 1);
        auto toks = TokenizeDate(*fmt);
        if (!toks.ok()) return Status::Error(toks.error().message() + " in " + tok.text);
        DateRegex d = BuildDateRegex(*toks, !nested && !out->has_time);
        if (d.time_group) {
          out->has_time = true;
        } else if (!nested && !out->has_time) {
          out->notes.push_back(
              d.has_date ? tok.text +
                               " is not a yyyy-MM-dd HH:mm:ss[,SSS] timestamp: records "
                               "are dated when they are read"
                         : tok.text + " has no date: records are dated when they are read");
        }
        return Pad(tok.mod, d.regex, 1);
      }
      case Kind::kLevel: {
        const bool readable = tok.mod.max < 0 && tok.options.empty();
        out->canonical += readable ? "%p" : tok.text;
        if (readable && !nested && !out->has_level) {
          out->has_level = true;
          return Pad(tok.mod, std::string(kLevelGroup), 4);
        }
        if (!readable && !nested) {
          out->notes.push_back(tok.text + " shortens or renames the level: it is not read");
        }
        return Pad(tok.mod, readable ? "(?:TRACE|DEBUG|INFO|WARN|ERROR|FATAL)" : "[A-Za-z]+",
                   readable ? 4 : 1);
      }
      case Kind::kLogger: {
        out->canonical += "%" + tok.mod.text + std::string(tok.conv->canonical);
        for (const auto& o : tok.options) out->canonical += "{" + o + "}";
        std::string value = WordRe(stop);
        if (!nested && !out->has_logger) {
          out->has_logger = true;
          value = "(?P<logger>" + value + ")";
        }
        return Pad(tok.mod, value, 0);
      }
      case Kind::kMdc: {
        out->canonical += "%" + tok.mod.text + "X";
        for (const auto& o : tok.options) out->canonical += "{" + o + "}";
        if (tok.options.empty()) return Pad(tok.mod, "\\{[^}]*\\}", 2);  // The whole map.
        return Pad(tok.mod, FreeTextRe(stop), 0);
      }
      case Kind::kTenantPattern: {
        out->canonical += "%" + tok.mod.text + "P";
        std::string tp =
            options.tenant_pattern.empty() ? "%U%@%D [%T] [%S]" : options.tenant_pattern;
        auto inner = Tokenize(tp, options.dialect);
        if (!inner.ok()) return Status::Error(inner.error().message() + " in the TenantPattern");
        Builder b{options, out, true};
        std::string saved = out->canonical;
        auto re = b.Build(*inner, stop);
        out->canonical = saved;  // Any TenantPattern: the WSO2 formats read %P loosely.
        if (!re.ok()) return Status::Error(re.error().message() + " in the TenantPattern");
        return "(?:" + *re + ")?";
      }
      default:
        break;
    }
    out->canonical += "%" + tok.mod.text + std::string(tok.conv->canonical);
    for (const auto& o : tok.options) out->canonical += "{" + o + "}";
    switch (kind) {
      case Kind::kFree:
        return Pad(tok.mod, FreeTextRe(stop), 0);
      case Kind::kSignedDigits:
        return Pad(tok.mod, "-?\\d*", 0);
      case Kind::kDigits:
        return Pad(tok.mod, "\\d+", 1);
      case Kind::kWord:
        return Pad(tok.mod, WordRe(stop), 0);
      case Kind::kUuid:
        return Pad(tok.mod, "[0-9a-fA-F-]+", 1);
      case Kind::kHexish:
        return Pad(tok.mod, "[0-9a-fA-F-]*", 0);
      case Kind::kAt:
        return std::string("@?");
      default:
        break;
    }
    return Status::Error("conversion pattern " + tok.text + " cannot come before the message");
  }

  // The regex for `toks` (which end before the message); `outer_stop` is the literal character
  // that follows them in the enclosing pattern (for %P).
  Result<std::string> Build(const std::vector<Token>& toks, char outer_stop) {
    std::string re;
    for (size_t i = 0; i < toks.size(); ++i) {
      const Token& t = toks[i];
      if (t.literal) {
        re += RegexQuote(t.text);
        for (char c : t.text) {
          if (c == '%') out->canonical += '%';
          out->canonical += c;
        }
        continue;
      }
      char stop = outer_stop;
      if (i + 1 < toks.size()) stop = toks[i + 1].literal ? toks[i + 1].text[0] : 0;
      auto piece = Convert(t, stop);
      if (!piece.ok()) return piece.error();
      re += *piece;
    }
    return re;
  }
};

}  // namespace

Result<Log4jLayout> TranslateLog4jPattern(std::string_view pattern,
                                          const Log4jPatternOptions& options) {
  auto toks = Tokenize(pattern, options.dialect);
  if (!toks.ok()) return toks.error();
  Log4jLayout out;
  // Split at the message; a pattern without one is used whole, without its line breaks.
  std::vector<Token> prefix;
  for (const Token& t : *toks) {
    if (!t.literal && t.conv->kind == Kind::kMessage) {
      out.has_message = true;
      break;
    }
    if (!t.literal && t.conv->kind == Kind::kNewline) {
      // A line break before the message: only the first line can start a record.
      out.notes.push_back(
          "the pattern breaks the line (%n) before the message: only its first "
          "line is read as the start of a record");
      break;
    }
    if (!t.literal && t.conv->kind == Kind::kThrowable) {
      return Status::Error("conversion pattern " + t.text + " before the message is not supported");
    }
    prefix.push_back(t);
  }
  for (const Token& t : prefix) out.prefix += t.text;
  Builder b{options, &out, false};
  auto re = b.Build(prefix, 0);
  if (!re.ok()) return re.error();
  // Something every line of the layout has: a date, a level, a number or non-blank text.
  // Without it (only free text) the "entry start" would match every line.
  bool anchored = std::any_of(prefix.begin(), prefix.end(), [](const Token& t) {
    if (t.literal) {
      return std::any_of(t.text.begin(), t.text.end(),
                         [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
    }
    const Kind k = t.conv->kind;
    return k == Kind::kDate || k == Kind::kLevel || k == Kind::kDigits || k == Kind::kUuid;
  });
  if (anchored) out.entry_start = "^" + *re;
  return out;
}

std::optional<KnownLayout> FindKnownLayout(const Log4jLayout& layout) {
  struct Known {
    std::string_view pattern;
    Log4jDialect dialect;
    LogFormat format;
    std::string_view description;
  };
  static constexpr std::array<Known, 11> kKnown = {{
      {"TID: [%tenantId] [%appName] [%d] %5p {%c} - %m%ex%n", Log4jDialect::kLog4j2,
       LogFormat::kWso2Carbon, "the WSO2 3.x/4.x carbon layout"},
      {"TID: [%T] [%S] [%d] %P%5p {%c} - %x %m {%c}%n", Log4jDialect::kLog4j1,
       LogFormat::kWso2Carbon, "the WSO2 2.6 carbon layout"},
      {"%d{ISO8601} [%X{ip}-%X{host}] [%t] %5p %c{1} %m%n", Log4jDialect::kLog4j2,
       LogFormat::kWso2Errors, "the WSO2 3.x-4.2 gateway errors layout"},
      {"%d{ISO8601} [%X{ip}-%X{host}] [%t] %5p {%c} %m%n", Log4jDialect::kLog4j2,
       LogFormat::kWso2Errors, "the WSO2 4.3+ gateway errors layout"},
      {"%d{ISO8601} [%X{ip}-%X{host}] [%t] %5p %c{1} %m%n", Log4jDialect::kLog4j1,
       LogFormat::kWso2Errors, "the WSO2 2.6 gateway errors layout"},
      {"TID: [%tenantId] [%d] %5p {%c} - %m%ex%n", Log4jDialect::kLog4j2, LogFormat::kWso2Audit,
       "the WSO2 3.x/4.x audit layout"},
      {"[%d] %P%5p - %x %m %n", Log4jDialect::kLog4j1, LogFormat::kWso2Audit,
       "the WSO2 2.6 audit layout"},
      {"[%d{DEFAULT}] %5p - %c{1} %m%n", Log4jDialect::kLog4j2, LogFormat::kWso2Console,
       "the WSO2 3.x/4.x console layout"},
      {"[%d{ISO8601}] %5p - %c{1} %m%n", Log4jDialect::kLog4j2, LogFormat::kWso2Console,
       "the WSO2 console layout (ISO8601 date)"},
      {"[%d{ISO8601}] %5p - %c{1} %m%n", Log4jDialect::kLog4j1, LogFormat::kWso2Console,
       "the WSO2 2.6 console layout"},
      {"[%d] %5p {%c} - %m%ex%n", Log4jDialect::kLog4j2, LogFormat::kWso2Console,
       "the WSO2 console layout with the full logger"},
  }};
  for (const Known& k : kKnown) {
    auto known = TranslateLog4jPattern(k.pattern, Log4jPatternOptions{k.dialect, ""});
    if (known.ok() && known->canonical == layout.canonical && layout.has_message) {
      return KnownLayout{k.format, std::string(k.description)};
    }
  }
  return std::nullopt;
}

Result<Log4jFilePattern> ParseLog4jFilePattern(std::string_view file_pattern) {
  Log4jFilePattern out;
  std::string_view fp = file_pattern;
  for (std::string_view ext : {".gz", ".zip", ".bz2", ".xz"}) {
    if (fp.size() > ext.size() && fp.ends_with(ext)) {
      out.compression = std::string(ext);
      break;
    }
  }
  auto glob_literal = [](char c) -> std::string {
    if (c == '*' || c == '?' || c == '[') return std::string("[") + c + "]";
    return std::string(1, c);
  };
  bool seen_conversion = false;
  std::string trailing;  // Literal text since the last conversion.
  for (size_t i = 0; i < fp.size();) {
    const char c = fp[i];
    if (c != '%' || (i + 1 < fp.size() && fp[i + 1] == '%')) {
      const size_t n = c == '%' ? 2 : 1;
      out.glob += glob_literal(c);
      out.sample += c;
      (seen_conversion ? trailing : out.literal_prefix) += c;
      i += n;
      continue;
    }
    size_t j = i + 1;
    while (j < fp.size() && (fp[j] == '-' || fp[j] == '.' || IsDigitChar(fp[j]))) ++j;
    size_t k = j;
    while (k < fp.size() && IsAlpha(fp[k])) ++k;
    std::string name(fp.substr(j, k - j));
    std::vector<std::string> opts;
    while (k < fp.size() && fp[k] == '{') {
      size_t e = fp.find('}', k);
      if (e == std::string_view::npos) {
        return Status::Error("unterminated option in filePattern " + std::string(fp));
      }
      opts.emplace_back(fp.substr(k + 1, e - k - 1));
      k = e + 1;
    }
    if (name == "i" || name == "index") {
      out.glob += "[0-9]*";
      out.sample += "1";
    } else if (name == "d" || name == "date") {
      std::string fmt = opts.empty() || opts[0].empty() ? "yyyy-MM-dd" : opts[0];
      for (const auto& [n, p] : kLog4j2DateNames) {
        if (fmt == n) fmt = std::string(p);
      }
      auto toks = TokenizeDate(fmt);
      if (!toks.ok()) {
        return Status::Error(toks.error().message() + " in filePattern " + std::string(fp));
      }
      for (const DateTok& t : *toks) {
        if (t.letter == 0) {
          out.glob += glob_literal(t.literal);
          out.sample += t.literal;
          continue;
        }
        // The sample instant: 2024-11-15 02:03:04.005 (a Friday), index 1.
        auto padded = [&](int v) {
          std::string s = std::to_string(v);
          while (static_cast<int>(s.size()) < t.count) s = "0" + s;
          return s;
        };
        std::string text;
        bool fixed = true;  // Digits of a fixed count.
        switch (t.letter) {
          case 'y':
          case 'Y':
            text = t.count == 2 ? "24" : padded(2024);
            break;
          case 'M':
          case 'L':
            if (t.count >= 3) {
              text = t.count == 3 ? "Nov" : "November";
              fixed = false;
            } else {
              text = padded(11);
              fixed = t.count == 2;
            }
            break;
          case 'd':
            text = padded(15);
            fixed = t.count >= 2;
            break;
          case 'H':
          case 'k':
          case 'K':
          case 'h':
            text = padded(2);
            fixed = t.count >= 2;
            break;
          case 'm':
            text = padded(3);
            fixed = t.count >= 2;
            break;
          case 's':
            text = padded(4);
            fixed = t.count >= 2;
            break;
          case 'S':
            text = padded(5).substr(0, std::max(t.count, 3));
            break;
          default:
            text = "x";
            fixed = false;
        }
        out.sample += text;
        if (fixed) {
          out.glob += Repeat("[0-9]", static_cast<int>(text.size()));
        } else if (out.glob.empty() || out.glob.back() != '*') {
          out.glob += "*";
        }
      }
    } else {
      return Status::Error("unsupported conversion pattern %" + name + " in filePattern " +
                           std::string(fp));
    }
    seen_conversion = true;
    trailing.clear();
    i = k;
  }
  if (!seen_conversion) {
    out.literal_suffix.clear();
  } else {
    out.literal_suffix = trailing;
  }
  if (!out.compression.empty() && out.literal_suffix.ends_with(out.compression)) {
    out.literal_suffix.resize(out.literal_suffix.size() - out.compression.size());
  }
  return out;
}

}  // namespace cg
