// `cutover-guard init`: the log4j PatternLayout translator (every understood conversion, widths,
// unknown ones), a round trip (lines printed as log4j would print them, read back through the
// generated entry_start), the WSO2 install fixtures (tests/fixtures/apim_home: 2.6, 3.2, 4.2 and
// a customised 4.2) turned into configs that pass check-config, finding the Bootstrap JVM in a
// fake /proc, and the permission advice over a fake stat().
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/fs.h"
#include "collectors/logs/record_format.h"
#include "collectors/proc/discovery.h"
#include "daemon/apim_home.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/init_command.h"
#include "daemon/log4j_pattern.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

namespace fs = std::filesystem;

// --- Helpers (file-local names carry an Init prefix: the test executable is one unity TU) -----

Log4jLayout InitTranslate(std::string_view pattern, Log4jDialect d = Log4jDialect::kLog4j2) {
  auto r = TranslateLog4jPattern(pattern, Log4jPatternOptions{d, ""});
  INFO(pattern);
  if (!r.ok()) FAIL(r.error().message());
  return *r;
}

std::string InitEntryStart(std::string_view pattern, Log4jDialect d = Log4jDialect::kLog4j2) {
  return InitTranslate(pattern, d).entry_start;
}

std::string InitTranslateError(std::string_view pattern, Log4jDialect d = Log4jDialect::kLog4j2) {
  auto r = TranslateLog4jPattern(pattern, Log4jPatternOptions{d, ""});
  return r.ok() ? "" : r.error().message();
}

std::string InitFixture(std::string_view name) {
  return (fs::path(CG_FIXTURES_DIR) / "apim_home" / name).string();
}

std::string InitReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The line of `text` holding `needle` ("" when none).
std::string InitLineWith(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return "";
}

// A host for `init`: a writable state dir, a token, the in-tree rule pack; /proc is an empty
// directory unless a test fills it.
struct InitHost {
  testing::TempDir dir;
  InitOptions options;
  InitHost() {
    ::chmod(dir.path().c_str(), 0755);
    auto token = dir.Write("etc/api-token", "0123456789abcdef0123456789abcdef\n");
    ::chmod(token.c_str(), 0600);
    fs::create_directories(dir / "proc");
    options.proc_root = (dir / "proc").string();
    options.rule_files = {CG_SOURCE_DIR "/rules/wso2-apim/*.yaml"};
    options.state_dir = (dir / "state").string();
    options.token_file = token.string();
    options.out = (dir / "config.yaml").string();
    options.lookup_user = [](const std::string&) -> Result<UserIdentity> { return CurrentUser(); };
  }
  // A process under the fake /proc with these arguments.
  void AddProcess(pid_t pid, const std::vector<std::string>& args) const {
    std::string cmdline;
    for (const auto& a : args) cmdline += a + '\0';
    dir.Write("proc/" + std::to_string(pid) + "/cmdline", cmdline);
  }
};

struct InitRun {
  int code = 0;
  std::string out, err, config;
};

InitRun InitRunWith(const InitOptions& o) {
  std::ostringstream out, err;
  InitRun r;
  r.code = InitCommand(o, out, err);
  r.out = out.str();
  r.err = err.str();
  if (!o.out.empty() && fs::exists(o.out)) r.config = InitReadAll(o.out);
  return r;
}

int InitCheckConfig(const std::string& config, bool host_checks, std::string* err_text) {
  std::ostringstream out, err;
  CheckConfigOptions c;
  c.config = config;
  c.host_checks = host_checks;
  int code = CheckConfigCommand(c, out, err);
  *err_text = err.str() + out.str();
  return code;
}

const LogSpec* InitLog(const Config& c, const std::string& name) {
  for (const auto& l : c.logs) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

// --- A small log4j formatter for the understood conversions (the round trip's printer) -------

struct InitEvent {
  CivilTime time{2024, 11, 16, 2, 14, 7, 512};
  std::string level = "INFO";
  std::string logger = "org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO";
  std::string thread = "HTTP-Sender I/O dispatcher-3";
  std::map<std::string, std::string> mdc;
  std::string tenant_id = "-1234";
  std::string app;
  std::string user, domain;  // 2.6 tenant requests
  bool tenant_request = false;
  std::string message = "Failed to retrieve API categories for organization carbon.super";
  std::vector<std::string> stack;  // Exception line then frames.
};

std::string InitTwo(int v, int width) {
  std::string s = std::to_string(v);
  while (static_cast<int>(s.size()) < width) s = "0" + s;
  return s;
}

// java.text.SimpleDateFormat for the letters the tests use.
std::string InitFormatDate(std::string fmt, const CivilTime& t, Log4jDialect d) {
  static const std::map<std::string, std::string> kNames2 = {
      {"DEFAULT", "yyyy-MM-dd HH:mm:ss,SSS"},
      {"ISO8601", "yyyy-MM-dd'T'HH:mm:ss,SSS"},
      {"ISO8601_BASIC", "yyyyMMdd'T'HHmmss,SSS"},
      {"ABSOLUTE", "HH:mm:ss,SSS"},
      {"DEFAULT_MICROS", "yyyy-MM-dd HH:mm:ss,nnnnnn"},
      {"ISO8601_OFFSET_DATE_TIME_HHMM", "yyyy-MM-dd'T'HH:mm:ss,SSSXX"},
      {"DATE", "dd MMM yyyy HH:mm:ss,SSS"}};
  if (fmt.empty()) fmt = "yyyy-MM-dd HH:mm:ss,SSS";
  if (d == Log4jDialect::kLog4j1 && fmt == "ISO8601") fmt = "yyyy-MM-dd HH:mm:ss,SSS";
  if (kNames2.count(fmt)) fmt = kNames2.at(fmt);
  std::string out;
  for (size_t i = 0; i < fmt.size();) {
    char c = fmt[i];
    if (c == '\'') {
      size_t e = fmt.find('\'', i + 1);
      out += fmt.substr(i + 1, e - i - 1);
      i = e + 1;
      continue;
    }
    size_t j = i;
    while (j < fmt.size() && fmt[j] == c) ++j;
    const int n = static_cast<int>(j - i);
    switch (c) {
      case 'y':
        out += n == 2 ? InitTwo(t.year % 100, 2) : InitTwo(t.year, 4);
        break;
      case 'M':
        out += n >= 3 ? std::string("Nov") : InitTwo(t.month, n);
        break;
      case 'd':
        out += InitTwo(t.day, n);
        break;
      case 'H':
        out += InitTwo(t.hour, n);
        break;
      case 'm':
        out += InitTwo(t.minute, n);
        break;
      case 's':
        out += InitTwo(t.second, n);
        break;
      case 'S':
        out += InitTwo(t.millis, 3).substr(0, static_cast<size_t>(n));
        break;
      case 'n':
        out += (InitTwo(t.millis, 3) + "456789").substr(0, static_cast<size_t>(n));
        break;
      case 'X':
        out += n == 1 ? "+01" : n == 2 ? "+0100" : "+01:00";
        break;
      default:
        out += std::string(static_cast<size_t>(n), c);
    }
    i = j;
  }
  return out;
}

std::string InitPad(std::string v, bool left, int min, int max) {
  if (max >= 0 && static_cast<int>(v.size()) > max)
    v = v.substr(v.size() - static_cast<size_t>(max));
  while (static_cast<int>(v.size()) < min) v = left ? v + " " : " " + v;
  return v;
}

std::string InitRender(std::string_view pattern, Log4jDialect d, const InitEvent& e,
                       const std::string& tenant_pattern = "%U%@%D [%T] [%S]") {
  static const std::vector<std::string> kNames = {
      "date", "d",          "level",     "p",         "logger", "c",        "class",
      "C",    "threadName", "thread",    "tn",        "t",      "tenantId", "appName",
      "mdc",  "MDC",        "X",         "NDC",       "x",      "message",  "msg",
      "m",    "n",          "throwable", "exception", "xEx",    "ex",       "T"};
  std::string out;
  bool wrote_throwable = false;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '%') {
      out += pattern[i++];
      continue;
    }
    ++i;
    if (pattern[i] == '%') {
      out += '%';
      ++i;
      continue;
    }
    bool left = false;
    int min = 0, max = -1;
    if (pattern[i] == '-') {
      left = true;
      ++i;
    }
    while (std::isdigit(static_cast<unsigned char>(pattern[i])))
      min = min * 10 + (pattern[i++] - '0');
    if (pattern[i] == '.') {
      ++i;
      max = 0;
      while (std::isdigit(static_cast<unsigned char>(pattern[i])))
        max = max * 10 + (pattern[i++] - '0');
    }
    std::string name;
    if (d == Log4jDialect::kLog4j1 || !std::isalpha(static_cast<unsigned char>(pattern[i]))) {
      name = std::string(1, pattern[i++]);
    } else {
      size_t j = i;
      while (j < pattern.size() && std::isalnum(static_cast<unsigned char>(pattern[j]))) ++j;
      std::string id(pattern.substr(i, j - i));
      for (size_t len = id.size(); len > 0 && name.empty(); --len) {
        if (std::find(kNames.begin(), kNames.end(), id.substr(0, len)) != kNames.end()) {
          name = id.substr(0, len);
        }
      }
      i += name.size();
    }
    std::vector<std::string> opts;
    while (i < pattern.size() && pattern[i] == '{' &&
           (opts.empty() || d == Log4jDialect::kLog4j2)) {
      size_t e2 = pattern.find('}', i);
      opts.emplace_back(pattern.substr(i + 1, e2 - i - 1));
      i = e2 + 1;
    }
    std::string v;
    if (name == "d" || name == "date") {
      v = InitFormatDate(opts.empty() ? "" : opts[0], e.time, d);
    } else if (name == "p" || name == "level") {
      v = e.level;
    } else if (name == "c" || name == "logger" || name == "C" || name == "class") {
      v = e.logger;
      if (!opts.empty()) {
        int keep = std::stoi(opts[0]);
        size_t at = v.size();
        for (int k = 0; k < keep && at != std::string::npos; ++k) {
          at = at == 0 ? std::string::npos : v.rfind('.', at - 1);
        }
        if (at != std::string::npos) v = v.substr(at + 1);
      }
    } else if (name == "t" || name == "thread" || name == "tn" || name == "threadName") {
      v = e.thread;
    } else if (name == "X" || name == "mdc" || name == "MDC") {
      v = e.mdc.count(opts.at(0)) ? e.mdc.at(opts.at(0)) : "";
    } else if (name == "x" || name == "NDC" || name == "S") {
      v = "";
    } else if (name == "tenantId" || name == "T") {
      v = e.tenant_id;
    } else if (name == "appName") {
      v = e.app;
    } else if (name == "U") {
      v = e.user;
    } else if (name == "D") {
      v = e.domain;
    } else if (name == "@") {
      v = e.domain.empty() ? "" : "@";
    } else if (name == "P") {
      v = e.tenant_request ? InitRender(tenant_pattern, d, e) : "";
    } else if (name == "m" || name == "msg" || name == "message") {
      v = e.message;
    } else if (name == "n") {
      v = "\n";
    } else if (name == "ex" || name == "xEx" || name == "throwable" || name == "exception") {
      wrote_throwable = true;
      if (!e.stack.empty()) {
        v = " " + e.stack[0] + "\n";
        for (size_t k = 1; k < e.stack.size(); ++k) v += e.stack[k] + "\n";
      }
    } else {
      FAIL("test formatter: no conversion " + name);
    }
    out += InitPad(v, left, min, max);
  }
  // log4j 2 (alwaysWriteExceptions) and log4j 1.2 print the throwable after the layout.
  if (!wrote_throwable) {
    for (const auto& s : e.stack) out += s + "\n";
  }
  return out;
}

