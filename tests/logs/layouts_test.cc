// Entry starts of every WSO2 layout under log4j's level padding (%p, %5p, %-5p), the console
// layout (wso2-console), and the carbon fast path against the carbon regex.
#include <re2/re2.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "collectors/logs/carbon_header.h"
#include "collectors/logs/record_assembler.h"
#include "collectors/logs/record_format.h"

namespace cg {
namespace {

std::shared_ptr<const RecordFormat> LayoutsFormat(LogFormat format) {
  auto f = RecordFormat::Create(format, "");
  REQUIRE(f.ok());
  return *f;
}

// log4j's %p conversions of the level.
enum class LayoutsPad { kPlain, kRight5, kLeft5 };  // %p, %5p, %-5p

const char* LayoutsPadName(LayoutsPad p) {
  switch (p) {
    case LayoutsPad::kPlain:
      return "%p";
    case LayoutsPad::kRight5:
      return "%5p";
    case LayoutsPad::kLeft5:
      return "%-5p";
  }
  return "?";
}

// What log4j prints for the level: %5p right-aligns in 5 columns (leading spaces), %-5p
// left-aligns (trailing spaces), %p prints the bare name. A name of 5 letters is never padded.
std::string LayoutsPadLevel(std::string_view level, LayoutsPad pad) {
  std::string s(level);
  if (s.size() >= 5 || pad == LayoutsPad::kPlain) return s;
  const std::string fill(5 - s.size(), ' ');
  return pad == LayoutsPad::kRight5 ? fill + s : s + fill;
}

struct LayoutsLevel {
  std::string_view name;
  Level level;
};
constexpr std::array<LayoutsLevel, 6> kLayoutsLevels = {{
    {"TRACE", Level::kTrace},
    {"DEBUG", Level::kDebug},
    {"INFO", Level::kInfo},
    {"WARN", Level::kWarn},
    {"ERROR", Level::kError},
    {"FATAL", Level::kFatal},
}};

enum class LayoutsKind {
  kCarbon,          // TID: [%tenantId] [%appName] [%d] %5p {%c} - %m%ex%n          (3.x/4.x)
  kCarbon26,        // TID: [%T] [%S] [%d] %P%5p {%c} - %x %m {%c}%n, %P empty      (2.6)
  kCarbon26Tenant,  // ... with %P = "%U%@%D [%T] [%S]" glued to the level           (2.6)
  kErrorsBraces,    // %d{ISO8601} [%X{ip}-%X{host}] [%t] %5p {%c} %m%n               (4.3+)
  kErrorsShort,     // %d{ISO8601} [%X{ip}-%X{host}] [%t] %5p %c{1} %m%n             (2.6-4.2)
  kAudit,           // TID: [%tenantId] [%d] %5p {%c} - %m%ex%n                     (3.x/4.x)
  kAudit26,         // [%d] %P%5p - %x %m %n, %P empty                              (2.6)
  kAudit26Tenant,   // ... with %P                                                   (2.6)
  kConsoleShort,    // [%d] %5p - %c{1} %m%n                                         (console)
  kConsoleBraces,   // [%d] %5p {%c} - %m%n                                          (4.x custom)
  kConsoleTenant,   // [%d] [%tenantId] %5p {%c} - %m%ex%n                          (tm.out shape)
};

constexpr std::array<LayoutsKind, 11> kLayoutsKinds = {
    LayoutsKind::kCarbon,        LayoutsKind::kCarbon26,      LayoutsKind::kCarbon26Tenant,
    LayoutsKind::kErrorsBraces,  LayoutsKind::kErrorsShort,   LayoutsKind::kAudit,
    LayoutsKind::kAudit26,       LayoutsKind::kAudit26Tenant, LayoutsKind::kConsoleShort,
    LayoutsKind::kConsoleBraces, LayoutsKind::kConsoleTenant,
};

struct LayoutsGenerated {
  LogFormat format = LogFormat::kPlain;
  std::string line;
  Level level = Level::kUnknown;
  std::string logger;
  std::string message;  // What Match() must point at: line.substr(message_offset).
  CivilTime civil;
  bool carbon = false;         // A wso2-carbon line (fast path vs regex).
  bool carbon_common = false;  // The common layout the fast path must accept.
  const char* pad = "";        // The conversion that printed the level.
};

std::string LayoutsTimestamp(const CivilTime& t, char sep) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d%c%02d:%02d:%02d,%03d", t.year, t.month, t.day, sep,
                t.hour, t.minute, t.second, t.millis);
  return buf;
}

