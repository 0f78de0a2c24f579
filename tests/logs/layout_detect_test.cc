// DetectLayout: which WSO2 layout a file's head is in; and the dating of records without a time
// of their own when a nohup.out-like file is replayed.
#include "collectors/logs/layout_detect.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "collectors/logs/read_records.h"
#include "tests/support/read_all.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

std::string DetectJoin(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

const LayoutScore* DetectScoreOf(const LayoutDetection& d, LogFormat f) {
  for (const auto& s : d.scores) {
    if (s.format == f) return &s;
  }
  return nullptr;
}

bool DetectStartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The reason names the chosen layout first ("wso2-console: 12 of 12 sampled lines ...").
void DetectCheckDecided(const LayoutDetection& d, LogFormat want) {
  INFO(d.reason);
  REQUIRE(d.decided);
  CHECK(d.format == want);
  CHECK(DetectStartsWith(d.reason, std::string(LogFormatName(want)) + ": "));
  REQUIRE(d.scores.size() == 5);
  CHECK(d.scores[0].format == want);
  CHECK(d.scores[0].share >= kLayoutConfidence);
  for (size_t i = 1; i < d.scores.size(); ++i) CHECK(d.scores[i].share <= d.scores[0].share);
}

const std::vector<std::string> kDetectCarbon4 = {
    "TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO "
    "{org.wso2.carbon.core.internal.StartupFinalizerServiceComponent} - WSO2 Carbon started in 48 "
    "sec",
    "TID: [] [] [2024-11-16 02:14:08,001]  WARN {org.wso2.carbon.apimgt.impl.APIConsumerImpl} - "
    "Token expired",
    "TID: [] [] [2024-11-16 02:44:30,118] ERROR {org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO} - "
    "Error while retrieving subscriptions com.mysql.cj.jdbc.exceptions.CommunicationsException: "
    "Communications link failure",
    "",
    "The last packet successfully received from the server was 95,113 milliseconds ago.",
    "\tat com.mysql.cj.jdbc.exceptions.SQLError.createCommunicationsException(SQLError.java:174)",
    "Caused by: java.net.SocketTimeoutException: Read timed out",
    "\t... 41 more",
    "",
    "TID: [-1234] [] [2024-11-16 3:05:41,221]  INFO "
    "{org.wso2.carbon.core.init.CarbonServerManager} - Halting JVM ",
};

const std::vector<std::string> kDetectCarbon26 = {
    "TID: [-1234] [] [2019-08-12 14:40:17,102]  INFO "
    "{org.wso2.carbon.core.internal.StartupFinalizerServiceComponent} -  WSO2 Carbon started in 57 "
    "sec {org.wso2.carbon.core.internal.StartupFinalizerServiceComponent}",
    "TID: [13529] [] [2018-09-20 06:45:28,207] @tenant.com [13529] [AM]ERROR "
    "{org.apache.synapse.transport.passthru.TargetHandler} -  I/O error: Connection reset "
    "{org.apache.synapse.transport.passthru.TargetHandler}",
    "org.apache.axis2.AxisFault: Connection reset",
    "\tat org.apache.synapse.X.y(X.java:1)",
    "\tat org.apache.synapse.X.z(X.java:2)",
    "TID: [13529] [] [2018-09-20 06:45:29,000] @tenant.com [13529] [AM] WARN "
    "{org.x.Y} -  slow backend {org.x.Y}",
    "TID: [-1234] [] [2018-09-20 06:45:30,000] admin@carbon.super [-1234] [AM]FATAL "
    "{org.x.Y} -  out of memory {org.x.Y}",
};

const std::vector<std::string> kDetectConsoleShort = {
    "[2023-04-28 13:34:36,100]  INFO - CarbonCoreActivator Starting WSO2 Carbon...",
    "[2023-04-28 13:34:36,101]  INFO - CarbonCoreActivator Operating System : Linux 5.15.0, amd64",
    "[2023-04-28 13:34:37,200]  WARN - ValidationResultPrinter Carbon is configured to use the "
    "default keystore",
    "[2023-04-28 13:34:38,644] ERROR - APIManagerComponent Error while initializing",
    "java.lang.NullPointerException: x",
    "\tat org.wso2.carbon.apimgt.impl.X.y(X.java:10)",
    "\tat org.wso2.carbon.apimgt.impl.X.z(X.java:20)",
    "Caused by: java.sql.SQLException: boom",
    "\t... 12 more",
    "",
    "[2023-04-28 13:34:40,000]  INFO - ServerStartupObserver Server           : WSO2 API "
    "Manager-4.2.0",
};

const std::vector<std::string> kDetectConsoleBraces = {
    "[2024-02-01 10:11:12,345]  INFO {org.wso2.carbon.core.init.CarbonServerManager} - Starting",
    "[2024-02-01 10:11:12,346] [-1234]  INFO {com.atomikos.icatch.imp.TransactionServiceImp} - "
    "USING com.atomikos.icatch.default_max_timeout = 300000",
    "[2024-02-01 10:11:12,347] ERROR {org.wso2.x.Y} - msg",
    "org.wso2.x.FooException: bar",
    "\tat org.wso2.x.Y.z(Y.java:3)",
    "[2024-02-01 10:11:12,348]  WARN {org.wso2.x.Z} - careful",
};

const std::vector<std::string> kDetectErrors = {
    "2024-11-16T02:20:41,605 [-] [HTTP-Sender I/O dispatcher-2]  WARN ConnectCallback Connection "
    "refused or failed for : localhost/127.0.0.1:8243",
    "2024-11-16T02:31:12,004 [-] [HTTP-Sender I/O dispatcher-3]  WARN "
    "{org.apache.synapse.transport.passthru.TargetHandler} ERROR_CODE = 101504",
    "2024-11-16T02:13:19,474 [-] [Start Level: Equinox Container: 5a1f] ERROR "
    "{org.wso2.carbon.apimgt.impl.internal.APIManagerComponent} Error while initializing",
    "org.wso2.carbon.apimgt.api.APIManagementException: Error while",
    "\tat org.wso2.carbon.apimgt.impl.X.y(X.java:1) ~[org.wso2.carbon.apimgt.impl_9.0.174.jar:?]",
    "2019-03-15 10:24:07,882 [-] [main] ERROR TransactionManager x",
};

const std::vector<std::string> kDetectAudit3 = {
    "TID: [-1234] [2024-11-16 02:35:10,402]  INFO {AUDIT_LOG} - "
    R"({"performedBy":"admin","action":"created","typ":"API","info":"{}"})",
    "TID: [-1234] [2024-11-16 02:35:11,000]  INFO {AUDIT_LOG} - Initiator : admin | Action : "
    "Login | Target : admin | Data : { } | Result : Success",
    "TID: [-1234] [2024-11-16 02:36:00,000]  INFO {AUDIT_LOG} - 'admin@carbon.super [-1234]' "
    "logged in at [2024-11-16 02:36:00,000+0000]",
};

const std::vector<std::string> kDetectAudit26 = {
    "[2019-03-15 10:24:07,882]  INFO -  'admin@carbon.super [-1234]' logged in at "
    "[2019-03-15 10:24:07,882+0000] ",
    "[2019-03-15 10:25:01,100]  INFO -  Initiator : admin | Action : Change Password | Target : "
    "admin | Data : { } | Result : Success ",
    "[2019-03-15 10:26:00,000]  INFO -  'bob@carbon.super [-1234]' logged in at "
    "[2019-03-15 10:26:00,000+0000] ",
    "[2019-03-15 10:27:00,000]  WARN -  Initiator : bob | Action : Delete API | Target : x | "
    "Data : { } | Result : Failed ",
};

const std::vector<std::string> kDetectAccess = {
    "10.1.9.40 - - [18/Mar/2021:10:04:27 +0530] GET /api/am/store/v1/apis HTTP/1.1 200 2104 - "
    "Mozilla/5.0 (X11; Linux x86_64) 0.014",
    "10.1.9.41 - admin [18/Mar/2021:10:04:28 +0530] POST /oauth2/token HTTP/1.1 200 512 - "
    "curl/7.68.0 0.102",
    "127.0.0.1 - - [18/Mar/2021:10:04:29 +0530] GET /carbon/admin/login.jsp HTTP/1.1 302 - - "
    "Apache-HttpClient/4.5 0.003",
};

const std::vector<std::string> kDetectPreamble = {
    "JAVA_HOME environment variable is set to /usr/lib/jvm/java-11-openjdk-amd64",
    "CARBON_HOME environment variable is set to /home/wso2carbon/wso2am-4.2.0",
    "Using Java memory options: -Xms256m -Xmx1024m",
    "OpenJDK 64-Bit Server VM warning: Options -Xverify:none and -noverify were deprecated",
    "Using CARBON_HOME:   /home/wso2carbon/wso2am-4.2.0",
    "Using JAVA_HOME:     /usr/lib/jvm/java-11-openjdk-amd64",
    "NOTE: Picked up JDK_JAVA_OPTIONS:  --add-opens=java.base/java.lang=ALL-UNNAMED",
    "Starting WSO2 API Manager (pid 4242)",
    "Listening for transport dt_socket at address: 5005",
    "WARNING: An illegal reflective access operation has occurred",
};

}  // namespace