std::vector<std::string> InitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    lines.push_back(text.substr(pos, eol - pos));
    pos = eol + 1;
  }
  return lines;
}

}  // namespace

// --- The translator --------------------------------------------------------------------------

TEST_CASE("log4j pattern: the 3.x/4.x carbon layout becomes an anchored entry start",
          "[init][log4j]") {
  Log4jLayout l = InitTranslate("TID: [%tenantId] [%appName] [%d] %5p {%c} - %m%ex%n");
  CHECK(l.entry_start ==
        R"(^TID: \[-?\d*\] \[[^\]]*\] \[(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})\] )"
        R"( {0,1}(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \{(?P<logger>[^\s}]*)\} - )");
  CHECK(l.prefix == "TID: [%tenantId] [%appName] [%d] %5p {%c} - ");
  CHECK(l.has_message);
  CHECK(l.has_time);
  CHECK(l.has_level);
  CHECK(l.has_logger);
  CHECK(l.notes.empty());
}

TEST_CASE("log4j pattern: dates", "[init][log4j]") {
  const std::string kTime = R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})";
  CHECK(InitEntryStart("%d %m") == "^(?P<time>" + kTime + ") ");
  CHECK(InitEntryStart("%date{DEFAULT} %m") == "^(?P<time>" + kTime + ") ");
  CHECK(InitEntryStart("%d{yyyy-MM-dd HH:mm:ss,SSS} %m") == "^(?P<time>" + kTime + ") ");
  SECTION("ISO8601 has a T in log4j 2 and a space in log4j 1.2") {
    CHECK(InitEntryStart("%d{ISO8601} %m") ==
          R"(^(?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2},\d{3}) )");
    CHECK(InitEntryStart("%d{ISO8601} %m", Log4jDialect::kLog4j1) == "^(?P<time>" + kTime + ") ");
    CHECK(InitEntryStart("%d %m", Log4jDialect::kLog4j1) == "^(?P<time>" + kTime + ") ");
  }
  SECTION("explicit patterns, quotes, a period before the millis") {
    CHECK(InitEntryStart("[%d{yyyy-MM-dd HH:mm:ss.SSS}] %m") ==
          R"(^\[(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3})\] )");
    CHECK(InitEntryStart("%d{yyyy-MM-dd'T'HH:mm:ss} %m") ==
          R"(^(?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}) )");
    CHECK(InitEntryStart("%d{yyyy-MM-dd H:mm:ss,SSS} %m") ==
          R"(^(?P<time>\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2},\d{3}) )");
  }
  SECTION("longer fractions and zones stay outside the time group") {
    CHECK(InitEntryStart("%d{DEFAULT_MICROS} %m") == "^(?P<time>" + kTime + R"()\d{3} )");
    CHECK(InitEntryStart("%d{ISO8601_OFFSET_DATE_TIME_HHMM} %m") ==
          R"(^(?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2},\d{3})(?:Z|[+-]\d{4}) )");
  }
  SECTION("a date the daemon cannot read is matched but not named") {
    Log4jLayout basic = InitTranslate("%d{ISO8601_BASIC} %m");
    CHECK(basic.entry_start == R"(^\d{4}\d{2}\d{2}T\d{2}\d{2}\d{2},\d{3} )");
    CHECK_FALSE(basic.has_time);
    REQUIRE(basic.notes.size() == 1);
    CHECK(basic.notes[0].find("not a yyyy-MM-dd HH:mm:ss[,SSS] timestamp") != std::string::npos);
    Log4jLayout time_only = InitTranslate("%d{HH:mm:ss,SSS} [%t] %m");
    CHECK(time_only.entry_start == R"(^\d{2}:\d{2}:\d{2},\d{3} \[[^\]]*\] )");
    CHECK(time_only.notes.at(0).find("has no date") != std::string::npos);
    CHECK(InitEntryStart("%d{ABSOLUTE} %m") == R"(^\d{2}:\d{2}:\d{2},\d{3} )");
    CHECK(InitEntryStart("%d{DATE} %m") == R"(^\d{2} [A-Za-z]+\.? \d{4} \d{2}:\d{2}:\d{2},\d{3} )");
    CHECK(InitEntryStart("%d{UNIX_MILLIS} %m") == R"(^\d+ )");
  }
  SECTION("a zone option becomes the log's timezone") {
    CHECK(InitTranslate("%d{ISO8601}{UTC} %m").timezone == "UTC");
    CHECK(InitTranslate("%d{ISO8601}{GMT+0} %m").timezone == "UTC");
    CHECK(InitTranslate("%d{ISO8601}{GMT+5:30} %m").timezone == "+05:30");
    CHECK(InitTranslate("%d{DEFAULT}{GMT-08:00} %m").timezone == "-08:00");
    Log4jLayout named = InitTranslate("%d{DEFAULT}{Europe/Paris} %m");
    CHECK(named.timezone.empty());
    CHECK(named.notes.at(0).find("Europe/Paris") != std::string::npos);
  }
  SECTION("only the first date is the time") {
    CHECK(InitEntryStart("%d %d{HH:mm} %m") == "^(?P<time>" + kTime + R"() \d{2}:\d{2} )");
  }
  CHECK(InitTranslateError("%d{yyyy-MM-dd Q} %m") ==
        "unsupported date format letter 'Q' in %d{yyyy-MM-dd Q}");
  CHECK(InitTranslateError("%d{'open} %m") == "unterminated quote in date format in %d{'open}");
}

TEST_CASE("log4j pattern: levels with widths and alignment", "[init][log4j]") {
  const std::string kLevel = "(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL)";
  CHECK(InitEntryStart("%p %m") == "^" + kLevel + " ");
  CHECK(InitEntryStart("%level %m") == "^" + kLevel + " ");
  CHECK(InitEntryStart("%5p %m") == "^ {0,1}" + kLevel + " ");
  CHECK(InitEntryStart("%-5p %m") == "^" + kLevel + " {0,1} ");
  CHECK(InitEntryStart("%-5level %m") == "^" + kLevel + " {0,1} ");
  CHECK(InitEntryStart("%8p| %m") == "^ {0,4}" + kLevel + R"(\| )");
  SECTION("a shortened or renamed level is matched, not read") {
    Log4jLayout l = InitTranslate("%.1p %m");
    CHECK(l.entry_start == "^[A-Za-z]+ ");
    CHECK_FALSE(l.has_level);
    CHECK(l.notes.at(0).find("shortens or renames the level") != std::string::npos);
    CHECK(InitEntryStart("%level{WARN=W, DEBUG=D} %m") == "^[A-Za-z]+ ");
  }
  SECTION("only the first level is named") {
    CHECK(InitEntryStart("%p %p %m") == "^" + kLevel + " (?:TRACE|DEBUG|INFO|WARN|ERROR|FATAL) ");
  }
}