// A different, valid time per generated line, so that swapped fields show.
CivilTime LayoutsTimeFor(int i) {
  CivilTime t;
  t.year = 2000 + i % 30;
  t.month = 1 + i % 12;
  t.day = 1 + (i * 7) % 28;
  t.hour = (i * 5) % 24;
  t.minute = (i * 11) % 60;
  t.second = (i * 17) % 60;
  t.millis = (i * 137) % 1000;
  return t;
}

// One header line exactly as log4j would print it for the layout.
LayoutsGenerated LayoutsGenerate(LayoutsKind kind, const LayoutsLevel& lv, LayoutsPad pad, int i) {
  LayoutsGenerated g;
  g.civil = LayoutsTimeFor(i);
  g.level = lv.level;
  g.pad = LayoutsPadName(pad);
  const std::string p = LayoutsPadLevel(lv.name, pad);
  const std::string ts = LayoutsTimestamp(g.civil, ' ');
  const std::string full = "org.wso2.carbon.core.internal.StartupFinalizerServiceComponent";
  switch (kind) {
    case LayoutsKind::kCarbon:
      g.format = LogFormat::kWso2Carbon;
      g.carbon = g.carbon_common = true;
      g.logger = full;
      g.message = "WSO2 Carbon started in 48 sec";
      g.line = "TID: [-1234] [] [" + ts + "] " + p + " {" + full + "} - " + g.message;
      break;
    case LayoutsKind::kCarbon26:
      g.format = LogFormat::kWso2Carbon;
      g.carbon = g.carbon_common = true;
      g.logger = "org.wso2.carbon.registry.core.dataaccess.TransactionManager";
      // "- %x %m {%c}" with an empty NDC: the message keeps the space %x leaves.
      g.message = " Failed to start transaction {" + g.logger + "}";
      g.line = "TID: [-1234] [] [" + ts + "] " + p + " {" + g.logger + "} - " + g.message;
      break;
    case LayoutsKind::kCarbon26Tenant: {
      g.format = LogFormat::kWso2Carbon;
      g.carbon = true;
      g.logger = "org.apache.synapse.transport.passthru.TargetHandler";
      g.message = " I/O error: Connection reset by peer {" + g.logger + "}";
      // %P%5p: nothing between the tenant's "[server]" and the level, so a five-letter level
      // is glued to it ("[AM]ERROR") while a four-letter one keeps %5p's space ("[AM] INFO").
      const std::string tenant =
          i % 2 == 0 ? "@tenant.com [13529] [AM]" : "admin@wso2.com [1] [AM]";
      g.line = "TID: [13529] [] [" + ts + "] " + tenant + p + " {" + g.logger + "} - " + g.message;
      break;
    }
    case LayoutsKind::kErrorsBraces:
      g.format = LogFormat::kWso2Errors;
      g.logger = "org.apache.synapse.transport.passthru.TargetHandler";
      g.message = "ERROR_CODE = 101504, ERROR_MESSAGE = Connection timed out";
      g.line = LayoutsTimestamp(g.civil, 'T') + " [-] [HTTP-Sender I/O dispatcher-3] " + p + " {" +
               g.logger + "} " + g.message;
      break;
    case LayoutsKind::kErrorsShort:
      g.format = LogFormat::kWso2Errors;
      g.logger = "ConnectCallback";
      g.message = "Connection refused or failed for : localhost/127.0.0.1:8243";
      // log4j 1.2's ISO8601 (2.6) has a space where log4j2's has the T: both occur.
      g.line = LayoutsTimestamp(g.civil, i % 2 == 0 ? 'T' : ' ') +
               " [-] [PassThroughMessageProcessor-3] " + p + " " + g.logger + " " + g.message;
      break;
    case LayoutsKind::kAudit:
      g.format = LogFormat::kWso2Audit;
      g.logger = "AUDIT_LOG";
      g.message = R"({"performedBy":"admin","action":"created","typ":"API","info":"{}"})";
      g.line = "TID: [-1234] [" + ts + "] " + p + " {AUDIT_LOG} - " + g.message;
      break;
    case LayoutsKind::kAudit26:
      g.format = LogFormat::kWso2Audit;
      // "- %x %m %n": the empty NDC's space before, and a space after the message.
      g.message = " 'admin@carbon.super [-1234]' logged in at [2019-03-15 10:24:07,882+0000] ";
      g.line = "[" + ts + "] " + p + " - " + g.message;
      break;
    case LayoutsKind::kAudit26Tenant:
      g.format = LogFormat::kWso2Audit;
      g.message = " Initiator : admin | Action : Change Password | Result : Success ";
      g.line = "[" + ts + "] admin@carbon.super [-1234] [AM]" + p + " - " + g.message;
      break;
    case LayoutsKind::kConsoleShort:
      g.format = LogFormat::kWso2Console;
      g.logger = "ServerStartupObserver";
      g.message = "Server           : WSO2 API Manager-4.2.0";
      g.line = "[" + ts + "] " + p + " - " + g.logger + " " + g.message;
      break;
    case LayoutsKind::kConsoleBraces:
      g.format = LogFormat::kWso2Console;
      g.logger = "org.wso2.carbon.apimgt.impl.APIManagerComponent";
      g.message = "Error while initializing the API manager component";
      g.line = "[" + ts + "] " + p + " {" + g.logger + "} - " + g.message;
      break;
    case LayoutsKind::kConsoleTenant:
      g.format = LogFormat::kWso2Console;
      g.logger = "com.atomikos.icatch.imp.TransactionServiceImp";
      g.message = "USING com.atomikos.icatch.default_max_timeout = 300000";
      g.line = "[" + ts + "] [" + (i % 2 == 0 ? "-1234" : "") + "] " + p + " {" + g.logger +
               "} - " + g.message;
      break;
  }
  return g;
}