TEST_CASE("the layout of each WSO2 file is detected from its head", "[collectors][logs][detect]") {
  struct Case {
    const char* name;
    const std::vector<std::string>* lines;
    LogFormat format;
    uint32_t entries, continuations;
  };
  auto c = GENERATE(values<Case>({
      {"carbon 3.x/4.x", &kDetectCarbon4, LogFormat::kWso2Carbon, 4, 3},
      {"carbon 2.6", &kDetectCarbon26, LogFormat::kWso2Carbon, 4, 3},
      {"console %c{1}", &kDetectConsoleShort, LogFormat::kWso2Console, 5, 5},
      {"console {%c}", &kDetectConsoleBraces, LogFormat::kWso2Console, 4, 2},
      {"errors", &kDetectErrors, LogFormat::kWso2Errors, 4, 2},
      {"audit 3.x", &kDetectAudit3, LogFormat::kWso2Audit, 3, 0},
      {"audit 2.6", &kDetectAudit26, LogFormat::kWso2Audit, 4, 0},
      {"tomcat access", &kDetectAccess, LogFormat::kTomcatAccess, 3, 0},
  }));
  CAPTURE(c.name);
  const LayoutDetection d = DetectLayout(DetectJoin(*c.lines), "");
  DetectCheckDecided(d, c.format);
  CHECK(d.envelope == Envelope::kNone);
  CHECK(d.preamble == 0);
  uint32_t non_empty = 0;
  for (const auto& l : *c.lines) non_empty += l.empty() ? 0 : 1;
  CHECK(d.sampled == non_empty);
  CHECK(d.scores[0].entries == c.entries);
  CHECK(d.scores[0].continuations == c.continuations);
  // The share is over every sampled line (no preamble here). In carbon 3.x/4.x the message
  // line "The last packet ..." is neither a record start nor a recognised continuation.
  CHECK(d.scores[0].share ==
        Approx(static_cast<double>(c.entries + c.continuations) / static_cast<double>(non_empty)));
  CHECK(d.reason.find("envelope") == std::string::npos);
}

