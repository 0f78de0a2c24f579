#include "collectors/logs/record_format.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <climits>

#include "collectors/logs/carbon_header.h"

namespace cg {
namespace {

// 3.1+ (and 2.6): 2024-11-16T02:20:41,605 [-] [thread]  WARN ConnectCallback msg
// 4.3+:           ... ERROR {org.wso2...APIManagerComponent} msg
std::string ErrorsPattern() {
  return std::string(R"(^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2},\d{3}) \[[^\]]*\] \[[^\]]*\] +)") +
         std::string(kLevelAlternatives) + R"( +(?:\{([^}]*)\}|(\S+)))";
}

// The console (CARBON_CONSOLE; what wso2server.sh/api-manager.sh print, nohup.out, a
// container's stdout), with the optional [tenant] of tm.out/api.log:
//   2.x/3.x/4.x default  [%d] %5p - %c{1} %m      [2023-04-28 13:34:38,644] ERROR - ShortName msg
//   customised 4.x       [%d] %5p {%c} - %m      [2024-02-01 10:11:12,345] ERROR {org.wso2.X} - msg
// Groups: 1 time, 2 level, 3 logger in braces, 4 short logger. The short name is optional so
// that a record whose %c{1} is empty (or the 2.6 audit layout, same shape) still starts here.
std::string ConsolePattern() {
  return std::string(
             R"(^\[(\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}:\d{2}[,.]\d{3})\] *(?:\[-?\d*\] *)?)") +
         std::string(kLevelAlternatives) +
         R"( +(?:\{([^}]*)\} - |- (?:([A-Za-z_$][\w$.]*)(?: |$))?))";
}

// 3.x/4.x: TID: [-1234] [2024-11-16 02:35:10,402]  INFO {AUDIT_LOG} - msg
std::string AuditPattern() {
  return std::string(R"(^TID: \[-?\d*\] \[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})\] +)") +
         std::string(kLevelAlternatives) + R"( +\{([^}]*)\} - )";
}

// 2.6: [2019-03-15 10:24:07,882]  INFO - msg   (TenantAwarePatternLayout "[%d] %P%5p - %x %m")
// %P is the TenantPattern "%U%@%D [%T] [%S]" (user@domain [tenant id] [server]), present on
// tenant requests; spelled out so that a level word inside the message never becomes the level.
std::string Audit26Pattern() {
  return std::string(
             R"(^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})\] (?:\S*@\S* \[-?\d*\] \[[^\]]*\])? *)") +
         std::string(kLevelAlternatives) + " +- ";
}

// %t = [16/Nov/2024:02:15:44 +0000]; Tomcat writes the server's offset, so no zone guessing.
constexpr std::string_view kTomcatTime =
    R"(^\S+ \S+ \S+ \[(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\])";

std::string_view ToView(const re2::StringPiece& p) { return std::string_view(p.data(), p.size()); }

int MonthFromAbbrev(std::string_view m) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == m) return static_cast<int>(i) + 1;
  }
  return 0;
}

}  // namespace

bool ParseFixedDigits(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool ParseLogTimestamp(std::string_view s, CivilTime* out) {
  CivilTime t;
  if (!ParseFixedDigits(s, 0, 4, &t.year) || s.size() < 10 || s[4] != '-' ||
      !ParseFixedDigits(s, 5, 2, &t.month) || s[7] != '-' || !ParseFixedDigits(s, 8, 2, &t.day)) {
    return false;
  }
  if (s.size() < 11 || (s[10] != ' ' && s[10] != 'T')) return false;
  size_t p = 11;
  // Hour: one or two digits (JUL %tk does not pad).
  size_t hour_len = (p + 1 < s.size() && s[p + 1] != ':') ? 2 : 1;
  if (!ParseFixedDigits(s, p, hour_len, &t.hour)) return false;
  p += hour_len;
  if (p >= s.size() || s[p] != ':' || !ParseFixedDigits(s, p + 1, 2, &t.minute)) return false;
  p += 3;
  if (p >= s.size() || s[p] != ':' || !ParseFixedDigits(s, p + 1, 2, &t.second)) return false;
  p += 3;
  if (p < s.size()) {
    if ((s[p] != ',' && s[p] != '.') || !ParseFixedDigits(s, p + 1, 3, &t.millis) ||
        p + 4 != s.size()) {
      return false;
    }
  }
  if (!IsPlausibleCivil(t)) return false;
  *out = t;
  return true;
}

bool IsPlausibleCivil(const CivilTime& t) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= kDays[t.month - 1] &&
         t.hour <= 23 && t.minute <= 59 && t.second <= 60;
}