std::vector<LayoutsGenerated> LayoutsAllGenerated() {
  std::vector<LayoutsGenerated> out;
  int i = 0;
  for (LayoutsKind kind : kLayoutsKinds) {
    for (const auto& lv : kLayoutsLevels) {
      for (LayoutsPad pad : {LayoutsPad::kPlain, LayoutsPad::kRight5, LayoutsPad::kLeft5}) {
        out.push_back(LayoutsGenerate(kind, lv, pad, i++));
      }
    }
  }
  return out;
}

// The carbon regex run directly, turned into the fields RecordFormat fills from it.
bool LayoutsCarbonByRegex(const re2::RE2& re, std::string_view line, EntryHeader* h) {
  *h = EntryHeader{};
  re2::StringPiece g[4];
  if (!re.Match(line, 0, line.size(), re2::RE2::ANCHOR_START, g, 4)) return false;
  h->has_time = ParseLogTimestamp(std::string_view(g[1].data(), g[1].size()), &h->civil);
  h->level = ParseLevel(std::string_view(g[2].data(), g[2].size()));
  h->logger = std::string_view(g[3].data(), g[3].size());
  h->message_offset = g[0].size();
  return true;
}

re2::RE2::Options LayoutsLatin1() {
  re2::RE2::Options o;
  o.set_encoding(re2::RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  return o;
}

void LayoutsCheckCivil(const CivilTime& got, const CivilTime& want) {
  CHECK(got.year == want.year);
  CHECK(got.month == want.month);
  CHECK(got.day == want.day);
  CHECK(got.hour == want.hour);
  CHECK(got.minute == want.minute);
  CHECK(got.second == want.second);
  CHECK(got.millis == want.millis);
}

struct LayoutsConsoleCase {
  std::string line;
  Level level;
  std::string logger, message;
  CivilTime civil;
};

}  // namespace