TEST_CASE("2.6 audit lines go to wso2-audit not to the console", "[collectors][logs][detect]") {
  const LayoutDetection d = DetectLayout(DetectJoin(kDetectAudit26), "");
  DetectCheckDecided(d, LogFormat::kWso2Audit);
  const LayoutScore* console = DetectScoreOf(d, LogFormat::kWso2Console);
  REQUIRE(console != nullptr);
  CHECK(console->entries == 0);
  CHECK(console->share == 0.0);
  // Without the NDC's second space the word after "- " is "Initiator", followed by " :".
  const LayoutDetection one_space = DetectLayout(
      "[2019-03-15 10:25:01,100]  INFO - Initiator : admin | Action : Login | Result : Success\n"
      "[2019-03-15 10:25:02,100]  INFO - Initiator : bob | Action : Logout | Result : Success\n",
      "");
  DetectCheckDecided(one_space, LogFormat::kWso2Audit);
  CHECK(DetectScoreOf(one_space, LogFormat::kWso2Console)->entries == 0);
  // And console lines (a class name after "- ") do not count for the audit log.
  const LayoutDetection console_head = DetectLayout(DetectJoin(kDetectConsoleShort), "");
  CHECK(DetectScoreOf(console_head, LogFormat::kWso2Audit)->entries == 0);
}