TEST_CASE("log4j pattern: loggers threads MDC NDC and WSO2 converters", "[init][log4j]") {
  CHECK(InitEntryStart("%p %c %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) (?P<logger>[^\s]*) )");
  CHECK(InitEntryStart("%p {%logger} %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \{(?P<logger>[^\s}]*)\} )");
  CHECK(InitEntryStart("%p %c{1} - %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) (?P<logger>[^\s]*) - )");
  CHECK(InitEntryStart("%p %-30C{1.} %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) (?P<logger>[^\s]*) {0,30} )");
  CHECK(InitEntryStart("%p [%t] %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \[[^\]]*\] )");
  CHECK(InitEntryStart("%p [%thread] [%threadName] %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \[[^\]]*\] \[[^\]]*\] )");
  // A thread followed by a space may hold spaces: the shortest text before what follows.
  CHECK(InitEntryStart("%d{HH:mm} %t %5p %m") ==
        R"(^\d{2}:\d{2} .*?  {0,1}(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) )");
  CHECK(InitEntryStart("%p [%X{ip}-%X{host}] %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \[[^\-]*-[^\]]*\] )");
  CHECK(InitEntryStart("%p [%mdc{Correlation-ID}] [%MDC{a}] %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \[[^\]]*\] \[[^\]]*\] )");
  CHECK(InitEntryStart("%p %X %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \{[^}]*\} )");
  CHECK(InitEntryStart("%p - %x|%NDC| %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) - [^|]*\|[^|]*\| )");
  CHECK(InitEntryStart("TID: [%tenantId] [%appName] %p %m") ==
        R"(^TID: \[-?\d*\] \[[^\]]*\] (?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) )");
  CHECK(InitEntryStart("%r %L %sn %pid %N %p %m") ==
        R"(^\d+ \d+ \d+ \d+ \d+ (?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) )");
  CHECK(InitEntryStart("%p %M(%F:%L) %l %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) [^\s(]*\([^\s:]*:\d+\) [^\s]* )");
  CHECK(InitEntryStart("%uuid %p %m") ==
        R"(^[0-9a-fA-F-]+ (?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) )");
  CHECK(InitEntryStart("ThreadID: [%T] %p %m") ==
        R"(^ThreadID: \[-?\d*\] (?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) )");
}

TEST_CASE("log4j pattern: the 2.6 TenantAwarePatternLayout converters", "[init][log4j]") {
  const auto l1 = Log4jDialect::kLog4j1;
  CHECK(InitEntryStart("TID: [%T] [%S] [%d] %P%5p {%c} - %x %m {%c}%n", l1) ==
        R"(^TID: \[-?\d*\] \[[^\]]*\] \[(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})\] )"
        R"((?:.*?@?.*? \[-?\d*\] \[[^\]]*\])? {0,1}(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) )"
        R"(\{(?P<logger>[^\s}]*)\} - .*? )");
  CHECK(InitEntryStart("[%U] [%A] [%D] [%H] [%I] [%K] %p %m", l1) ==
        R"(^\[[^\]]*\] \[[^\]]*\] \[[^\]]*\] \[[^\]]*\] \[[^\]]*\] \[[0-9a-fA-F-]*\] )"
        R"((?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) )");
  // The layout's own TenantPattern.
  auto own = TranslateLog4jPattern("[%d] %P%5p - %m",
                                   Log4jPatternOptions{Log4jDialect::kLog4j1, "[%T][%S]"});
  REQUIRE(own.ok());
  CHECK(own->entry_start.find(R"((?:\[-?\d*\]\[[^\]]*\])?)") != std::string::npos);
  // One letter per conversion: %msg is %m and "sg".
  CHECK(InitTranslate("%p %msg", l1).prefix == "%p ");
  CHECK(InitTranslateError("%p %-5Q %m", l1) == "unsupported conversion pattern %-5Q");
  // The 2.6 converters are not log4j 2's.
  CHECK(InitTranslateError("[%S] %m") == "unsupported conversion pattern %S");
  CHECK(InitTranslateError("%P%5p %m") == "unsupported conversion pattern %P");
}

TEST_CASE("log4j pattern: literals percent signs and what follows the message", "[init][log4j]") {
  CHECK(InitEntryStart("%p 100%% (a.b)*? [x] {y} | $^ %m") ==
        R"(^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) 100% \(a\.b\)\*\? \[x\] \{y\} \| \$\^ )");
  // Only the part before the message is read: unknown conversions after it do not matter.
  Log4jLayout after = InitTranslate("%d %p %m%notEmpty{ [%K]}%n%throwable");
  CHECK(after.prefix == "%d %p ");
  // A line break before the message: the first line only.
  Log4jLayout broken = InitTranslate("%d %p%n%m%n");
  CHECK(broken.prefix == "%d %p");
  CHECK(broken.notes.at(0).find("breaks the line") != std::string::npos);
  // log4j 2 takes the longest known name; the rest of the word is text.
  CHECK(InitTranslate("%levelx %m").entry_start ==
        "^(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL)x ");
  // No message: the whole pattern; nothing fixed: no entry start.
  CHECK(InitTranslate("%d %p").has_message == false);
  CHECK(InitTranslate("%d %p").entry_start.ends_with("FATAL)"));
  CHECK(InitTranslate("%msg%n").entry_start.empty());
  CHECK(InitTranslate("%t %X{a} %m").entry_start.empty());
  CHECK(InitTranslate("[%t] %m").entry_start == R"(^\[[^\]]*\] )");
}

TEST_CASE("log4j pattern: an unknown conversion is an error naming it", "[init][log4j]") {
  CHECK(InitTranslateError("TID: [%K] %d %m") == "unsupported conversion pattern %K");
  CHECK(InitTranslateError("%highlight{%p} %m") == "unsupported conversion pattern %highlight");
  CHECK(InitTranslateError("%-20foo %m") == "unsupported conversion pattern %-20foo");
  CHECK(InitTranslateError("%d %ex %m") ==
        "conversion pattern %ex before the message is not supported");
  CHECK(InitTranslateError("%d %p %") == "incomplete conversion pattern % at the end");
  CHECK(InitTranslateError("%d{yyyy %m") == "unterminated option in %d{yyyy %m");
}

TEST_CASE("log4j pattern: the WSO2 default layouts map to their formats", "[init][log4j]") {
  auto format_of = [](std::string_view pattern, Log4jDialect d) -> std::string {
    auto known = FindKnownLayout(InitTranslate(pattern, d));
    return known ? std::string(LogFormatName(known->format)) : "custom";
  };
  const auto l1 = Log4jDialect::kLog4j1, l2 = Log4jDialect::kLog4j2;
  CHECK(format_of("TID: [%tenantId] [%appName] [%d] %5p {%c} - %m%ex%n", l2) == "wso2-carbon");
  CHECK(format_of("TID: [%T] [%S] [%d] %P%5p {%c} - %x %m {%c}%n", l1) == "wso2-carbon");
  CHECK(format_of("%d{ISO8601} [%X{ip}-%X{host}] [%t] %5p %c{1} %m%n", l2) == "wso2-errors");
  CHECK(format_of("%d{ISO8601} [%X{ip}-%X{host}] [%t] %5p {%c} %m%n", l2) == "wso2-errors");
  CHECK(format_of("%d{ISO8601} [%X{ip}-%X{host}] [%t] %5p %c{1} %m%n", l1) == "wso2-errors");
  CHECK(format_of("TID: [%tenantId] [%d] %5p {%c} - %m%ex%n", l2) == "wso2-audit");
  CHECK(format_of("[%d] %P%5p - %x %m %n", l1) == "wso2-audit");
  CHECK(format_of("[%d{DEFAULT}] %5p - %c{1} %m%n", l2) == "wso2-console");
  CHECK(format_of("[%d{ISO8601}] %5p - %c{1} %m%n", l1) == "wso2-console");
  // Equivalent spellings: aliases, any level width, %d vs %d{DEFAULT}, what follows %m.
  CHECK(format_of("TID: [%tenantId] [%appName] [%date{DEFAULT}] %-5level {%logger} - %msg%n", l2) ==
        "wso2-carbon");
  CHECK(format_of("TID: [%T] [%S] [%d] %P%5p {%c} - %x %m {%c}%n", l1) == "wso2-carbon");
  // Not the same start.
  CHECK(format_of("TID: [%tenantId] [%appName] [%d] %5p [%c] - %m%n", l2) == "custom");
  CHECK(format_of("[%d{yyyy-MM-dd HH:mm:ss.SSS}] [%t] %-5p %c{1} - %m%ex%n", l2) == "custom");
  CHECK(format_of("%d{ISO8601} [%t] %5p %c{1} %m%n", l2) == "custom");
}

TEST_CASE("log4j filePattern: globs and sample names of rotated files", "[init][log4j]") {
  auto fp = ParseLog4jFilePattern("wso2carbon-%d{MM-dd-yyyy}-%i.log");
  REQUIRE(fp.ok());
  CHECK(fp->glob == "wso2carbon-[0-9][0-9]-[0-9][0-9]-[0-9][0-9][0-9][0-9]-[0-9]*.log");
  CHECK(fp->sample == "wso2carbon-11-15-2024-1.log");
  CHECK(fp->literal_prefix == "wso2carbon-");
  CHECK(fp->literal_suffix == ".log");
  CHECK(fp->compression.empty());
  auto gz = ParseLog4jFilePattern("wso2-apigw-errors-%d{MM-dd-yyyy}-%i.log.gz");
  REQUIRE(gz.ok());
  CHECK(gz->sample == "wso2-apigw-errors-11-15-2024-1.log.gz");
  CHECK(gz->literal_suffix == ".log");
  CHECK(gz->compression == ".gz");
  auto daily = ParseLog4jFilePattern("wso2carbon.log%d{'.'yyyy-MM-dd}");
  REQUIRE(daily.ok());
  CHECK(daily->sample == "wso2carbon.log.2024-11-15");
  CHECK(daily->glob == "wso2carbon.log.[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]");
  CHECK(daily->literal_suffix.empty());
  auto plain_d = ParseLog4jFilePattern("app-%d.log");
  REQUIRE(plain_d.ok());
  CHECK(plain_d->sample == "app-2024-11-15.log");
  CHECK_FALSE(ParseLog4jFilePattern("app-%q.log").ok());
}

// --- Round trip: lines as log4j prints them, read back -------------------------------------

TEST_CASE("log4j pattern round trip: generated lines match with time level and logger",
          "[init][roundtrip]") {
  struct Case {
    std::string pattern;
    Log4jDialect dialect;
    bool time;          // The time is read.
    bool short_logger;  // %c{1}
    bool logger = true;
    bool level = true;
  };
  const auto l1 = Log4jDialect::kLog4j1, l2 = Log4jDialect::kLog4j2;
  const std::vector<Case> cases = {
      // The shipped layouts (fact sheet, product-apim log4j2.properties / log4j.properties).
      {"TID: [%tenantId] [%appName] [%d] %5p {%c} - %m%ex%n", l2, true, false},
      {"TID: [%T] [%S] [%d] %P%5p {%c} - %x %m {%c}%n", l1, true, false},
      {"%d{ISO8601} [%X{ip}-%X{host}] [%t] %5p %c{1} %m%n", l2, true, true},
      {"%d{ISO8601} [%X{ip}-%X{host}] [%t] %5p {%c} %m%n", l2, true, false},
      {"%d{ISO8601} [%X{ip}-%X{host}] [%t] %5p %c{1} %m%n", l1, true, true},
      {"TID: [%tenantId] [%d] %5p {%c} - %m%ex%n", l2, true, false},
      {"[%d] %P%5p - %x %m %n", l1, true, false, false},
      {"[%d{DEFAULT}] %5p - %c{1} %m%n", l2, true, true},
      {"[%d{ISO8601}] %5p - %c{1} %m%n", l1, true, true},
      {"[%d] [%tenantId] %5p {%c} - %m%ex%n", l2, true, false},
      {"%d{yyyy-MM-dd HH:mm:ss,SSS}|%X{Correlation-ID}|%t|%m%n", l2, true, false, false, false},
      {"%d{HH:mm:ss,SSS} [%X{ip}-%X{host}] [%t] %5p %c{1} %m%n", l2, false, true},
      {"[%d] %5p {%c} %X{apiName} - %m%ex%n", l2, true, false},
      // The customised fixture and other field layouts.
      {"[%d{yyyy-MM-dd HH:mm:ss.SSS}] [%t] %-5p %c{1} - %m%ex%n", l2, true, true},
      {"%d{ISO8601}{GMT+0} %-5level [%logger] [%X{Correlation-ID}] %msg%n", l2, true, false},
      {"%d{ISO8601} %-5level [%thread] %logger{1} - %msg%n", l2, true, true},
      {"%d{DEFAULT_MICROS} %p %c %m%n", l2, true, false},
      {"TID: [%tenantId] [%thread] [%appName] [%d] [%X{Correlation-ID}] %p [%c] - %m ||%n", l2,
       true, false},
      {"%-5p %d [%t] %c: %m%n", l2, true, false},
  };
  const std::vector<std::string> kContinuations = {
      "\tat "
      "org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)",
      "\tat java.base/java.lang.Thread.run(Thread.java:829) ~[?:?]",
      "Caused by: org.postgresql.util.PSQLException: ERROR: column \"organization\" does not exist",
      "\t... 23 more",
      "  Position: 61",
      "",
      "The last packet sent successfully to the server was 0 milliseconds ago.",
      "java.sql.SQLException: Communications link failure",
  };
  for (const Case& c : cases) {
    Log4jLayout layout = InitTranslate(c.pattern, c.dialect);
    auto rf = RecordFormat::Create(LogFormat::kCustom, layout.entry_start);
    INFO(c.pattern << "\nentry_start: " << layout.entry_start);
    REQUIRE(rf.ok());
    const RecordFormat& format = **rf;
    for (const char* level : {"INFO", "WARN", "ERROR", "DEBUG", "TRACE", "FATAL"}) {
      for (int variant = 0; variant < 4; ++variant) {
        InitEvent e;
        e.level = level;
        e.time =
            CivilTime{2024, 2 + variant, 9 + variant, variant * 7, 5 * variant, 59, 7 * variant};
        if (variant == 1) {
          e.tenant_id = "";  // 4.1+ non-request threads
          e.mdc = {
              {"ip", "10.20.30.40"}, {"host", "gw-1.example.com"}, {"apiName", "admin--Pizza:v1"}};
          e.logger = "AUDIT_LOG";
          e.thread = "main";
        }
        if (variant == 2) {
          e.stack = {"java.sql.SQLException: Communications link failure",
                     "\tat org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO.getAPI(ApiMgtDAO.java:123)",
                     "Caused by: java.net.ConnectException: Connection refused", "\t... 23 more"};
          e.mdc = {{"Correlation-ID", "6f1c2d3e-aaaa-bbbb-cccc-0123456789ab"}};
          e.app = "api/am/publisher";
        }
        if (variant == 3) {
          e.tenant_request = true;  // 2.6 %P: "@tenant.com [13529] []"
          e.user = "";
          e.domain = "tenant.com";
          e.tenant_id = "13529";
          e.thread = "PassThroughMessageProcessor-188";
          e.message = "";
        }
        std::string text = InitRender(c.pattern, c.dialect, e);
        std::vector<std::string> lines = InitLines(text);
        INFO("line: " << lines.at(0));
        EntryHeader h;
        REQUIRE(format.Match(lines[0], &h));
        CHECK(h.level == (c.level ? ParseLevel(level) : Level::kUnknown));
        CHECK(h.has_time == c.time);
        if (c.time) {
          CHECK(h.civil.year == e.time.year);
          CHECK(h.civil.month == e.time.month);
          CHECK(h.civil.day == e.time.day);
          CHECK(h.civil.hour == e.time.hour);
          CHECK(h.civil.minute == e.time.minute);
          CHECK(h.civil.second == e.time.second);
          CHECK(h.civil.millis == e.time.millis);
        }
        if (c.logger) {
          std::string want = e.logger;
          if (c.short_logger) want = want.substr(want.rfind('.') + 1);
          CHECK(std::string(h.logger) == want);
        }
        for (size_t k = 1; k < lines.size(); ++k) {
          INFO("continuation: " << lines[k]);
          CHECK_FALSE(format.Match(lines[k], &h));
        }
      }
    }
    for (const auto& line : kContinuations) {
      EntryHeader h;
      INFO("continuation: " << line);
      CHECK_FALSE(format.Match(line, &h));
    }
  }
}

// --- The install fixtures --------------------------------------------------------------------

TEST_CASE("init reads the 4.2.0 install into a config that passes check-config", "[init]") {
  InitHost host;
  host.options.apim_home = InitFixture("wso2am-4.2.0");
  InitRun r = InitRunWith(host.options);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string home = InitFixture("wso2am-4.2.0");
  const std::string logs = home + "/repository/logs/";
  auto cfg = ParseConfig(r.config, host.options.out);
  REQUIRE(cfg.ok());
  REQUIRE(cfg->logs.size() == 4);
  const LogSpec* carbon = InitLog(*cfg, "carbon");
  REQUIRE(carbon != nullptr);
  CHECK(carbon->path == logs + "wso2carbon*.log");
  CHECK(carbon->exclude == std::vector<std::string>{"wso2carbon-trace-messages*.log"});
  CHECK(carbon->format == LogFormat::kWso2Carbon);
  CHECK(carbon->start_at == StartAt::kEnd);
  const LogSpec* errors = InitLog(*cfg, "gw-errors");
  REQUIRE(errors != nullptr);
  CHECK(errors->path == logs + "wso2-apigw-errors*.log");
  CHECK(errors->exclude.empty());
  CHECK(errors->format == LogFormat::kWso2Errors);
  const LogSpec* audit = InitLog(*cfg, "audit");
  REQUIRE(audit != nullptr);
  CHECK(audit->path == logs + "audit*.log");
  CHECK(audit->format == LogFormat::kWso2Audit);
  const LogSpec* access = InitLog(*cfg, "access");
  REQUIRE(access != nullptr);
  CHECK(access->path == logs + "http_access_*.log");
  CHECK(access->format == LogFormat::kTomcatAccess);
  REQUIRE(cfg->targets.size() == 1);
  CHECK(cfg->targets[0].pidfile == fs::path(home + "/wso2carbon.pid"));
  CHECK(cfg->targets[0].cmdline == R"(org\.wso2\.carbon\.bootstrap\.Bootstrap)");
  CHECK(cfg->state_dir == fs::path(host.options.state_dir));
  CHECK(cfg->api.token_file == fs::path(host.options.token_file));
  CHECK(cfg->listen.port == 9860);
  CHECK(cfg->rule_paths.size() >= 5);

  SECTION("every derived value says where it came from") {
    const std::string& t = r.config;
    CHECK(InitLineWith(t, "# product:") ==
          "# product: WSO2 API Manager 4.2.0 (from updates/product.txt (\"wso2am-4.2.0\"))");
    CHECK(InitLineWith(t, "# node role:") ==
          "# node role: gateway-worker (from repository/conf/deployment.toml: [server] "
          "server_role)");
    CHECK(InitLineWith(t, "# APIM_HOME:") == "# APIM_HOME: " + home + " (from --apim-home)");
    CHECK(InitLineWith(t, "path: " + logs + "wso2carbon*.log") ==
          "    path: " + logs +
              "wso2carbon*.log  # from repository/conf/log4j2.properties: "
              "appender.CARBON_LOGFILE.fileName and appender.CARBON_LOGFILE.filePattern "
              "(rotated to wso2carbon-%d{MM-dd-yyyy}-%i.log)");
    CHECK(InitLineWith(t, "exclude:") ==
          "    exclude: ['wso2carbon-trace-messages*.log']  # from "
          "repository/conf/log4j2.properties: other logs the glob would match "
          "(appender.CARBON_TRACE_LOGFILE.fileName)");
    CHECK(InitLineWith(t, "format: wso2-carbon") ==
          "    format: wso2-carbon  # from repository/conf/log4j2.properties: "
          "appender.CARBON_LOGFILE.layout.pattern \"TID: [%tenantId] [%appName] [%d] %5p {%c} "
          "- %m%ex%n\": the WSO2 3.x/4.x carbon layout");
    CHECK(InitLineWith(t, "format: wso2-errors")
              .find("# from repository/conf/log4j2.properties: "
                    "appender.ERROR_LOGFILE.layout.pattern") != std::string::npos);
    CHECK(InitLineWith(t, "format: tomcat-access")
              .find("# from the APIM 3.x/4.x default pattern \"%h %l %u") != std::string::npos);
    CHECK(InitLineWith(t, "path: " + logs + "http_access_*.log") ==
          "    path: " + logs +
              "http_access_*.log  # from the APIM 3.x/4.x default directory, prefix, suffix: "
              "http_access_<yyyy-MM-dd>.log in ${carbon.home}/repository/logs (Tomcat dates the "
              "active file's name)");
    CHECK(InitLineWith(t, "pidfile:").find("# from APIM_HOME") != std::string::npos);
    CHECK(InitLineWith(t, "cmdline:").find("# the WSO2 JVM's main class") != std::string::npos);
    CHECK(InitLineWith(t, "state_dir:").find("# from --state-dir") != std::string::npos);
    CHECK(InitLineWith(t, "rule_files:").find("# from --rules") != std::string::npos);
  }
  SECTION("check-config accepts it with and without host checks") {
    std::string text;
    CHECK(InitCheckConfig(host.options.out, false, &text) == 0);
    INFO(text);
    CHECK(InitCheckConfig(host.options.out, true, &text) == 0);
    INFO(text);
    CHECK(text.find(": OK (1 target(s), 4 log(s)") != std::string::npos);
  }
  SECTION("stderr says what was found and where the config went") {
    CHECK(r.err.find("init: WSO2 API Manager 4.2.0 (from updates/product.txt") !=
          std::string::npos);
    CHECK(r.err.find("init: wrote " + host.options.out) != std::string::npos);
    CHECK(r.err.find("\nPermissions for this install") != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("init reads the 3.2.0 install (version from bin/version.txt)", "[init]") {
  InitHost host;
  host.options.apim_home = InitFixture("wso2am-3.2.0");
  InitRun r = InitRunWith(host.options);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string logs = InitFixture("wso2am-3.2.0") + "/repository/logs/";
  auto cfg = ParseConfig(r.config, host.options.out);
  REQUIRE(cfg.ok());
  CHECK(InitLog(*cfg, "carbon")->path == logs + "wso2carbon*.log");
  CHECK(InitLog(*cfg, "carbon")->format == LogFormat::kWso2Carbon);
  CHECK(InitLog(*cfg, "gw-errors")->format == LogFormat::kWso2Errors);
  CHECK(InitLog(*cfg, "audit")->format == LogFormat::kWso2Audit);
  CHECK(InitLog(*cfg, "access")->path == logs + "http_access_*.log");
  CHECK(InitLineWith(r.config, "# product:") ==
        "# product: WSO2 API Manager 3.2.0 (from bin/version.txt (\"WSO2 API Manager v3.2.0\"))");
  CHECK(InitLineWith(r.config, "# node role:") ==
        "# node role: default (from repository/conf/deployment.toml: [server] server_role)");
  CHECK(InitLineWith(r.config, "path: " + logs + "wso2carbon*.log")
            .find("rotated to wso2carbon-%d{MM-dd-yyyy}.log") != std::string::npos);
  std::string text;
  CHECK(InitCheckConfig(host.options.out, true, &text) == 0);
  INFO(text);
}

TEST_CASE("init reads the 2.6.0 install from log4j.properties and catalina-server.xml", "[init]") {
  InitHost host;
  host.options.apim_home = InitFixture("wso2am-2.6.0");
  InitRun r = InitRunWith(host.options);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string logs = InitFixture("wso2am-2.6.0") + "/repository/logs/";
  auto cfg = ParseConfig(r.config, host.options.out);
  REQUIRE(cfg.ok());
  REQUIRE(cfg->logs.size() == 4);
  // DailyRollingFileAppender: wso2carbon.log.yyyy-MM-dd.
  CHECK(InitLog(*cfg, "carbon")->path == logs + "wso2carbon.log*");
  CHECK(InitLog(*cfg, "carbon")->format == LogFormat::kWso2Carbon);
  // FileAppender: never rotated.
  CHECK(InitLog(*cfg, "gw-errors")->path == logs + "wso2-apigw-errors.log");
  CHECK(InitLog(*cfg, "gw-errors")->format == LogFormat::kWso2Errors);
  CHECK(InitLog(*cfg, "audit")->path == logs + "audit.log*");
  CHECK(InitLog(*cfg, "audit")->format == LogFormat::kWso2Audit);
  CHECK(InitLog(*cfg, "access")->path == logs + "http_access_*.log");
  CHECK(InitLog(*cfg, "access")->format == LogFormat::kTomcatAccess);
  const std::string& t = r.config;
  CHECK(InitLineWith(t, "# product:") ==
        "# product: WSO2 API Manager 2.6.0 (from the directory name wso2am-2.6.0)");
  CHECK(InitLineWith(t, "# node role:").find("not stated") != std::string::npos);
  CHECK(InitLineWith(t, "# log layouts:") ==
        "# log layouts: from repository/conf/log4j.properties");
  CHECK(InitLineWith(t, "path: " + logs + "wso2-apigw-errors.log") ==
        "    path: " + logs +
            "wso2-apigw-errors.log  # from repository/conf/log4j.properties: "
            "log4j.appender.ERROR_LOGFILE.File (not rotated)");
  CHECK(InitLineWith(t, "path: " + logs + "wso2carbon.log*")
            .find("log4j.appender.CARBON_LOGFILE.File and log4j.appender.CARBON_LOGFILE, a "
                  "DailyRollingFileAppender (rotated to wso2carbon.log.yyyy-MM-dd, the default "
                  "DatePattern)") != std::string::npos);
  CHECK(InitLineWith(t, "format: wso2-carbon").find("the WSO2 2.6 carbon layout") !=
        std::string::npos);
  CHECK(InitLineWith(t, "format: wso2-audit").find("the WSO2 2.6 audit layout") !=
        std::string::npos);
  CHECK(InitLineWith(t, "format: tomcat-access")
            .find("repository/conf/tomcat/catalina-server.xml: AccessLogValve pattern "
                  "\"combined\"") != std::string::npos);
  CHECK(
      InitLineWith(t, "path: " + logs + "http_access_*.log")
          .find("# from repository/conf/tomcat/catalina-server.xml: AccessLogValve directory, "
                "prefix, suffix: http_access_<yyyy-MM-dd>.log in ${carbon.home}/repository/logs") !=
      std::string::npos);
  // ${instance.log} is unset: log4j 1.2 writes it as empty.
  CHECK(t.find("# note: log4j.appender.CARBON_LOGFILE.File: ${instance.log} is not set") !=
        std::string::npos);
  std::string text;
  CHECK(InitCheckConfig(host.options.out, true, &text) == 0);
  INFO(text);
}

TEST_CASE("init translates a customised layout into format custom", "[init]") {
  InitHost host;
  host.options.apim_home = InitFixture("wso2am-4.2.0-custom");
  InitRun r = InitRunWith(host.options);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string logs = InitFixture("wso2am-4.2.0-custom") + "/repository/logs/";
  auto cfg = ParseConfig(r.config, host.options.out);
  REQUIRE(cfg.ok());
  const LogSpec* carbon = InitLog(*cfg, "carbon");
  REQUIRE(carbon != nullptr);
  CHECK(carbon->format == LogFormat::kCustom);
  CHECK(carbon->entry_start ==
        R"(^\[(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3})\] \[[^\]]*\] )"
        R"((?P<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) {0,1} (?P<logger>[^\s]*) - )");
  const LogSpec* audit = InitLog(*cfg, "audit");
  REQUIRE(audit != nullptr);
  CHECK(audit->format == LogFormat::kCustom);
  CHECK(audit->timezone.Name() == TimeZone::Utc().Name());
  CHECK(InitLog(*cfg, "gw-errors")->format == LogFormat::kWso2Errors);
  const LogSpec* access = InitLog(*cfg, "access");
  REQUIRE(access != nullptr);
  CHECK(access->path == logs + "access_*.txt");
  CHECK(access->format == LogFormat::kTomcatAccess);

  const std::string& t = r.config;
  CHECK(InitLineWith(t, "format: custom") ==
        "    format: custom  # from repository/conf/log4j2.properties: "
        "appender.CARBON_LOGFILE.layout.pattern \"[%d{yyyy-MM-dd HH:mm:ss.SSS}] [%t] %-5p %c{1} "
        "- %m%ex%n\": not a WSO2 default layout");
  CHECK(InitLineWith(t, "entry_start: '^\\[(?P<time>") ==
        "    entry_start: '" + carbon->entry_start +
            "'  # translated from that pattern's part before the message: \"[%d{yyyy-MM-dd "
            "HH:mm:ss.SSS}] [%t] %-5p %c{1} - \"");
  CHECK(InitLineWith(t, "timezone:") ==
        "    timezone: UTC  # from repository/conf/log4j2.properties: "
        "appender.AUDIT_LOGFILE.layout.pattern (the zone of its %d)");
  CHECK(InitLineWith(t, "path: " + logs + "access_*.txt")
            .find("# from the APIM 3.x/4.x default directory; repository/conf/deployment.toml: "
                  "[http_access_log] prefix, suffix: access_<yyyy-MM-dd>.txt in") !=
        std::string::npos);
  CHECK(t.find("# note: rules that pick their logs by `source:`") != std::string::npos);

  SECTION("the entry start reads the lines that layout prints") {
    auto rf = RecordFormat::Create(LogFormat::kCustom, carbon->entry_start);
    REQUIRE(rf.ok());
    EntryHeader h;
    REQUIRE((*rf)->Match(
        "[2024-11-16 02:14:07.512] [PassThroughMessageProcessor-3] WARN  TargetHandler - "
        "ERROR_CODE = 101504",
        &h));
    CHECK(h.level == Level::kWarn);
    CHECK(h.logger == "TargetHandler");
    CHECK(h.civil.millis == 512);
    CHECK_FALSE((*rf)->Match("\tat org.apache.synapse.X.y(X.java:1)", &h));
  }
  SECTION("check-config accepts it") {
    std::string text;
    CHECK(InitCheckConfig(host.options.out, true, &text) == 0);
    INFO(text);
  }
}

TEST_CASE("init refuses an unknown conversion and names it", "[init]") {
  InitHost host;
  const fs::path home = host.dir / "wso2am-4.2.0";
  fs::copy(InitFixture("wso2am-4.2.0"), home, fs::copy_options::recursive);
  const fs::path props = home / "repository/conf/log4j2.properties";
  std::string text = InitReadAll(props);
  const std::string from = "TID: [%tenantId] [%appName] [%d] %5p {%c} - %m%ex%n";
  text.replace(text.find(from), from.size(), "TID: [%tenantId] [%K] [%d] %5p {%c} - %m%ex%n");
  host.dir.Write("wso2am-4.2.0/repository/conf/log4j2.properties", text);
  host.options.apim_home = home.string();
  InitRun r = InitRunWith(host.options);
  CHECK(r.code == 1);
  CHECK(r.err ==
        "init: repository/conf/log4j2.properties: unsupported conversion pattern %K in "
        "appender.CARBON_LOGFILE.layout.pattern \"TID: [%tenantId] [%K] [%d] %5p {%c} - "
        "%m%ex%n\"\ninit: nothing written\n");
  CHECK_FALSE(fs::exists(host.options.out));
}

TEST_CASE("init leaves out an access log that goes through log4j", "[init]") {
  InitHost host;
  const fs::path home = host.dir / "apim";
  fs::copy(InitFixture("wso2am-4.2.0"), home, fs::copy_options::recursive);
  std::ofstream(home / "repository/conf/deployment.toml", std::ios::app)
      << "\n[http_access_log]\nuseLogger = true\n";
  host.options.apim_home = home.string();
  InitRun r = InitRunWith(host.options);
  REQUIRE(r.code == 0);
  CHECK(r.config.find("- name: access") == std::string::npos);
  CHECK(r.config.find("# note: no Tomcat access log: repository/conf/deployment.toml: "
                      "[http_access_log] useLogger = true") != std::string::npos);
  // The version now comes from the directory name? No: updates/product.txt is still there.
  CHECK(InitLineWith(r.config, "# product:").find("updates/product.txt") != std::string::npos);
}

TEST_CASE("init writes to stdout and will not replace a file without --force", "[init]") {
  InitHost host;
  host.options.apim_home = InitFixture("wso2am-4.2.0");
  SECTION("stdout") {
    host.options.out = "";
    InitRun r = InitRunWith(host.options);
    CHECK(r.code == 0);
    CHECK(r.out.starts_with("# cutover-guard configuration for the WSO2 API Manager at "));
    CHECK(r.err.find("check-config --config FILE") != std::string::npos);
  }
  SECTION("an existing file") {
    host.dir.Write("config.yaml", "mine\n");
    InitRun r = InitRunWith(host.options);
    CHECK(r.code == 1);
    CHECK(r.err == "init: " + host.options.out + " exists; use --force to replace it\n");
    CHECK(InitReadAll(host.options.out) == "mine\n");
    host.options.force = true;
    CHECK(InitRunWith(host.options).code == 0);
    CHECK(InitReadAll(host.options.out).starts_with("# cutover-guard configuration"));
  }
  SECTION("without --rules, --state-dir, --token-file: the installed paths") {
    host.options.rule_files.clear();
    host.options.state_dir.clear();
    host.options.token_file.clear();
    InitRun r = InitRunWith(host.options);
    REQUIRE(r.code == 0);
    CHECK(r.config.find("\n  - /usr/share/cutover-guard/rules/wso2-apim/*.yaml\n  - "
                        "/etc/cutover-guard/rules.d/*.yaml\n") != std::string::npos);
    CHECK(r.config.find("\nstate_dir: /var/lib/cutover-guard  # checkpoints and the alert "
                        "spool\n") != std::string::npos);
    CHECK(r.config.find("\n  token_file: /etc/cutover-guard/api-token  # ") != std::string::npos);
    if (!fs::exists("/usr/share/cutover-guard/rules/wso2-apim")) {
      // Without the package the rule globs match nothing: check-config says so.
      std::string text;
      CHECK(InitCheckConfig(host.options.out, false, &text) == 1);
      CHECK(text.find("rule_files: no rules loaded") != std::string::npos);
    }
  }
}

TEST_CASE("init says so when the install is not an APIM home", "[init]") {
  InitHost host;
  host.options.apim_home = (host.dir / "state").string();
  fs::create_directories(host.options.apim_home);
  InitRun r = InitRunWith(host.options);
  CHECK(r.code == 1);
  CHECK(r.err.find("neither repository/conf/log4j2.properties nor "
                   "repository/conf/log4j.properties exists") != std::string::npos);
  host.options.apim_home = (host.dir / "missing").string();
  CHECK(InitRunWith(host.options).err.find(": not a directory") != std::string::npos);
}

// --- Finding the WSO2 JVM --------------------------------------------------------------------

TEST_CASE("init finds the Bootstrap JVM in /proc", "[init][discovery]") {
  InitHost host;
  const std::string home = InitFixture("wso2am-4.2.0");
  const std::string java = "/usr/lib/jvm/java-11/bin/java";
  host.AddProcess(1, {"/sbin/init"});
  host.AddProcess(77, {"/bin/sh", home + "/bin/api-manager.sh", "start"});
  host.options.apim_home.clear();

  SECTION("none") {
    InitRun r = InitRunWith(host.options);
    CHECK(r.code == 1);
    CHECK(r.err == "init: no running WSO2 JVM found: no process under " + host.options.proc_root +
                       " runs org.wso2.carbon.bootstrap.Bootstrap; start WSO2, or name the "
                       "install with --apim-home DIR\n");
  }
  SECTION("one") {
    host.AddProcess(4242, {java, "-Xms256m", "-Dcarbon.home=" + home, "-Dprofile=gateway-worker",
                           "-Dwso2.server.standalone=true", "org.wso2.carbon.bootstrap.Bootstrap",
                           "-Dprofile=gateway-worker"});
    InitRun r = InitRunWith(host.options);
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(InitLineWith(r.config, "# APIM_HOME:") ==
          "# APIM_HOME: " + home + " (from the running JVM, pid 4242: -Dcarbon.home=" + home + ")");
    CHECK(r.err.find("init: APIM_HOME " + home + " (from the running JVM, pid 4242") !=
          std::string::npos);
    auto jvms = FindApimJvms(host.options.proc_root, SystemStat, 0);
    REQUIRE(jvms.ok());
    REQUIRE(jvms->size() == 1);
    CHECK((*jvms)[0].pid == 4242);
    CHECK((*jvms)[0].carbon_home == home);
    CHECK((*jvms)[0].profile == "gateway-worker");
    CHECK((*jvms)[0].has_owner);
    CHECK((*jvms)[0].uid == ::geteuid());
  }
  SECTION("several processes of one install are one install") {
    host.AddProcess(4242,
                    {java, "-Dcarbon.home=" + home + "/", "org.wso2.carbon.bootstrap.Bootstrap"});
    host.AddProcess(4300, {java, "-Dcarbon.home=" + home, "org.wso2.carbon.bootstrap.Bootstrap"});
    InitRun r = InitRunWith(host.options);
    CHECK(r.code == 0);
    CHECK(InitLineWith(r.config, "# APIM_HOME:").find("pid 4242") != std::string::npos);
  }
  SECTION("several installs: an error listing them, and --apim-home picks one") {
    const std::string other = InitFixture("wso2am-3.2.0");
    host.AddProcess(4242, {java, "-Dcarbon.home=" + home, "org.wso2.carbon.bootstrap.Bootstrap"});
    host.AddProcess(5151, {java, "-Dcarbon.home=" + other, "org.wso2.carbon.bootstrap.Bootstrap"});
    InitRun r = InitRunWith(host.options);
    CHECK(r.code == 1);
    CHECK(
        r.err.starts_with("init: several WSO2 installs are running; name one with "
                          "--apim-home DIR:\n  pid 4242 (user "));
    CHECK(r.err.find("): -Dcarbon.home=" + home + "\n") != std::string::npos);
    CHECK(r.err.find("  pid 5151 (user ") != std::string::npos);
    CHECK(r.err.find("): -Dcarbon.home=" + other + "\n") != std::string::npos);
    host.options.apim_home = home;
    InitRun picked = InitRunWith(host.options);
    REQUIRE(picked.code == 0);
    CHECK(InitLineWith(picked.config, "# APIM_HOME:") ==
          "# APIM_HOME: " + home + " (from --apim-home; running as pid 4242)");
    // The pattern must not pick the other install's JVM.
    CHECK(InitLineWith(picked.config, "cmdline:") ==
          "    cmdline: '-Dcarbon\\.home=" + home.substr(0, home.find("wso2am-4.2.0")) +
              "wso2am-4\\.2\\.0\\x00.*org\\.wso2\\.carbon\\.bootstrap\\.Bootstrap'  # the main "
              "class and this install's -Dcarbon.home: 1 other process(es) here run the WSO2 main "
              "class");
    auto cfg = ParseConfig(picked.config, host.options.out);
    REQUIRE(cfg.ok());
    auto m = proc::CmdlineMatcher::Create(cfg->targets[0].cmdline);
    REQUIRE(m.ok());
    CHECK((*m)->Matches(java + '\0' + "-Dcarbon.home=" + home + '\0' +
                        "org.wso2.carbon.bootstrap.Bootstrap" + '\0'));
    CHECK_FALSE((*m)->Matches(java + '\0' + "-Dcarbon.home=" + other + '\0' +
                              "org.wso2.carbon.bootstrap.Bootstrap" + '\0'));
  }
  SECTION("a relative carbon.home is relative to the JVM's cwd") {
    host.AddProcess(4242, {java, "-Dcarbon.home=.", "org.wso2.carbon.bootstrap.Bootstrap"});
    fs::create_directory_symlink(home, host.dir / "proc/4242/cwd");
    auto jvms = FindApimJvms(host.options.proc_root, SystemStat, 0);
    REQUIRE(jvms.ok());
    REQUIRE(jvms->size() == 1);
    CHECK((*jvms)[0].carbon_home == home);
    CHECK((*jvms)[0].carbon_home_arg == ".");
  }
  SECTION("a JVM without -Dcarbon.home") {
    host.AddProcess(4242, {java, "org.wso2.carbon.bootstrap.Bootstrap"});
    InitRun r = InitRunWith(host.options);
    CHECK(r.code == 1);
    CHECK(r.err.find("the WSO2 JVM does not say where its install is:\n  pid 4242") !=
          std::string::npos);
    CHECK(r.err.find(": no -Dcarbon.home on its command line") != std::string::npos);
  }
  SECTION("a process that only names the main class is not an install, but is kept apart") {
    host.AddProcess(4242, {java, "-Dcarbon.home=" + home, "org.wso2.carbon.bootstrap.Bootstrap"});
    host.AddProcess(900, {"/usr/bin/demo-sim", "--as", "org.wso2.carbon.bootstrap.Bootstrap"});
    InitRun r = InitRunWith(host.options);
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(InitLineWith(r.config, "# APIM_HOME:").find("pid 4242") != std::string::npos);
    CHECK(InitLineWith(r.config, "cmdline:").find("'-Dcarbon\\.home=") != std::string::npos);
  }
  SECTION("cutover-guard itself is never the JVM") {
    host.AddProcess(4242, {java, "-Dcarbon.home=" + home, "org.wso2.carbon.bootstrap.Bootstrap"});
    host.options.self_pid = 4242;
    CHECK(InitRunWith(host.options).code == 1);
  }
}

// --- Parsers of the install's files ----------------------------------------------------------

TEST_CASE("java properties and toml values as the install writes them", "[init]") {
  auto p = ParseJavaProperties(
      "# comment\n! also\n  a = 1\nb:2\nc 3\nd=x \\\n   y\ne = tab\\tnl\\n\\u0041\\=\n"
      "appender.X.fileName =${sys:carbon.home}/x.log\nf=trailing  \r\n");
  CHECK(p.at("a") == "1");
  CHECK(p.at("b") == "2");
  CHECK(p.at("c") == "3");
  CHECK(p.at("d") == "x y");
  CHECK(p.at("e") == "tab\tnl\nA=");
  CHECK(p.at("appender.X.fileName") == "${sys:carbon.home}/x.log");
  CHECK(p.at("f") == "trailing  ");
  CHECK(p.count("# comment") == 0);

  const std::string toml =
      "title = \"x\"\n[server]\nhostname = \"localhost\" # c\nserver_role = 'gateway-worker'\n"
      "offset = 10\n[apim.throttling]\nurls = [\n  \"a\",\n  \"b\",\n]\nserver_role = \"no\"\n"
      "[[apim.gateway.environment]]\nname = \"x\"\n";
  CHECK(TomlValue(toml, "", "title") == "x");
  CHECK(TomlValue(toml, "server", "hostname") == "localhost");
  CHECK(TomlValue(toml, "server", "server_role") == "gateway-worker");
  CHECK(TomlValue(toml, "server", "offset") == "10");
  CHECK(TomlValue(toml, "apim.throttling", "server_role") == "no");
  CHECK(TomlValue(toml, "apim.gateway.environment", "name") == "x");
  CHECK_FALSE(TomlValue(toml, "server", "missing").has_value());
}

// --- Permission advice -----------------------------------------------------------------------

namespace {

struct InitFakeFs {
  std::map<std::string, StatInfo> entries;
  void Dir(const std::string& p, uid_t uid, gid_t gid, mode_t mode, const char* owner = "wso2",
           const char* group = "wso2") {
    entries[p] = StatInfo{uid, gid, static_cast<mode_t>(S_IFDIR | mode), owner, group};
  }
  void File(const std::string& p, uid_t uid, gid_t gid, mode_t mode) {
    entries[p] = StatInfo{uid, gid, static_cast<mode_t>(S_IFREG | mode), "wso2", "wso2"};
  }
  StatFn Fn() const {
    return [this](const fs::path& p, StatInfo* out) {
      auto it = entries.find(p.string());
      if (it == entries.end()) return ENOENT;
      *out = it->second;
      return 0;
    };
  }
};

// /opt/wso2/wso2am-4.2.0/repository/logs owned by wso2 (uid 1001, gid 1001) with `log_mode`.
InitFakeFs InitWso2Tree(mode_t log_mode, const std::string& root = "/opt/wso2") {
  InitFakeFs f;
  f.Dir("/", 0, 0, 0755, "root", "root");
  f.Dir(root.substr(0, root.rfind('/')), 0, 0, 0755, "root", "root");
  f.Dir(root, 1001, 1001, 0755);
  f.Dir(root + "/wso2am-4.2.0", 1001, 1001, 0755);
  f.Dir(root + "/wso2am-4.2.0/repository", 1001, 1001, 0755);
  f.Dir(root + "/wso2am-4.2.0/repository/logs", 1001, 1001, log_mode);
  f.File(root + "/wso2am-4.2.0/repository/logs/wso2carbon.log", 1001, 1001, 0640);
  return f;
}

AccessFacts InitFacts(const std::string& root = "/opt/wso2") {
  AccessFacts facts;
  facts.apim_home = root + "/wso2am-4.2.0";
  facts.log_dir = root + "/wso2am-4.2.0/repository/logs";
  facts.log_files = {root + "/wso2am-4.2.0/repository/logs/wso2carbon.log"};
  facts.daemon_user = UserIdentity{"cutover-guard", 998, 998, {998}};
  ApimJvm jvm;
  jvm.pid = 4242;
  jvm.has_owner = true;
  jvm.uid = 1001;
  jvm.user = "wso2";
  facts.jvm = jvm;
  return facts;
}

}  // namespace

TEST_CASE("init advice: the log group and its drop-in", "[init][access]") {
  InitFakeFs fs_tree = InitWso2Tree(0750);
  AccessFacts facts = InitFacts();
  auto advice = AccessAdvice(facts, fs_tree.Fn());
  REQUIRE(advice.size() == 2);
  CHECK(advice[0] ==
        "the logs in /opt/wso2/wso2am-4.2.0/repository/logs are not readable by user "
        "\"cutover-guard\"; give it the group that owns them (wso2):\n"
        "    sudo usermod -aG wso2 cutover-guard\n"
        "    sudo mkdir -p /etc/systemd/system/cutover-guard.service.d && printf "
        "'[Service]\\nSupplementaryGroups=wso2\\n' | sudo tee "
        "/etc/systemd/system/cutover-guard.service.d/20-wso2-group.conf >/dev/null && sudo "
        "systemctl daemon-reload");
  CHECK(
      advice[1].starts_with("The WSO2 JVM (pid 4242) runs as \"wso2\", not as user "
                            "\"cutover-guard\": counting its open files (/proc/PID/fd) needs "
                            "CAP_DAC_READ_SEARCH (or CAP_SYS_PTRACE)."));
  CHECK(advice[1].find("sudo install -D -m 0644 "
                       "/usr/share/cutover-guard/examples/systemd/30-process-fds.conf "
                       "/etc/systemd/system/cutover-guard.service.d/30-process-fds.conf") !=
        std::string::npos);

  SECTION("already in the group, and the JVM runs as the same user: nothing to do") {
    facts.daemon_user.groups.push_back(1001);
    facts.jvm->uid = 998;
    CHECK(AccessAdvice(facts, fs_tree.Fn()).empty());
  }
  SECTION("a directory the group cannot read, a file the group cannot read") {
    InitFakeFs closed = InitWso2Tree(0700);
    closed.File("/opt/wso2/wso2am-4.2.0/repository/logs/wso2carbon.log", 1001, 1001, 0600);
    auto a = AccessAdvice(facts, closed.Fn());
    REQUIRE(a.size() == 2);
    CHECK(a[0].find("\n    sudo chmod g+rx /opt/wso2/wso2am-4.2.0/repository/logs   # now mode "
                    "0700, owner wso2:wso2") != std::string::npos);
    CHECK(a[0].find("\n    sudo chmod g+r /opt/wso2/wso2am-4.2.0/repository/logs/wso2carbon.log"
                    "   # owner wso2:wso2") != std::string::npos);
    CHECK(a[0].find("umask 027") != std::string::npos);
  }
  SECTION("a parent directory closed to others") {
    InitFakeFs parent = InitWso2Tree(0750);
    parent.Dir("/opt/wso2", 1001, 1002, 0750, "wso2", "staff");
    auto a = AccessAdvice(facts, parent.Fn());
    REQUIRE(a.size() == 2);
    CHECK(a[0].find("\n    sudo chmod o+x /opt/wso2   # now mode 0750, owner wso2:staff") !=
          std::string::npos);
  }
  SECTION("WSO2 not running: the owner of the logs stands for its user") {
    facts.jvm.reset();
    facts.daemon_user.groups.push_back(1001);
    auto a = AccessAdvice(facts, fs_tree.Fn());
    REQUIRE(a.size() == 1);
    CHECK(
        a[0].starts_with("WSO2 is not running; its logs belong to \"wso2\", so it presumably "
                         "runs as that user, not as user \"cutover-guard\""));
  }
}

TEST_CASE("init advice: an install under /home needs the ProtectHome drop-in", "[init][access]") {
  InitFakeFs fs_tree = InitWso2Tree(0750, "/home/wso2");
  AccessFacts facts = InitFacts("/home/wso2");
  facts.daemon_user.groups.push_back(1001);
  facts.jvm->uid = 998;
  auto advice = AccessAdvice(facts, fs_tree.Fn());
  REQUIRE(advice.size() == 1);
  CHECK(advice[0] ==
        "/home/wso2/wso2am-4.2.0 is under /home, /root or /run/user, which the unit hides "
        "(ProtectHome=yes). Let the daemon read it:\n"
        "    sudo install -D -m 0644 "
        "/usr/share/cutover-guard/examples/systemd/10-wso2-under-home.conf "
        "/etc/systemd/system/cutover-guard.service.d/10-wso2-under-home.conf && sudo systemctl "
        "daemon-reload");
}

TEST_CASE("init prints the advice for the install it read", "[init][access]") {
  InitHost host;
  host.options.apim_home = InitFixture("wso2am-4.2.0");
  // The daemon's user is not on this host yet.
  host.options.lookup_user = [](const std::string& name) -> Result<UserIdentity> {
    return Status::Error("no user named \"" + name + "\"");
  };
  const std::string logs = InitFixture("wso2am-4.2.0") + "/repository/logs";
  InitFakeFs fake;
  fake.Dir(logs, 1001, 1001, 0750);
  host.options.stat = [&fake](const fs::path& p, StatInfo* out) {
    if (fake.Fn()(p, out) == 0) return 0;
    return SystemStat(p, out);
  };
  InitRun r = InitRunWith(host.options);
  REQUIRE(r.code == 0);
  CHECK(r.err.find("\nPermissions for this install (user \"cutover-guard\", not on this host "
                   "yet: judged as a user in no group):\n- the logs in " +
                   logs +
                   " are not readable by user \"cutover-guard\"; give it the group that "
                   "owns them (wso2):\n    sudo usermod -aG wso2 cutover-guard\n") !=
        std::string::npos);
  CHECK(r.err.find("- WSO2 is not running; its logs belong to \"wso2\"") != std::string::npos);
}

}  // namespace cg

namespace cg {
namespace {

TEST_CASE("init refuses hostile install files without reading them whole", "[init][hostile]") {
  InitHost host;
  const fs::path home = host.dir / "wso2am-4.2.0";
  fs::copy(InitFixture("wso2am-4.2.0"), home, fs::copy_options::recursive);
  host.options.apim_home = home.string();
  SECTION("a log4j2.properties far over the config size cap") {
    host.dir.Write("wso2am-4.2.0/repository/conf/log4j2.properties",
                   std::string(kMaxConfigFileBytes + 1, 'a'));
    InitRun r = InitRunWith(host.options);
    CHECK(r.code == 1);
    CHECK(r.err.find("repository/conf/log4j2.properties") != std::string::npos);
    CHECK(r.err.find("nothing written") != std::string::npos);
  }
  SECTION("a layout pattern of ten thousand conversions and a NUL-filled version file") {
    std::string pattern;
    for (int i = 0; i < 10000; ++i) pattern += "[%X{k" + std::to_string(i) + "}] ";
    const fs::path props = home / "repository/conf/log4j2.properties";
    std::string text = InitReadAll(props);
    const std::string from = "TID: [%tenantId] [%appName] [%d] %5p {%c} - %m%ex%n";
    text.replace(text.find(from), from.size(), pattern + "%d %5p {%c} - %m%n");
    host.dir.Write("wso2am-4.2.0/repository/conf/log4j2.properties", text);
    host.dir.Write("wso2am-4.2.0/updates/product.txt", std::string(100, '\0'));
    InitRun r = InitRunWith(host.options);
    // A long but legal pattern is translated (a custom entry_start of 10,000 groups that the
    // config loader accepts); the unreadable product.txt only loses its version source.
    INFO(r.err);
    CHECK(r.code == 0);
    REQUIRE(fs::exists(host.options.out));
    auto cfg = LoadConfigFile(host.options.out);
    REQUIRE(cfg.ok());
    CHECK(cfg->logs[0].format == LogFormat::kCustom);
    CHECK(cfg->logs[0].entry_start.find("k9999") == std::string::npos);  // MDC keys not kept.
  }
}

}  // namespace
}  // namespace cg