TEST_CASE("the level padder prints what log4j prints", "[collectors][logs][layouts]") {
  CHECK(LayoutsPadLevel("INFO", LayoutsPad::kRight5) == " INFO");
  CHECK(LayoutsPadLevel("INFO", LayoutsPad::kLeft5) == "INFO ");
  CHECK(LayoutsPadLevel("INFO", LayoutsPad::kPlain) == "INFO");
  CHECK(LayoutsPadLevel("ERROR", LayoutsPad::kRight5) == "ERROR");
  CHECK(LayoutsPadLevel("ERROR", LayoutsPad::kLeft5) == "ERROR");
  // The glued 2.6 case: %P%5p.
  CHECK("[AM]" + LayoutsPadLevel("ERROR", LayoutsPad::kRight5) == "[AM]ERROR");
  CHECK("[AM]" + LayoutsPadLevel("WARN", LayoutsPad::kRight5) == "[AM] WARN");
  const auto all = LayoutsAllGenerated();
  CHECK(all.size() == 11 * 6 * 3);
}

TEST_CASE("console entry starts yield time level logger and message in both forms",
          "[collectors][logs][layouts]") {
  auto f = LayoutsFormat(LogFormat::kWso2Console);
  CHECK_FALSE(f->line_per_record());
  CHECK(f->format() == LogFormat::kWso2Console);
  auto c = GENERATE(values<LayoutsConsoleCase>({
      // [%d] %5p - %c{1} %m (2.x/3.x/4.x default).
      {"[2023-04-28 13:34:38,644] ERROR - ShortClassName Message text",
       Level::kError,
       "ShortClassName",
       "Message text",
       {2023, 4, 28, 13, 34, 38, 644}},
      {"[2023-04-28 13:34:39,001]  INFO - CarbonCoreActivator Starting WSO2 Carbon...",
       Level::kInfo,
       "CarbonCoreActivator",
       "Starting WSO2 Carbon...",
       {2023, 4, 28, 13, 34, 39, 1}},
      {"[2023-04-28 13:34:39,002]  WARN - ValidationResultPrinter Carbon is configured to use the "
       "default keystore",
       Level::kWarn,
       "ValidationResultPrinter",
       "Carbon is configured to use the default keystore",
       {2023, 4, 28, 13, 34, 39, 2}},
      // The short logger at the end of the line (empty message).
      {"[2023-04-28 13:34:39,003] DEBUG - ServerStartupObserver",
       Level::kDebug,
       "ServerStartupObserver",
       "",
       {2023, 4, 28, 13, 34, 39, 3}},
      // [%d] %5p {%c} - %m (4.x customised).
      {"[2024-02-01 10:11:12,345] ERROR {org.wso2.x.Y} - msg",
       Level::kError,
       "org.wso2.x.Y",
       "msg",
       {2024, 2, 1, 10, 11, 12, 345}},
      {"[2024-02-01 10:11:12,346]  INFO {org.wso2.carbon.core.init.CarbonServerManager} - "
       "Repository       : /home/wso2carbon/wso2am-4.2.0/repository/deployment/server/",
       Level::kInfo,
       "org.wso2.carbon.core.init.CarbonServerManager",
       "Repository       : /home/wso2carbon/wso2am-4.2.0/repository/deployment/server/",
       {2024, 2, 1, 10, 11, 12, 346}},
      // With the [tenant] after the date.
      {"[2024-02-01 10:11:12,347] [-1234]  INFO {x} - msg",
       Level::kInfo,
       "x",
       "msg",
       {2024, 2, 1, 10, 11, 12, 347}},
      {"[2024-02-01 10:11:12,348] []  WARN {com.atomikos.X} - tx timeout",
       Level::kWarn,
       "com.atomikos.X",
       "tx timeout",
       {2024, 2, 1, 10, 11, 12, 348}},
      // A message that quotes another header does not move the fields.
      {"[2024-02-01 10:11:12,349] FATAL {a.B} - saw [2024-02-01 10:11:12,000] ERROR {c.D} - x",
       Level::kFatal,
       "a.B",
       "saw [2024-02-01 10:11:12,000] ERROR {c.D} - x",
       {2024, 2, 1, 10, 11, 12, 349}},
  }));
  CAPTURE(c.line);
  EntryHeader h;
  REQUIRE(f->Match(c.line, &h));
  CHECK(h.in_layout);
  CHECK(h.has_time);
  CHECK_FALSE(h.has_zone);
  LayoutsCheckCivil(h.civil, c.civil);
  CHECK(h.level == c.level);
  CHECK(h.logger == c.logger);
  REQUIRE(h.message_offset <= c.line.size());
  CHECK(c.line.substr(h.message_offset) == c.message);
}