TEST_CASE("a nohup.out preamble before console records is skipped and counted",
          "[collectors][logs][detect]") {
  const size_t n = GENERATE(3, 5, 10);
  CAPTURE(n);
  std::vector<std::string> lines(kDetectPreamble.begin(),
                                 kDetectPreamble.begin() + static_cast<std::ptrdiff_t>(n));
  lines.insert(lines.end(), kDetectConsoleShort.begin(), kDetectConsoleShort.end());
  for (const char* name : {"nohup.out", ""}) {
    CAPTURE(name);
    const LayoutDetection d = DetectLayout(DetectJoin(lines), name);
    DetectCheckDecided(d, LogFormat::kWso2Console);
    CHECK(d.preamble == n);
    CHECK(d.sampled == n + 10);  // 11 console lines, one blank.
    CHECK(d.scores[0].entries == 5);
    CHECK(d.scores[0].share == 1.0);
    CHECK(d.reason.find(std::to_string(n) + " line(s) before the first record skipped") !=
          std::string::npos);
  }
}

TEST_CASE("a long preamble or a long one before a single record is not a preamble",
          "[collectors][logs][detect]") {
  auto text_lines = [](uint32_t n) {
    std::vector<std::string> out;
    for (uint32_t i = 0; i < n; ++i) out.push_back("Using something number " + std::to_string(i));
    return out;
  };
  {
    std::vector<std::string> lines = text_lines(kMaxPreambleLines + 1);
    lines.insert(lines.end(), kDetectConsoleShort.begin(), kDetectConsoleShort.end());
    const LayoutDetection d = DetectLayout(DetectJoin(lines), "");
    INFO(d.reason);
    CHECK_FALSE(d.decided);
    CHECK(d.format == LogFormat::kPlain);
    CHECK(DetectScoreOf(d, LogFormat::kWso2Console)->share == 0.0);
  }
  {
    // At the limit it still is one.
    std::vector<std::string> lines = text_lines(kMaxPreambleLines);
    lines.insert(lines.end(), kDetectConsoleShort.begin(), kDetectConsoleShort.end());
    const LayoutDetection d = DetectLayout(DetectJoin(lines), "");
    DetectCheckDecided(d, LogFormat::kWso2Console);
    CHECK(d.preamble == kMaxPreambleLines);
  }
  {
    // Text then one console line: a text file that happens to hold one ...
    std::vector<std::string> lines = text_lines(kMaxPreambleOneRecord + 1);
    lines.push_back(kDetectConsoleShort[0]);
    const LayoutDetection d = DetectLayout(DetectJoin(lines), "");
    INFO(d.reason);
    CHECK_FALSE(d.decided);
  }
  {
    // ... unless the text is short: a node that died at its first record.
    std::vector<std::string> lines = text_lines(kMaxPreambleOneRecord);
    lines.push_back(kDetectConsoleShort[3]);  // The ERROR line, then its trace.
    lines.insert(lines.end(), kDetectConsoleShort.begin() + 4, kDetectConsoleShort.begin() + 9);
    const LayoutDetection d = DetectLayout(DetectJoin(lines), "nohup.out");
    DetectCheckDecided(d, LogFormat::kWso2Console);
    CHECK(d.preamble == kMaxPreambleOneRecord);
    CHECK(d.scores[0].entries == 1);
    CHECK(d.scores[0].continuations == 5);
  }
}

TEST_CASE("console lines inside CRI and Docker envelopes are detected with their envelope",
          "[collectors][logs][detect]") {
  std::string cri, docker;
  for (const auto& l : kDetectConsoleShort) {
    cri += "2023-04-28T13:34:38.644123456Z " +
           std::string(l.rfind("\tat", 0) == 0 ? "stderr" : "stdout") + " F" +
           (l.empty() ? "" : " " + l) + "\n";
    std::string esc;
    for (char ch : l) {
      if (ch == '\t') {
        esc += "\\t";
      } else if (ch == '"' || ch == '\\') {
        esc += '\\';
        esc += ch;
      } else {
        esc += ch;
      }
    }
    docker +=
        R"({"log":")" + esc + R"(\n","stream":"stdout","time":"2023-04-28T13:34:38.644Z"})" + "\n";
  }
  // A split line (P + F) counts once.
  cri += "2023-04-28T13:34:41.000Z stdout P [2023-04-28 13:34:41,000]  INFO - Foo split \n";
  cri += "2023-04-28T13:34:41.001Z stdout F line\n";

  const LayoutDetection dc = DetectLayout(cri, "0.log");
  DetectCheckDecided(dc, LogFormat::kWso2Console);
  CHECK(dc.envelope == Envelope::kCri);
  CHECK(dc.sampled == 11);
  CHECK(dc.scores[0].entries == 6);
  CHECK(dc.reason.find("cri envelope") != std::string::npos);

  const LayoutDetection dd = DetectLayout(docker, "abc-json.log");
  DetectCheckDecided(dd, LogFormat::kWso2Console);
  CHECK(dd.envelope == Envelope::kDocker);
  CHECK(dd.sampled == 10);
  CHECK(dd.scores[0].entries == 5);
  CHECK(dd.reason.find("docker envelope") != std::string::npos);

  // Carbon inside CRI as well.
  std::string cri_carbon;
  for (const auto& l : kDetectCarbon4) {
    cri_carbon += "2024-11-16T02:14:07.512Z stdout F " + l + "\n";
  }
  const LayoutDetection dcc = DetectLayout(cri_carbon, "");
  DetectCheckDecided(dcc, LogFormat::kWso2Carbon);
  CHECK(dcc.envelope == Envelope::kCri);
}