WallTime TimeConverter::ToWall(const CivilTime& t) {
  // Zone offsets change (DST) only at hour boundaries in practice, so the instant of the
  // hour's start is computed once (mktime for "local" costs microseconds) and reused.
  int64_t key = DaysFromCivil(t.year, t.month, t.day) * 24 + t.hour;
  if (key != cached_hour_key_) {
    CivilTime h = t;
    h.minute = h.second = h.millis = 0;
    cached_hour_start_ = zone_.ToWall(h);
    cached_hour_key_ = key;
  }
  return cached_hour_start_ + std::chrono::minutes(t.minute) + std::chrono::seconds(t.second) +
         std::chrono::milliseconds(t.millis);
}

RecordFormat::RecordFormat(LogFormat format) : format_(format) {}
RecordFormat::~RecordFormat() = default;

Result<std::shared_ptr<const RecordFormat>> RecordFormat::Create(LogFormat format,
                                                                 std::string_view entry_start) {
  auto compile = [](const std::string& pattern, std::unique_ptr<re2::RE2>* out) -> Status {
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    // Log lines are bytes, not necessarily valid UTF-8: match them as Latin-1 so that invalid
    // sequences never make a line "not match".
    opts.set_encoding(re2::RE2::Options::EncodingLatin1);
    auto re = std::make_unique<re2::RE2>(pattern, opts);
    if (!re->ok()) return Status::Error("invalid entry_start regex: " + re->error());
    *out = std::move(re);
    return Status::Ok();
  };
  if (format == LogFormat::kCustom && entry_start.empty()) {
    return Status::Error("format \"custom\" needs an entry_start regex");
  }
  std::shared_ptr<RecordFormat> f(new RecordFormat(format));
  Status st;
  switch (format) {
    case LogFormat::kWso2Carbon:
      st = compile(CarbonEntryPattern(), &f->re_);
      break;
    case LogFormat::kWso2Console:
      st = compile(ConsolePattern(), &f->re_);
      break;
    case LogFormat::kWso2Errors:
      st = compile(ErrorsPattern(), &f->re_);
      break;
    case LogFormat::kWso2Audit:
      st = compile(AuditPattern(), &f->re_);
      if (st.ok()) st = compile(Audit26Pattern(), &f->re_alt_);
      break;
    case LogFormat::kTomcatAccess:
      f->line_per_record_ = true;
      st = compile(std::string(kTomcatTime), &f->re_);
      break;
    case LogFormat::kPlain:
      f->line_per_record_ = true;
      break;
    case LogFormat::kCustom: {
      std::string pattern(entry_start);
      // An entry start is a property of the line's beginning: anchor it.
      if (pattern[0] != '^') pattern = "^(?:" + pattern + ")";
      st = compile(pattern, &f->re_);
      if (st.ok()) {
        f->custom_groups_ = f->re_->NumberOfCapturingGroups();
        const auto& names = f->re_->NamedCapturingGroups();
        auto find = [&](const char* n) {
          auto it = names.find(n);
          return it == names.end() ? -1 : it->second;
        };
        f->custom_time_ = find("time");
        f->custom_level_ = find("level");
        f->custom_logger_ = find("logger");
      }
      break;
    }
  }
  if (!st.ok()) return st;
  return std::shared_ptr<const RecordFormat>(std::move(f));
}

bool RecordFormat::Match(std::string_view line, EntryHeader* h) const {
  *h = EntryHeader{};
  switch (format_) {
    case LogFormat::kWso2Carbon:
      return MatchCarbon(line, h);
    case LogFormat::kWso2Console:
      return MatchConsole(line, h);
    case LogFormat::kWso2Errors:
      return MatchErrors(line, h);
    case LogFormat::kWso2Audit:
      return MatchAudit(line, h);
    case LogFormat::kTomcatAccess:
      h->in_layout = MatchTomcat(line, h);
      return true;  // Every line is a record; the time is a bonus.
    case LogFormat::kPlain:
      return true;
    case LogFormat::kCustom:
      return MatchCustom(line, h);
  }
  return false;
}

bool RecordFormat::MatchCarbon(std::string_view line, EntryHeader* h) const {
  // Cheap pre-check: every continuation line (frames, Caused by:, blank lines) fails here
  // without running the regex.
  if (line.size() < 40 || line.compare(0, 6, "TID: [") != 0) return false;
  // The common layout by hand (fast); the regex for the rest (2.6 tenant prefix).
  if (ParseCarbonHeader(line, h)) return true;
  re2::StringPiece g[4];
  if (!re_->Match(line, 0, line.size(), re2::RE2::ANCHOR_START, g, 4)) return false;
  h->has_time = ParseLogTimestamp(ToView(g[1]), &h->civil);
  h->level = ParseLevel(ToView(g[2]));
  h->logger = ToView(g[3]);
  h->message_offset = g[0].size();
  return true;
}