TEST_CASE("console continuation lines and blank lines are not entry starts",
          "[collectors][logs][layouts]") {
  auto f = LayoutsFormat(LogFormat::kWso2Console);
  EntryHeader h;
  for (const char* l : {
           "\tat x",
           "\tat org.wso2.carbon.apimgt.impl.APIManagerComponent.activate(APIManagerComponent.java:"
           "226)",
           "Caused by: java.sql.SQLException: Cannot create PoolableConnectionFactory",
           "java.lang.NullPointerException: x",
           "java.lang.NullPointerException",
           "\t... 61 more",
           "",
           "   ",
           "  Position: 39",
           "JAVA_HOME environment variable is set to /usr/lib/jvm/java-11-openjdk",
           "Using Java memory options: -Xms256m -Xmx1024m",
           // Other layouts are not console entries.
           "TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO {a.B} - msg",
           "2024-11-16T02:31:12,004 [-] [main]  WARN X msg",
           // Damaged headers: no level, an unknown level, a time without its date.
           "[2024-02-01 10:11:12,345] - Foo msg",
           "[2024-02-01 10:11:12,345] NOTICE - Foo msg",
           "[10:11:12,345]  INFO - Foo msg",
       }) {
    CAPTURE(l);
    CHECK_FALSE(f->Match(l, &h));
  }
}

TEST_CASE("console lines with an impossible date start a record without a time",
          "[collectors][logs][layouts]") {
  auto f = LayoutsFormat(LogFormat::kWso2Console);
  EntryHeader h;
  REQUIRE(f->Match("[2024-13-01 10:11:12,345] ERROR - Foo msg", &h));
  CHECK_FALSE(h.has_time);
  CHECK(h.level == Level::kError);
  CHECK(h.logger == "Foo");
}