TEST_CASE("prose and random text are not decided", "[collectors][logs][detect]") {
  const std::string prose =
      "It was the best of times, it was the worst of times, it was the age of wisdom,\n"
      "it was the age of foolishness, it was the epoch of belief, it was the epoch of\n"
      "incredulity, it was the season of Light, it was the season of Darkness, it was\n"
      "the spring of hope, it was the winter of despair.\n";
  std::mt19937 rng(20240201);
  std::string random_text;
  for (int line = 0; line < 40; ++line) {
    const int len = 1 + static_cast<int>(rng() % 120);
    for (int i = 0; i < len; ++i) random_text += static_cast<char>(' ' + rng() % 95);
    random_text += '\n';
  }
  std::string random_bytes;
  for (int i = 0; i < 4000; ++i) random_bytes += static_cast<char>(rng() % 256);
  for (const std::string* head :
       std::vector<const std::string*>{&prose, &random_text, &random_bytes}) {
    const LayoutDetection d = DetectLayout(*head, "");
    INFO(d.reason);
    CHECK_FALSE(d.decided);
    CHECK(d.format == LogFormat::kPlain);
    CHECK(d.envelope == Envelope::kNone);
    CHECK(DetectStartsWith(d.reason, "no layout explains 60% of the "));
    CHECK(d.scores.size() == 5);
  }
  CHECK(DetectLayout(prose, "").sampled == 4);
}

TEST_CASE("an empty head is not decided by content and the file name still says",
          "[collectors][logs][detect]") {
  for (std::string_view head : {std::string_view(""), std::string_view("\n\n  \n\t\n")}) {
    const LayoutDetection d = DetectLayout(head, "wso2carbon.log");
    CHECK_FALSE(d.decided);
    CHECK(d.format == LogFormat::kPlain);
    CHECK(d.sampled == 0);
    CHECK(d.preamble == 0);
    CHECK(d.reason == "no line to judge");
  }
  CHECK(LayoutFromFileName("wso2carbon.log") == LogFormat::kWso2Carbon);
}

TEST_CASE("file names hint at their layout", "[collectors][logs][detect]") {
  CHECK(LayoutFromFileName("wso2carbon.log") == LogFormat::kWso2Carbon);
  CHECK(LayoutFromFileName("wso2carbon-11-15-2024-1.log") == LogFormat::kWso2Carbon);
  CHECK(LayoutFromFileName("wso2carbon.log.2024-11-15") == LogFormat::kWso2Carbon);
  CHECK(LayoutFromFileName("wso2-apigw-errors.log") == LogFormat::kWso2Errors);
  CHECK(LayoutFromFileName("wso2-apigw-errors-11-15-2024-1.log.gz") == LogFormat::kWso2Errors);
  CHECK(LayoutFromFileName("audit.log") == LogFormat::kWso2Audit);
  CHECK(LayoutFromFileName("audit-11-15-2024.log") == LogFormat::kWso2Audit);
  CHECK(LayoutFromFileName("http_access_2024-11-16.log") == LogFormat::kTomcatAccess);
  CHECK(LayoutFromFileName("nohup.out") == LogFormat::kWso2Console);
  CHECK(LayoutFromFileName("wso2carbon.out") == LogFormat::kWso2Console);
  CHECK_FALSE(LayoutFromFileName("correlation.log").has_value());
  CHECK_FALSE(LayoutFromFileName("").has_value());
  CHECK(DefaultLogName(LogFormat::kWso2Carbon) == "carbon");
  CHECK(DefaultLogName(LogFormat::kWso2Console) == "console");
  CHECK(DefaultLogName(LogFormat::kWso2Errors) == "gw-errors");
  CHECK(DefaultLogName(LogFormat::kWso2Audit) == "audit");
  CHECK(DefaultLogName(LogFormat::kTomcatAccess) == "access");
  CHECK(DefaultLogName(LogFormat::kPlain) == "plain");
  CHECK(DefaultLogName(LogFormat::kCustom) == "custom");
}