bool RecordFormat::MatchConsole(std::string_view line, EntryHeader* h) const {
  if (line.size() < 27 || line[0] != '[') return false;
  return MatchLoggerEitherWay(line, h);
}

bool RecordFormat::MatchErrors(std::string_view line, EntryHeader* h) const {
  if (line.size() < 24 || line[0] < '0' || line[0] > '9') return false;
  if (!MatchLoggerEitherWay(line, h)) return false;
  if (h->message_offset < line.size() && line[h->message_offset] == ' ') ++h->message_offset;
  return true;
}

// Groups: 1 time, 2 level, 3 the logger in braces ({%c}), 4 the short one (%c{1}).
bool RecordFormat::MatchLoggerEitherWay(std::string_view line, EntryHeader* h) const {
  re2::StringPiece g[5];
  if (!re_->Match(line, 0, line.size(), re2::RE2::ANCHOR_START, g, 5)) return false;
  h->has_time = ParseLogTimestamp(ToView(g[1]), &h->civil);
  h->level = ParseLevel(ToView(g[2]));
  h->logger = g[3].data() != nullptr ? ToView(g[3]) : ToView(g[4]);
  h->message_offset = g[0].size();
  return true;
}

bool RecordFormat::MatchAudit(std::string_view line, EntryHeader* h) const {
  if (line.size() < 24) return false;
  re2::StringPiece g[4];
  if (line[0] == 'T') {
    if (!re_->Match(line, 0, line.size(), re2::RE2::ANCHOR_START, g, 4)) return false;
    h->logger = ToView(g[3]);
  } else if (line[0] == '[') {
    if (!re_alt_->Match(line, 0, line.size(), re2::RE2::ANCHOR_START, g, 3)) return false;
  } else {
    return false;
  }
  h->has_time = ParseLogTimestamp(ToView(g[1]), &h->civil);
  h->level = ParseLevel(ToView(g[2]));
  h->message_offset = g[0].size();
  return true;
}

bool RecordFormat::MatchTomcat(std::string_view line, EntryHeader* h) const {
  re2::StringPiece g[10];
  if (!re_->Match(line, 0, line.size(), re2::RE2::ANCHOR_START, g, 10)) return false;
  CivilTime t;
  int oh = 0, om = 0;
  t.month = MonthFromAbbrev(ToView(g[2]));
  if (t.month == 0 || !ParseFixedDigits(ToView(g[1]), 0, 2, &t.day) ||
      !ParseFixedDigits(ToView(g[3]), 0, 4, &t.year) ||
      !ParseFixedDigits(ToView(g[4]), 0, 2, &t.hour) ||
      !ParseFixedDigits(ToView(g[5]), 0, 2, &t.minute) ||
      !ParseFixedDigits(ToView(g[6]), 0, 2, &t.second) ||
      !ParseFixedDigits(ToView(g[8]), 0, 2, &oh) || !ParseFixedDigits(ToView(g[9]), 0, 2, &om)) {
    return false;
  }
  if (t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 || t.second > 60) return false;
  int64_t offset = (oh * 3600 + om * 60) * (g[7][0] == '-' ? -1 : 1);
  h->has_time = true;
  h->has_zone = true;
  h->civil = t;
  h->instant = TimeZone::FixedOffset(std::chrono::seconds(offset)).ToWall(t);
  return true;
}

bool RecordFormat::MatchCustom(std::string_view line, EntryHeader* h) const {
  constexpr int kMaxGroups = 16;
  re2::StringPiece g[kMaxGroups + 1];
  int n = std::min(custom_groups_, kMaxGroups) + 1;
  if (!re_->Match(line, 0, line.size(), re2::RE2::ANCHOR_START, g, n)) return false;
  if (custom_time_ > 0 && custom_time_ < n && g[custom_time_].data() != nullptr) {
    h->has_time = ParseLogTimestamp(ToView(g[custom_time_]), &h->civil);
  }
  if (custom_level_ > 0 && custom_level_ < n) h->level = ParseLevel(ToView(g[custom_level_]));
  if (custom_logger_ > 0 && custom_logger_ < n && g[custom_logger_].data() != nullptr) {
    h->logger = ToView(g[custom_logger_]);
  }
  return true;
}

}  // namespace cg