TEST_CASE("a console stack trace assembles into one record with its frames",
          "[collectors][logs][layouts]") {
  LogSpec spec;
  spec.name = "console";
  spec.format = LogFormat::kWso2Console;
  spec.timezone = TimeZone::Utc();
  auto a = RecordAssembler::Create(spec);
  REQUIRE(a.ok());
  RecordAssembler& asm_ = **a;
  std::vector<Record> got;
  const RecordSink sink = [&](const Record& r) { got.push_back(r); };
  const std::string first =
      "[2023-04-28 13:34:38,644] ERROR - APIManagerComponent Error while initializing\n";
  const std::string trace =
      "java.lang.NullPointerException: x\n"
      "\tat org.wso2.X.y(X.java:10)\n"
      "\n"
      "Caused by: java.sql.SQLException: boom\n"
      "\t... 12 more\n";
  const std::string next = "[2023-04-28 13:34:39,000]  INFO - ServerStartupObserver Started\n";
  LineSplitter splitter(64 * 1024);
  const WallTime read_time{std::chrono::seconds(1'700'000'000)};
  splitter.Feed(first + trace + next,
                [&](const Line& l) { asm_.AddLine(l, read_time, MonoTime{}, sink); });
  REQUIRE(got.size() == 1);
  const Record& r = got[0];
  CHECK(r.lines == 6);
  CHECK(r.offset == 0);
  CHECK(r.end_offset == first.size() + trace.size());
  CHECK(r.level == Level::kError);
  CHECK(r.logger == "APIManagerComponent");
  CHECK(r.recognised);
  CHECK(r.time_from_log);
  CHECK(FormatRfc3339(r.time) == "2023-04-28T13:34:38.644Z");
  CHECK(r.FirstMessageLine() == "Error while initializing");
  CHECK(r.text == first.substr(0, first.size() - 1) + "\n" + trace.substr(0, trace.size() - 1));
  REQUIRE(asm_.Flush(sink));
  REQUIRE(got.size() == 2);
  CHECK(got[1].offset == first.size() + trace.size());
  CHECK(got[1].logger == "ServerStartupObserver");
  CHECK(got[1].FirstMessageLine() == "Started");
  CHECK(got[1].lines == 1);
}

TEST_CASE("every layout accepts every level under every log4j padding",
          "[collectors][logs][layouts][property]") {
  const auto generated = LayoutsAllGenerated();
  REQUIRE(generated.size() == 198);
  std::shared_ptr<const RecordFormat> formats[] = {
      LayoutsFormat(LogFormat::kWso2Carbon), LayoutsFormat(LogFormat::kWso2Console),
      LayoutsFormat(LogFormat::kWso2Errors), LayoutsFormat(LogFormat::kWso2Audit)};
  auto format_of = [&](LogFormat lf) -> const RecordFormat& {
    for (const auto& f : formats) {
      if (f->format() == lf) return *f;
    }
    FAIL("no format");
    return *formats[0];
  };
  size_t matched = 0;
  for (size_t i = 0; i < generated.size(); ++i) {
    const LayoutsGenerated& g = generated[i];
    INFO("#" << i << " " << LogFormatName(g.format) << " " << g.pad << ": " << g.line);
    EntryHeader h;
    REQUIRE(format_of(g.format).Match(g.line, &h));
    ++matched;
    CHECK(h.in_layout);
    CHECK(h.has_time);
    LayoutsCheckCivil(h.civil, g.civil);
    CHECK(h.level == g.level);
    CHECK(h.logger == g.logger);
    REQUIRE(h.message_offset <= g.line.size());
    CHECK(g.line.substr(h.message_offset) == g.message);
  }
  CHECK(matched == 198);
}

TEST_CASE("generated lines are only entry starts of their own layout",
          "[collectors][logs][layouts][property]") {
  // Carbon, errors and 3.x audit lines do not start records in another layout (the 2.6
  // audit and the console share a shape on purpose: the detector tells them apart).
  const auto generated = LayoutsAllGenerated();
  const LogFormat all[] = {LogFormat::kWso2Carbon, LogFormat::kWso2Console, LogFormat::kWso2Errors,
                           LogFormat::kWso2Audit};
  std::vector<std::shared_ptr<const RecordFormat>> fs;
  for (LogFormat lf : all) fs.push_back(LayoutsFormat(lf));
  size_t checked = 0;
  for (const auto& g : generated) {
    const bool shared_shape =
        g.line[0] == '[';  // console and 2.6 audit: both read "[date] LEVEL - ..."
    for (const auto& f : fs) {
      if (f->format() == g.format) continue;
      if (shared_shape &&
          (f->format() == LogFormat::kWso2Console || f->format() == LogFormat::kWso2Audit)) {
        continue;
      }
      INFO(LogFormatName(f->format()) << " on " << g.line);
      EntryHeader h;
      CHECK_FALSE(f->Match(g.line, &h));
      ++checked;
    }
  }
  // 198 lines x 3 other formats, less the console/audit pair for the 5 "[" layouts x 18 lines.
  CHECK(checked == 198 * 3 - 5 * 18);
}

TEST_CASE("the carbon fast path and the carbon regex agree on every generated carbon line",
          "[collectors][logs][layouts][property]") {
  const re2::RE2 re(CarbonEntryPattern(), LayoutsLatin1());
  REQUIRE(re.ok());
  const auto generated = LayoutsAllGenerated();
  size_t fast = 0, carbon = 0;
  for (const auto& g : generated) {
    if (!g.carbon) continue;
    ++carbon;
    INFO(g.line);
    EntryHeader by_regex;
    REQUIRE(LayoutsCarbonByRegex(re, g.line, &by_regex));
    CHECK(by_regex.level == g.level);
    CHECK(by_regex.logger == g.logger);
    CHECK(std::string_view(g.line).substr(by_regex.message_offset) == g.message);
    EntryHeader by_hand;
    const bool accepted = ParseCarbonHeader(g.line, &by_hand);
    // The common layout (no %P prefix) is what the fast path exists for.
    if (g.carbon_common) CHECK(accepted);
    if (!accepted) continue;
    ++fast;
    CHECK(by_hand.has_time == by_regex.has_time);
    LayoutsCheckCivil(by_hand.civil, by_regex.civil);
    CHECK(by_hand.level == by_regex.level);
    CHECK(by_hand.logger == by_regex.logger);
    // The views point at the same bytes of the line, not just equal text.
    CHECK(by_hand.logger.data() == by_regex.logger.data());
    CHECK(by_hand.message_offset == by_regex.message_offset);
    CHECK(by_hand.has_zone == by_regex.has_zone);
    CHECK(by_hand.in_layout == by_regex.in_layout);
  }
  CHECK(carbon == 3 * 18);
  // The fast path takes the common layout and leaves the %P lines to the regex.
  CHECK(fast == 2 * 18);
}

TEST_CASE("2.6 carbon tenant lines with a glued five-letter level match",
          "[collectors][logs][layouts]") {
  auto f = LayoutsFormat(LogFormat::kWso2Carbon);
  struct Case {
    std::string line;
    Level level;
  };
  auto c = GENERATE(values<Case>({
      {"TID: [13529] [] [2018-09-20 06:45:28,207] @tenant.com [13529] [AM]ERROR {org.x.Y} - msg",
       Level::kError},
      {"TID: [13529] [] [2018-09-20 06:45:28,207] @tenant.com [13529] [AM]FATAL {org.x.Y} - msg",
       Level::kFatal},
      {"TID: [13529] [] [2018-09-20 06:45:28,207] @tenant.com [13529] [AM]DEBUG {org.x.Y} - msg",
       Level::kDebug},
      {"TID: [13529] [] [2018-09-20 06:45:28,207] @tenant.com [13529] [AM]TRACE {org.x.Y} - msg",
       Level::kTrace},
      {"TID: [13529] [] [2018-09-20 06:45:28,207] @tenant.com [13529] [AM] INFO {org.x.Y} - msg",
       Level::kInfo},
      {"TID: [13529] [] [2018-09-20 06:45:28,207] @tenant.com [13529] [AM] WARN {org.x.Y} - msg",
       Level::kWarn},
  }));
  CAPTURE(c.line);
  EntryHeader h;
  REQUIRE(f->Match(c.line, &h));
  CHECK(h.level == c.level);
  CHECK(h.logger == "org.x.Y");
  CHECK(c.line.substr(h.message_offset) == "msg");
  CHECK(h.has_time);
  CHECK(h.civil.year == 2018);
  CHECK(h.civil.second == 28);
  CHECK(h.civil.millis == 207);
}

TEST_CASE("a 2.6 audit message quoting a header does not move the level",
          "[collectors][logs][layouts]") {
  // "[%d] %P%p - %x %m": with the level unpadded, the tenant-prefix group of the 2.6 audit
  // regex may reach into the message for a later "LEVEL - ".
  auto f = LayoutsFormat(LogFormat::kWso2Audit);
  const std::string line =
      "[2019-03-15 10:24:07,882] INFO -  user [bob] ERROR - permission denied ";
  EntryHeader h;
  REQUIRE(f->Match(line, &h));
  CHECK(h.level == Level::kInfo);
  CHECK(line.substr(h.message_offset) == " user [bob] ERROR - permission denied ");
}

TEST_CASE("a carbon message quoting a header does not move the level",
          "[collectors][logs][layouts]") {
  auto f = LayoutsFormat(LogFormat::kWso2Carbon);
  for (const std::string line :
       {"TID: [-1234] [] [2024-11-16 02:14:07,512] INFO {a.B} - x [y] ERROR {c.D} - z",
        "TID: [5] [] [2019-03-15 10:24:07,882] @t.com [5] [AM]INFO {a.B} - x [y] ERROR {c.D} - "
        "z"}) {
    CAPTURE(line);
    EntryHeader h;
    REQUIRE(f->Match(line, &h));
    CHECK(h.level == Level::kInfo);
    CHECK(h.logger == "a.B");
    CHECK(line.substr(h.message_offset) == "x [y] ERROR {c.D} - z");
  }
}

}  // namespace cg