TEST_CASE("a tie is broken by the file-name hint then by the layout order",
          "[collectors][logs][detect]") {
  // Lines that are both errors-log lines (thread "[t [16/Nov/...]") and Tomcat access lines
  // (three fields then "[16/Nov/2024:02:15:44 +0000]"): both layouts explain every line.
  const std::string head =
      "2024-11-16T02:31:12,004 [-] [t [16/Nov/2024:02:15:44 +0000]  WARN X one\n"
      "2024-11-16T02:31:13,004 [-] [t [16/Nov/2024:02:15:45 +0000] ERROR Y two\n"
      "2024-11-16T02:31:14,004 [-] [t [16/Nov/2024:02:15:46 +0000]  INFO Z three\n";
  const LayoutDetection plain = DetectLayout(head, "");
  REQUIRE(plain.decided);
  const LayoutScore* errors = DetectScoreOf(plain, LogFormat::kWso2Errors);
  const LayoutScore* access = DetectScoreOf(plain, LogFormat::kTomcatAccess);
  REQUIRE(errors != nullptr);
  REQUIRE(access != nullptr);
  REQUIRE(errors->share == access->share);
  REQUIRE(errors->entries == access->entries);
  CHECK(errors->entries == 3);
  // No hint: the order of the list (errors before tomcat-access).
  CHECK(plain.format == LogFormat::kWso2Errors);
  CHECK(DetectLayout(head, "http_access_2024-11-16.log").format == LogFormat::kTomcatAccess);
  CHECK(DetectLayout(head, "wso2-apigw-errors.log").format == LogFormat::kWso2Errors);
  // A hint for a layout that explains nothing changes nothing.
  CHECK(DetectLayout(head, "wso2carbon.log").format == LogFormat::kWso2Errors);
  // And a hint does not beat a better share.
  CHECK(DetectLayout(DetectJoin(kDetectConsoleShort), "wso2carbon.log").format ==
        LogFormat::kWso2Console);
}

TEST_CASE("the reason names the chosen layout and the runner-up", "[collectors][logs][detect]") {
  const LayoutDetection d = DetectLayout(DetectJoin(kDetectErrors), "");
  REQUIRE(d.decided);
  CHECK(d.reason ==
        "wso2-errors: 6 of 6 sampled lines (100%) are its record starts (4) or their "
        "continuation lines (2)");
  const LayoutDetection a = DetectLayout(DetectJoin(kDetectAudit3), "audit.log");
  CHECK(a.reason == "wso2-audit: 3 of 3 sampled lines (100%) are its record starts (3)");
}

TEST_CASE("a cut last line is ignored", "[collectors][logs][detect]") {
  const std::string whole = DetectJoin(kDetectConsoleBraces);
  // A cut line that no layout explains would otherwise lower the share.
  const LayoutDetection d = DetectLayout(whole + "Some half-written li", "");
  DetectCheckDecided(d, LogFormat::kWso2Console);
  CHECK(d.sampled == 6);
  CHECK(d.scores[0].share == 1.0);
  // Many cut-off lines worth of garbage after the last newline change nothing.
  const LayoutDetection e = DetectLayout(whole + std::string(5000, 'x'), "");
  CHECK(e.sampled == 6);
  CHECK(e.format == LogFormat::kWso2Console);
  // The only line, cut: still judged.
  const LayoutDetection only =
      DetectLayout("[2024-02-01 10:11:12,345] ERROR - Foo msg without its newl", "");
  DetectCheckDecided(only, LogFormat::kWso2Console);
  CHECK(only.sampled == 1);
}

TEST_CASE("replaying a nohup.out dates the preamble by the first dated record",
          "[collectors][logs][detect][replay]") {
  testing::TempDir dir;
  std::string text;
  for (size_t i = 0; i < 3; ++i) text += kDetectPreamble[i] + "\n";
  text +=
      "[2023-04-28 13:34:36,100]  INFO - CarbonCoreActivator Starting WSO2 Carbon...\n"
      "[2023-04-28 13:34:38,644] ERROR - APIManagerComponent Error while initializing\n"
      "java.lang.NullPointerException: x\n"
      "\tat org.wso2.X.y(X.java:10)\n"
      // A header with an impossible date: a record without a time of its own.
      "[2023-13-28 13:34:39,000]  WARN - Broken clock\n"
      "[2023-04-28 13:34:40,000]  INFO - ServerStartupObserver Up\n";
  const auto path = dir.Write("nohup.out", text);
  // An mtime far from every record's time, so that using it shows.
  std::filesystem::last_write_time(
      path, std::filesystem::file_time_type::clock::now() + std::chrono::hours(24 * 365));
  LogSpec spec;
  spec.name = "console";
  spec.format = LogFormat::kWso2Console;
  spec.timezone = TimeZone::Utc();
  FileReadStats stats;
  auto read = cg::testing::ReadAllRecords(path, spec, &stats);
  REQUIRE(read.ok());
  const std::vector<Record>& got = *read;
  CHECK(stats.lines == 9);
  REQUIRE(got.size() == 5);
  // The preamble: three lines, one record, outside the layout, dated by the record after it.
  CHECK(got[0].lines == 3);
  CHECK_FALSE(got[0].recognised);
  CHECK(got[0].offset == 0);
  CHECK(FormatRfc3339(got[0].time) == "2023-04-28T13:34:36.100Z");
  CHECK_FALSE(got[0].time_from_log);
  CHECK(FormatRfc3339(got[1].time) == "2023-04-28T13:34:36.100Z");
  CHECK(got[1].time_from_log);
  CHECK(FormatRfc3339(got[2].time) == "2023-04-28T13:34:38.644Z");
  CHECK(got[2].lines == 3);
  // The undated record takes the time of the record before it.
  CHECK(got[3].FirstLine() == "[2023-13-28 13:34:39,000]  WARN - Broken clock");
  CHECK(got[3].level == Level::kWarn);
  CHECK(got[3].logger == "Broken");
  CHECK_FALSE(got[3].time_from_log);
  CHECK(FormatRfc3339(got[3].time) == "2023-04-28T13:34:38.644Z");
  CHECK(FormatRfc3339(got[4].time) == "2023-04-28T13:34:40.000Z");
  for (size_t i = 1; i < got.size(); ++i) CHECK(got[i].offset == got[i - 1].end_offset);
}

TEST_CASE("records before the first dated one are held back for it only up to a bound",
          "[collectors][logs][detect][replay]") {
  testing::TempDir dir;
  // Tomcat access layout: a record per line; lines outside the layout have no time.
  std::string text;
  for (int i = 0; i < 300; ++i) text += "garbage line " + std::to_string(i) + "\n";
  text += "10.1.9.40 - - [18/Mar/2021:10:04:27 +0000] GET /x HTTP/1.1 200 2104 - UA 0.014\n";
  const auto path = dir.Write("http_access_2021-03-18.log", text);
  const auto mtime = std::filesystem::file_time_type::clock::now() + std::chrono::hours(24 * 400);
  std::filesystem::last_write_time(path, mtime);
  LogSpec spec;
  spec.name = "access";
  spec.format = LogFormat::kTomcatAccess;
  spec.timezone = TimeZone::Utc();
  auto read = cg::testing::ReadAllRecords(path, spec);
  REQUIRE(read.ok());
  const std::vector<Record>& got = *read;
  REQUIRE(got.size() == 301);
  const WallTime dated = got[300].time;
  CHECK(FormatRfc3339(dated) == "2021-03-18T10:04:27.000Z");
  // The first 256 could not wait: they keep the file's time; the 44 after them get the date.
  size_t with_mtime = 0, with_date = 0;
  for (size_t i = 0; i < 300; ++i) {
    if (got[i].time == dated) {
      ++with_date;
    } else if (got[i].time > std::chrono::system_clock::now() + std::chrono::hours(24 * 300)) {
      ++with_mtime;
    }
    CHECK(got[i].text == "garbage line " + std::to_string(i));
  }
  CHECK(with_mtime == 256);
  CHECK(with_date == 44);
  CHECK(got[255].time != dated);
  CHECK(got[256].time == dated);
}

}  // namespace cg
