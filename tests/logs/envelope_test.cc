// Container runtime envelopes (CRI, Docker json-file): decoding, joining split lines, and
// record assembly of what is inside.
#include "collectors/logs/envelope.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "collectors/logs/read_records.h"
#include "collectors/logs/record_assembler.h"
#include "tests/support/read_all.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

// 2024-02-01T10:11:12Z.
constexpr int64_t kEnvBaseSeconds = 1'706'782'272;

int64_t EnvNanos(WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int64_t EnvBaseNanos(int64_t plus_nanos) { return kEnvBaseSeconds * 1'000'000'000 + plus_nanos; }

// One CRI line (with its newline). An empty `text` gives "<time> <stream> <tag>" exactly.
std::string EnvCri(std::string_view time, std::string_view stream, char tag,
                   std::string_view text) {
  std::string s(time);
  s += ' ';
  s += stream;
  s += ' ';
  s += tag;
  if (!text.empty()) {
    s += ' ';
    s += text;
  }
  s += '\n';
  return s;
}

// One Docker json-file line; `log_json` is already JSON-escaped (and ends in \n unless partial).
std::string EnvDocker(std::string_view log_json, std::string_view time) {
  std::string s = R"({"log":")" + std::string(log_json) + R"(","stream":"stdout")";
  if (!time.empty()) s += R"(,"time":")" + std::string(time) + "\"";
  s += "}\n";
  return s;
}

struct EnvHarness {
  std::unique_ptr<RecordAssembler> assembler;
  LineSplitter splitter{64 * 1024};
  std::vector<Record> records;
  RecordSink sink = [this](const Record& r) { records.push_back(r); };
  MonoTime now{std::chrono::seconds(100)};
  WallTime read_time{std::chrono::seconds(1'800'000'000)};

  explicit EnvHarness(LogFormat format = LogFormat::kWso2Console,
                      Envelope envelope = Envelope::kAuto, uint64_t max_line = 64 * 1024) {
    LogSpec spec;
    spec.name = "console";
    spec.format = format;
    spec.envelope = envelope;
    spec.timezone = TimeZone::Utc();
    spec.max_line = max_line;
    spec.early_flush = std::chrono::milliseconds(0);  // These tests time flush_timeout.
    auto a = RecordAssembler::Create(spec);
    REQUIRE(a.ok());
    assembler = std::move(a).value();
    assembler->SetSource("/var/log/pods/apim/0.log", FileIdentity{7, 8, 9});
    splitter = LineSplitter(max_line);
  }
  void Feed(std::string_view text) {
    splitter.Feed(text, [&](const Line& l) { assembler->AddLine(l, read_time, now, sink); });
  }
};

EnvelopeLine EnvDecode(Envelope mode, std::string_view line, std::string* scratch) {
  EnvelopeLine e;
  DecodeEnvelope(mode, line, scratch, &e);
  return e;
}

// Strips the newline EnvCri/EnvDocker add, for DecodeEnvelope (which takes a line).
std::string_view EnvNoNl(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

constexpr std::string_view kEnvT1 = "2024-02-01T10:11:12.900000000Z";
constexpr std::string_view kEnvT2 = "2024-02-01T10:11:13.100Z";
constexpr std::string_view kEnvT3 = "2024-02-01T10:11:14Z";

}  // namespace

TEST_CASE("envelope names parse both ways and unknown names are refused",
          "[collectors][logs][envelope]") {
  CHECK(EnvelopeNames() == std::vector<std::string>{"none", "auto", "cri", "docker"});
  for (const auto& n : EnvelopeNames()) {
    auto e = ParseEnvelope(n);
    REQUIRE(e.has_value());
    CHECK(EnvelopeName(*e) == n);
  }
  CHECK(ParseEnvelope("cri") == Envelope::kCri);
  CHECK(ParseEnvelope("docker") == Envelope::kDocker);
  CHECK_FALSE(ParseEnvelope("CRI").has_value());
  CHECK_FALSE(ParseEnvelope("json-file").has_value());
  CHECK_FALSE(ParseEnvelope("").has_value());
  CHECK(LogSpec{}.envelope == Envelope::kAuto);
}

TEST_CASE("CRI F lines unwrap to their text with the runtime time",
          "[collectors][logs][envelope]") {
  std::string scratch;
  const std::string line(
      EnvNoNl(EnvCri(kEnvT1, "stdout", 'F', "[2024-02-01 10:11:12,345] ERROR - Foo msg")));
  for (Envelope mode : {Envelope::kAuto, Envelope::kCri}) {
    CAPTURE(EnvelopeName(mode));
    const EnvelopeLine e = EnvDecode(mode, line, &scratch);
    CHECK(e.kind == Envelope::kCri);
    CHECK(e.text == "[2024-02-01 10:11:12,345] ERROR - Foo msg");
    CHECK_FALSE(e.partial);
    CHECK(e.has_time);
    CHECK(EnvNanos(e.time) == EnvBaseNanos(900'000'000));
  }
  // Not unwrapped when the mode says otherwise.
  for (Envelope mode : {Envelope::kNone, Envelope::kDocker}) {
    const EnvelopeLine e = EnvDecode(mode, line, &scratch);
    CHECK(e.kind == Envelope::kNone);
    CHECK(e.text == line);
    CHECK_FALSE(e.has_time);
  }
  // stderr, and a P piece.
  // The decoded text points into the line: keep the lines alive while it is read.
  const std::string err_line = EnvCri(kEnvT2, "stderr", 'F', "Exception in thread \"main\"");
  const EnvelopeLine err = EnvDecode(Envelope::kAuto, EnvNoNl(err_line), &scratch);
  CHECK(err.kind == Envelope::kCri);
  CHECK(err.text == "Exception in thread \"main\"");
  CHECK(EnvNanos(err.time) == EnvBaseNanos(1'100'000'000));
  const std::string p_line = EnvCri(kEnvT3, "stdout", 'P', "abc ");
  const EnvelopeLine p = EnvDecode(Envelope::kCri, EnvNoNl(p_line), &scratch);
  CHECK(p.kind == Envelope::kCri);
  CHECK(p.partial);
  CHECK(p.text == "abc ");
  CHECK(EnvNanos(p.time) == EnvBaseNanos(2'000'000'000));
}

TEST_CASE("empty CRI text is an empty line", "[collectors][logs][envelope]") {
  std::string scratch;
  for (std::string line : {std::string(kEnvT1) + " stdout F", std::string(kEnvT1) + " stdout F "}) {
    CAPTURE(line);
    const EnvelopeLine e = EnvDecode(Envelope::kAuto, line, &scratch);
    CHECK(e.kind == Envelope::kCri);
    CHECK(e.text.empty());
    CHECK_FALSE(e.partial);
  }
  // Inside a record it is a blank continuation line, not a separator.
  EnvHarness h;
  const std::string a = EnvCri(kEnvT1, "stdout", 'F', "[2024-02-01 10:11:12,345] ERROR - Foo boom");
  const std::string b = EnvCri(kEnvT1, "stdout", 'F', "");
  const std::string c = EnvCri(kEnvT1, "stdout", 'F', "\tat x.Y.z(Y.java:1)");
  h.Feed(a + b + c);
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].text == "[2024-02-01 10:11:12,345] ERROR - Foo boom\n\n\tat x.Y.z(Y.java:1)");
  CHECK(h.records[0].lines == 3);
  CHECK(h.records[0].end_offset == a.size() + b.size() + c.size());
}

TEST_CASE("CRI P pieces join the F piece into one line at the first piece's offset",
          "[collectors][logs][envelope]") {
  EnvHarness h;
  const std::string l0 =
      EnvCri(kEnvT1, "stdout", 'F', "[2024-02-01 10:11:12,345]  INFO - Foo before");
  const std::string p1 =
      EnvCri(kEnvT2, "stdout", 'P', "[2024-02-01 10:11:13,000] ERROR - Bar part one, ");
  const std::string p2 = EnvCri(kEnvT2, "stdout", 'P', "part two, ");
  const std::string f3 = EnvCri(kEnvT3, "stdout", 'F', "part three");
  const std::string l4 =
      EnvCri(kEnvT3, "stdout", 'F', "[2024-02-01 10:11:14,000]  INFO - Foo after");
  h.Feed(l0 + p1 + p2);
  CHECK(h.records.empty());
  REQUIRE(h.assembler->has_pending());
  CHECK(h.assembler->pending_offset() == 0);  // "before" is still pending too.
  h.Feed(f3);
  // The joined line is an entry: "before" is handed on, the joined record is pending.
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].text == "[2024-02-01 10:11:12,345]  INFO - Foo before");
  CHECK(h.records[0].offset == 0);
  CHECK(h.records[0].end_offset == l0.size());
  CHECK(h.assembler->pending_offset() == l0.size());
  h.Feed(l4);
  REQUIRE(h.records.size() == 2);
  const Record r = h.records[1];  // A copy: the vector grows below.
  CHECK(r.text == "[2024-02-01 10:11:13,000] ERROR - Bar part one, part two, part three");
  CHECK(r.offset == l0.size());
  CHECK(r.end_offset == l0.size() + p1.size() + p2.size() + f3.size());
  CHECK(r.lines == 3);  // Every physical piece is a line read.
  CHECK(r.level == Level::kError);
  CHECK(r.logger == "Bar");
  CHECK(r.FirstMessageLine() == "part one, part two, part three");
  CHECK(r.time_from_log);
  CHECK(FormatRfc3339(r.time) == "2024-02-01T10:11:13.000Z");  // The line's own time.
  CHECK_FALSE(r.truncated);
  CHECK(r.recognised);
  CHECK(r.file == "/var/log/pods/apim/0.log");
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 3);
  CHECK(h.records[2].offset == r.end_offset);
  CHECK(h.assembler->lines() == 5);
  CHECK(h.assembler->records() == 3);
}

TEST_CASE("Docker json-file lines are unescaped", "[collectors][logs][envelope]") {
  // \t, \", \\, \u00e9 and the surrogate pair of U+1F600.
  const std::string line = EnvDocker(
      R"([2024-02-01 10:11:12,345] ERROR - Foo tab\there \"quoted\" back\\slash caf\u00e9 )"
      R"(smile \ud83d\ude00\n)",
      "2024-02-01T10:11:12.5Z");
  const std::string want =
      "[2024-02-01 10:11:12,345] ERROR - Foo tab\there \"quoted\" back\\slash caf\xC3\xA9 smile "
      "\xF0\x9F\x98\x80";
  std::string scratch;
  for (Envelope mode : {Envelope::kAuto, Envelope::kDocker}) {
    const EnvelopeLine e = EnvDecode(mode, EnvNoNl(line), &scratch);
    CHECK(e.kind == Envelope::kDocker);
    CHECK(e.text == want);
    CHECK_FALSE(e.partial);
    CHECK(e.has_time);
    CHECK(EnvNanos(e.time) == EnvBaseNanos(500'000'000));
  }
  CHECK(EnvDecode(Envelope::kCri, EnvNoNl(line), &scratch).kind == Envelope::kNone);
  EnvHarness h;
  h.Feed(line);
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 1);
  const Record& r = h.records[0];
  CHECK(r.text == want);
  CHECK(r.FirstMessageLine() ==
        "tab\there \"quoted\" back\\slash caf\xC3\xA9 smile \xF0\x9F\x98\x80");
  CHECK(r.logger == "Foo");
  CHECK(r.offset == 0);
  CHECK(r.end_offset == line.size());
  CHECK(FormatRfc3339(r.time) == "2024-02-01T10:11:12.345Z");
}

TEST_CASE("a partial Docker piece joins the next line", "[collectors][logs][envelope]") {
  EnvHarness h;
  const std::string a = EnvDocker(R"([2024-02-01 10:11:12,345] ERROR - Foo first half, )", kEnvT1);
  const std::string b = EnvDocker(R"(second half\n)", kEnvT2);
  const std::string c = EnvDocker(R"(\tat x.Y.z(Y.java:1)\n)", kEnvT3);
  std::string scratch;
  const EnvelopeLine e = EnvDecode(Envelope::kDocker, EnvNoNl(a), &scratch);
  CHECK(e.kind == Envelope::kDocker);
  CHECK(e.partial);
  CHECK(e.text == "[2024-02-01 10:11:12,345] ERROR - Foo first half, ");
  h.Feed(a);
  CHECK(h.assembler->has_pending());
  CHECK(h.assembler->pending_offset() == 0);
  h.Feed(b + c);
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 1);
  const Record& r = h.records[0];
  CHECK(r.text ==
        "[2024-02-01 10:11:12,345] ERROR - Foo first half, second half\n\tat x.Y.z(Y.java:1)");
  CHECK(r.lines == 3);
  CHECK(r.offset == 0);
  CHECK(r.end_offset == a.size() + b.size() + c.size());
  CHECK(r.level == Level::kError);
}

TEST_CASE("a Docker line without time keeps the read time", "[collectors][logs][envelope]") {
  std::string scratch;
  const std::string line = EnvDocker(R"(JAVA_HOME environment variable is set to /opt/java\n)", "");
  const EnvelopeLine e = EnvDecode(Envelope::kAuto, EnvNoNl(line), &scratch);
  CHECK(e.kind == Envelope::kDocker);
  CHECK(e.text == "JAVA_HOME environment variable is set to /opt/java");
  CHECK_FALSE(e.has_time);
  // A time that is not RFC 3339 counts as none.
  const EnvelopeLine bad =
      EnvDecode(Envelope::kAuto, EnvNoNl(EnvDocker(R"(x\n)", "yesterday")), &scratch);
  CHECK(bad.kind == Envelope::kDocker);
  CHECK_FALSE(bad.has_time);
  EnvHarness h;
  h.Feed(line);
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].time == h.read_time);
  CHECK_FALSE(h.records[0].time_from_log);
  CHECK_FALSE(h.records[0].recognised);
}

TEST_CASE("a line without its own timestamp takes the envelope's time",
          "[collectors][logs][envelope]") {
  EnvHarness h;
  h.Feed(EnvCri(kEnvT1, "stdout", 'F', "CARBON_HOME environment variable is set to /opt/wso2am"));
  h.Feed(EnvCri(kEnvT2, "stdout", 'F', "[2024-02-01 10:11:12,345]  INFO - Foo up"));
  h.Feed(EnvDocker(R"(Using Java memory options: -Xms256m -Xmx1024m\n)", kEnvT3));
  // A split line without a timestamp: the first piece's time.
  h.Feed(EnvCri(kEnvT1, "stdout", 'P', "Listening for transport dt_socket "));
  h.Feed(EnvCri(kEnvT3, "stdout", 'F', "at address: 5005"));
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 2);
  const Record& pre = h.records[0];
  CHECK(pre.text == "CARBON_HOME environment variable is set to /opt/wso2am");
  CHECK(pre.time_from_log);
  CHECK(EnvNanos(pre.time) == EnvBaseNanos(900'000'000));
  CHECK_FALSE(pre.recognised);
  const Record& up = h.records[1];
  // The entry's own header time wins over the runtime's (10:11:13.1).
  CHECK(FormatRfc3339(up.time) == "2024-02-01T10:11:12.345Z");
  CHECK(up.time_from_log);
  CHECK(up.lines == 4);
  CHECK(up.text ==
        "[2024-02-01 10:11:12,345]  INFO - Foo up\nUsing Java memory options: -Xms256m -Xmx1024m\n"
        "Listening for transport dt_socket at address: 5005");
  // Same for records of their own (plain: a record per line).
  EnvHarness p(LogFormat::kPlain);
  p.Feed(EnvCri(kEnvT2, "stderr", 'F', "no timestamp here"));
  p.Feed(EnvCri(kEnvT1, "stdout", 'P', "split "));
  p.Feed(EnvCri(kEnvT3, "stdout", 'F', "line"));
  REQUIRE(p.records.size() == 2);
  CHECK(p.records[0].time_from_log);
  CHECK(EnvNanos(p.records[0].time) == EnvBaseNanos(1'100'000'000));
  CHECK(p.records[1].text == "split line");
  CHECK(p.records[1].time_from_log);
  CHECK(EnvNanos(p.records[1].time) == EnvBaseNanos(900'000'000));
}

TEST_CASE("a split line in a line-per-record layout counts every piece as a line",
          "[collectors][logs][envelope]") {
  EnvHarness p(LogFormat::kPlain);
  const std::string a = EnvCri(kEnvT1, "stdout", 'P', "split ");
  const std::string b = EnvCri(kEnvT1, "stdout", 'P', "in ");
  const std::string c = EnvCri(kEnvT3, "stdout", 'F', "three");
  p.Feed(a + b + c);
  REQUIRE(p.records.size() == 1);
  CHECK(p.records[0].text == "split in three");
  CHECK(p.records[0].offset == 0);
  CHECK(p.records[0].end_offset == a.size() + b.size() + c.size());
  CHECK(p.records[0].lines == 3);
  CHECK(p.assembler->lines() == 3);
}

TEST_CASE("auto mode passes ordinary log lines through unchanged", "[collectors][logs][envelope]") {
  std::string scratch;
  for (std::string_view line : {
           "TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO {a.B} - WSO2 Carbon started",
           // An errors-log line starts with a digit and a time, like CRI: not CRI.
           "2024-11-16T02:31:12,004 [-] [HTTP-Sender I/O dispatcher-3]  WARN X msg",
           "2024-11-16 02:31:12,004 [-] [main] ERROR TransactionManager stdout F x",
           "2024-11-16T02:31:12.004Z stdio F x",
           "2024-11-16T02:31:12.004Z stdout Q x",
           "2024-11-16T02:31:12.004Z stdout Fx",
           "2024-11-16T02:31:12.004 stdout F no zone",
           "08:23:34,898 [-] [PassThroughMessageProcessor-188]  INFO ELKCounterMetric apimMetrics",
           "[2023-04-28 13:34:38,644] ERROR - ShortClassName Message text",
           "10.1.9.40 - - [18/Mar/2021:10:04:27 +0530] GET /x HTTP/1.1 200 2104 - UA 0.014",
           R"({"performedBy":"admin","action":"created"})",
           R"({"level":"info","msg":"no log key"})",
           "",
           "\tat x.Y.z(Y.java:1)",
       }) {
    CAPTURE(line);
    const EnvelopeLine e = EnvDecode(Envelope::kAuto, line, &scratch);
    CHECK(e.kind == Envelope::kNone);
    CHECK(e.text.data() == line.data());
    CHECK(e.text.size() == line.size());
    CHECK_FALSE(e.partial);
    CHECK_FALSE(e.has_time);
  }
  // Assembled in auto mode, an errors log gives the records it gives without envelopes.
  const std::string errors =
      "2024-11-16T02:31:12,004 [-] [HTTP-Sender I/O dispatcher-3]  WARN X msg one\n"
      "2024-11-16T02:31:13,005 [-] [main] ERROR {org.x.Y} msg two\n"
      "org.x.FooException: boom\n"
      "\tat x.Y.z(Y.java:1)\n";
  EnvHarness with(LogFormat::kWso2Errors, Envelope::kAuto);
  EnvHarness without(LogFormat::kWso2Errors, Envelope::kNone);
  with.Feed(errors);
  without.Feed(errors);
  with.assembler->Flush(with.sink);
  without.assembler->Flush(without.sink);
  REQUIRE(with.records.size() == 2);
  REQUIRE(without.records.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(with.records[i].text == without.records[i].text);
    CHECK(with.records[i].offset == without.records[i].offset);
    CHECK(with.records[i].end_offset == without.records[i].end_offset);
    CHECK(with.records[i].time == without.records[i].time);
    CHECK(with.records[i].time_from_log);
    CHECK(with.records[i].level == without.records[i].level);
    CHECK(with.records[i].logger == without.records[i].logger);
    CHECK(with.records[i].lines == without.records[i].lines);
  }
  CHECK(with.records[0].logger == "X");
  CHECK(with.records[1].lines == 3);
  CHECK(FormatRfc3339(with.records[1].time) == "2024-11-16T02:31:13.005Z");
}

TEST_CASE("hostile envelope lines pass through raw", "[collectors][logs][envelope]") {
  std::string scratch;
  for (std::string_view line : {
           R"({"log":"unterminated)",
           R"({"log":"x\n","stream":"stdout",)",
           R"({"log":5,"stream":"stdout"})",
           R"({"log":null})",
           R"({"log":"lone surrogate \ud83d\n"})",
           "{\"log\":\"invalid utf-8 \xff\\n\"}",
           R"({"log"})",
           // CRI with an impossible time: month 13, day 32, hour 24, a bad offset.
           "2024-13-01T10:11:12.000Z stdout F month thirteen",
           "2024-01-32T10:11:12.000Z stdout F day 32",
           "2024-01-01T24:11:12.000Z stdout F hour 24",
           "2024-01-01T10:11:12.000+25:00 stdout F offset 25h",
       }) {
    CAPTURE(line);
    for (Envelope mode : {Envelope::kAuto, Envelope::kCri, Envelope::kDocker}) {
      const EnvelopeLine e = EnvDecode(mode, line, &scratch);
      CHECK(e.kind == Envelope::kNone);
      CHECK(e.text == line);
    }
  }
  // Assembled, the month-13 CRI line is a record with its raw text.
  EnvHarness h;
  h.Feed("2024-13-01T10:11:12.000Z stdout F month thirteen\n");
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].text == "2024-13-01T10:11:12.000Z stdout F month thirteen");
  CHECK(h.records[0].time == h.read_time);
  CHECK_FALSE(h.records[0].time_from_log);
}

TEST_CASE("Docker lines over kMaxEnvelopeLine pass through raw", "[collectors][logs][envelope]") {
  const std::string head = R"({"log":")";
  const std::string tail = R"(\n","stream":"stdout","time":"2024-02-01T10:11:14Z"})";
  auto docker_of_size = [&](size_t n) {
    return head + std::string(n - head.size() - tail.size(), 'a') + tail;
  };
  std::string scratch;
  // At the cap: decoded.
  const std::string at_cap = docker_of_size(kMaxEnvelopeLine);
  REQUIRE(at_cap.size() == kMaxEnvelopeLine);
  const EnvelopeLine ok = EnvDecode(Envelope::kAuto, at_cap, &scratch);
  CHECK(ok.kind == Envelope::kDocker);
  CHECK(ok.text.size() == kMaxEnvelopeLine - head.size() - tail.size());
  // One byte over, and 300 KiB: raw.
  for (size_t n : {kMaxEnvelopeLine + 1, size_t{300 * 1024}}) {
    CAPTURE(n);
    const std::string big = docker_of_size(n);
    const EnvelopeLine e = EnvDecode(Envelope::kAuto, big, &scratch);
    CHECK(e.kind == Envelope::kNone);
    CHECK(e.text.size() == n);
    CHECK(EnvDecode(Envelope::kDocker, big, &scratch).kind == Envelope::kNone);
  }
  // Through the assembler with a max_line above it: one raw record, no crash.
  const std::string big = docker_of_size(300 * 1024);
  EnvHarness h(LogFormat::kWso2Console, Envelope::kAuto, 512 * 1024);
  h.Feed(big + "\n");
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 1);
  CHECK(h.records[0].text == big);
  CHECK(h.records[0].end_offset == big.size() + 1);
  CHECK_FALSE(h.records[0].truncated);
  CHECK_FALSE(h.records[0].time_from_log);
}

TEST_CASE("thousands of P pieces without an F stay capped at max_line",
          "[collectors][logs][envelope]") {
  constexpr uint64_t kMaxLine = 4096;
  EnvHarness h(LogFormat::kWso2Console, Envelope::kCri, kMaxLine);
  const std::string first = EnvCri(
      kEnvT1, "stdout", 'P', "[2024-02-01 10:11:12,345] ERROR - Foo " + std::string(100, 'x'));
  h.Feed(first);
  uint64_t total = first.size();
  const std::string piece = EnvCri(kEnvT2, "stdout", 'P', std::string(100, 'y'));
  for (int i = 0; i < 5000; ++i) {
    h.Feed(piece);
    total += piece.size();
  }
  CHECK(h.records.empty());
  CHECK(h.assembler->has_pending());
  CHECK(h.assembler->pending_offset() == 0);
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 1);
  const Record& r = h.records[0];
  CHECK(r.text.size() == kMaxLine);
  CHECK(r.truncated);
  CHECK(r.lines == 5001);
  CHECK(r.offset == 0);
  CHECK(r.end_offset == total);
  CHECK(r.recognised);
  CHECK(r.level == Level::kError);
  CHECK(r.text.substr(0, 38) == "[2024-02-01 10:11:12,345] ERROR - Foo ");
  CHECK(r.text.back() == 'y');
  CHECK_FALSE(h.assembler->has_pending());
  // The next line starts clean.
  h.Feed(EnvCri(kEnvT3, "stdout", 'F', "[2024-02-01 10:11:14,000]  INFO - Foo next"));
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[1].text == "[2024-02-01 10:11:14,000]  INFO - Foo next");
  CHECK_FALSE(h.records[1].truncated);
  CHECK(h.records[1].offset == total);
}

TEST_CASE("RFC 3339 nano times parse with every offset and fraction length",
          "[collectors][logs][envelope]") {
  struct Case {
    std::string text;
    int64_t nanos;  // Since the epoch.
  };
  auto c = GENERATE(values<Case>({
      {"2024-02-01T10:11:12Z", EnvBaseNanos(0)},
      {"2024-02-01t10:11:12z", EnvBaseNanos(0)},
      {"2024-02-01T10:11:12.1Z", EnvBaseNanos(100'000'000)},
      {"2024-02-01T10:11:12.12Z", EnvBaseNanos(120'000'000)},
      {"2024-02-01T10:11:12.123Z", EnvBaseNanos(123'000'000)},
      {"2024-02-01T10:11:12.1234Z", EnvBaseNanos(123'400'000)},
      {"2024-02-01T10:11:12.12345Z", EnvBaseNanos(123'450'000)},
      {"2024-02-01T10:11:12.123456Z", EnvBaseNanos(123'456'000)},
      {"2024-02-01T10:11:12.1234567Z", EnvBaseNanos(123'456'700)},
      {"2024-02-01T10:11:12.12345678Z", EnvBaseNanos(123'456'780)},
      {"2024-02-01T10:11:12.123456789Z", EnvBaseNanos(123'456'789)},
      {"2024-02-01T10:11:12.000000001Z", EnvBaseNanos(1)},
      {"2024-02-01T10:11:12+01:00", EnvBaseNanos(-3600LL * 1'000'000'000)},
      {"2024-02-01T10:11:12.5+01:00", EnvBaseNanos(-3600LL * 1'000'000'000 + 500'000'000)},
      {"2024-02-01T10:11:12-05:30", EnvBaseNanos(19800LL * 1'000'000'000)},
      {"2024-02-01T10:11:12.123456789-05:30", EnvBaseNanos(19800LL * 1'000'000'000 + 123'456'789)},
      {"2024-02-01T10:11:12+00:00", EnvBaseNanos(0)},
      // Across midnight and the year.
      {"2024-01-01T00:30:00+01:00", (1'704'067'200LL - 1800) * 1'000'000'000},
  }));
  CAPTURE(c.text);
  WallTime t{};
  REQUIRE(ParseRfc3339Nano(c.text, &t));
  CHECK(EnvNanos(t) == c.nanos);
}

TEST_CASE("RFC 3339 nano parsing rejects what is not such a time", "[collectors][logs][envelope]") {
  const WallTime sentinel{std::chrono::seconds(42)};
  for (const char* bad : {
           "",
           "2024-02-01T10:11:12",         // No zone.
           "2024-02-01T10:11:12.123",     // No zone.
           "2024-02-01 10:11:12Z",        // Not the T form the runtimes write.
           "2024-02-01T10:11:12.Z",       // A dot without digits.
           "2024-02-01T10:11:12+0100",    // Offset without its colon.
           "2024-02-01T10:11:12+01",      // Offset without minutes.
           "2024-02-01T10:11:12+01:00x",  // Trailing text.
           "2024-02-01T10:11:12ZZ",
           "2024-02-01T10:11:12+24:00",  // Offset hour.
           "2024-02-01T10:11:12+01:60",  // Offset minute.
           "2024-13-01T10:11:12Z",       // Month 13.
           "2024-00-01T10:11:12Z",       // Month 0.
           "2024-02-30T10:11:12Z",       // 30 February.
           "2024-04-31T10:11:12Z",       // 31 April.
           "2024-02-00T10:11:12Z",       // Day 0.
           "2024-02-01T24:00:00Z",       // Hour 24.
           "2024-02-01T10:60:00Z",       // Minute 60.
           "2024-02-01T10:11:61Z",       // Second 61.
           "2024-2-01T10:11:12Z",        // Unpadded month.
           "24-02-01T10:11:12Z",
           "2024-02-01T10:11:12.12a4Z",
           "2300-01-01T00:00:00Z",  // Outside the accepted range.
           "1899-12-31T23:59:59Z",
           "stdout F 2024-02-01T10:11:12Z",
       }) {
    CAPTURE(bad);
    WallTime t = sentinel;
    CHECK_FALSE(ParseRfc3339Nano(bad, &t));
    CHECK(t == sentinel);  // Untouched on failure.
  }
}

TEST_CASE("a held piece is pending until it is flushed or discarded",
          "[collectors][logs][envelope]") {
  const std::string l0 =
      EnvCri(kEnvT1, "stdout", 'F', "[2024-02-01 10:11:12,345] ERROR - Foo first");
  const std::string p1 =
      EnvCri(kEnvT2, "stdout", 'P', "[2024-02-01 10:11:13,000]  INFO - Bar part one ");
  const std::string f2 = EnvCri(kEnvT3, "stdout", 'F', "tail");

  SECTION("a piece held with nothing else pending: its offset, flushed when idle") {
    EnvHarness h;
    h.Feed(l0);
    CHECK(h.assembler->pending_offset() == 0);
    REQUIRE(h.assembler->Flush(h.sink));
    REQUIRE(h.records.size() == 1);
    CHECK_FALSE(h.assembler->has_pending());
    CHECK_FALSE(h.assembler->Flush(h.sink));  // Nothing held.
    h.Feed(p1);
    CHECK(h.records.size() == 1);
    CHECK(h.assembler->has_pending());
    CHECK(h.assembler->pending_offset() == l0.size());
    CHECK_FALSE(h.assembler->FlushIfIdle(h.now + std::chrono::milliseconds(499),
                                         std::chrono::milliseconds(500), h.sink));
    CHECK(h.assembler->has_pending());
    CHECK(h.assembler->FlushIfIdle(h.now + std::chrono::milliseconds(500),
                                   std::chrono::milliseconds(500), h.sink));
    REQUIRE(h.records.size() == 2);
    const Record& r = h.records[1];
    CHECK(r.text == "[2024-02-01 10:11:13,000]  INFO - Bar part one ");
    CHECK(r.offset == l0.size());
    CHECK(r.end_offset == l0.size() + p1.size());
    CHECK(r.logger == "Bar");
    CHECK(r.lines == 1);
    CHECK_FALSE(h.assembler->has_pending());
  }
  SECTION("Flush hands on the pending record and the held piece as the next record") {
    EnvHarness h;
    h.Feed(l0 + p1);
    CHECK(h.assembler->pending_offset() == 0);  // The record before the piece.
    REQUIRE(h.assembler->Flush(h.sink));
    REQUIRE(h.records.size() == 2);
    CHECK(h.records[0].text == "[2024-02-01 10:11:12,345] ERROR - Foo first");
    CHECK(h.records[0].end_offset == l0.size());
    CHECK(h.records[1].text == "[2024-02-01 10:11:13,000]  INFO - Bar part one ");
    CHECK(h.records[1].offset == l0.size());
    CHECK(h.records[1].end_offset == l0.size() + p1.size());
    CHECK_FALSE(h.assembler->has_pending());
  }
  SECTION("Flush joins a held continuation piece to the pending record") {
    EnvHarness h;
    const std::string frame = EnvCri(kEnvT2, "stdout", 'P', "\tat x.Y.z(Y.ja");
    h.Feed(l0 + frame);
    REQUIRE(h.assembler->Flush(h.sink));
    REQUIRE(h.records.size() == 1);
    CHECK(h.records[0].text == "[2024-02-01 10:11:12,345] ERROR - Foo first\n\tat x.Y.z(Y.ja");
    CHECK(h.records[0].lines == 2);
    CHECK(h.records[0].end_offset == l0.size() + frame.size());
  }
  SECTION("Discard drops the pending record and the held piece") {
    EnvHarness h;
    h.Feed(l0 + p1);
    REQUIRE(h.assembler->has_pending());
    h.assembler->Discard();
    CHECK_FALSE(h.assembler->has_pending());
    CHECK_FALSE(h.assembler->Flush(h.sink));
    CHECK(h.records.empty());
    // The F piece after it is a line of its own, not the end of the dropped one.
    h.Feed(f2);
    REQUIRE(h.assembler->Flush(h.sink));
    REQUIRE(h.records.size() == 1);
    CHECK(h.records[0].text == "tail");
    CHECK(h.records[0].offset == l0.size() + p1.size());
    CHECK(h.records[0].lines == 1);
  }
}

TEST_CASE("a console stack trace inside CRI lines assembles into one record",
          "[collectors][logs][envelope]") {
  EnvHarness h(LogFormat::kWso2Console, Envelope::kCri);
  const std::vector<std::string> inner = {
      "[2023-04-28 13:34:38,644] ERROR - APIManagerComponent Error while initializing",
      "java.lang.NullPointerException: x",
      "\tat org.wso2.carbon.apimgt.impl.X.y(X.java:10)",
      "\tat org.wso2.carbon.apimgt.impl.X.z(X.java:20)",
      "Caused by: java.sql.SQLException: Cannot create PoolableConnectionFactory",
      "\t... 12 more",
      "",
  };
  std::string text;
  for (size_t i = 0; i < inner.size(); ++i) {
    // The frames on stderr, as a JVM's uncaught exception would be.
    const bool frame = inner[i].rfind("\tat", 0) == 0;
    text += EnvCri(i == 0 ? kEnvT1 : kEnvT2, frame ? "stderr" : "stdout", 'F', inner[i]);
  }
  const std::string next =
      EnvCri(kEnvT3, "stdout", 'F', "[2023-04-28 13:34:39,000]  INFO - ServerStartupObserver Up");
  h.Feed(text + next);
  REQUIRE(h.records.size() == 1);
  const Record& r = h.records[0];
  CHECK(r.lines == 7);
  CHECK(r.offset == 0);
  CHECK(r.end_offset == text.size());
  CHECK(r.level == Level::kError);
  CHECK(r.logger == "APIManagerComponent");
  CHECK(FormatRfc3339(r.time) == "2023-04-28T13:34:38.644Z");
  std::string want;
  for (size_t i = 0; i < inner.size(); ++i) want += (i ? "\n" : "") + inner[i];
  CHECK(r.text == want);
  REQUIRE(h.assembler->Flush(h.sink));
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[1].logger == "ServerStartupObserver");
  CHECK(h.records[1].offset == text.size());
}

TEST_CASE("CRI files replay to records with the file's offsets", "[collectors][logs][envelope]") {
  testing::TempDir dir;
  const std::string l0 =
      EnvCri(kEnvT1, "stdout", 'F', "JAVA_HOME environment variable is set to /opt/java");
  const std::string l1 =
      EnvCri(kEnvT2, "stdout", 'F', "[2024-02-01 10:11:12,345] ERROR - Foo boom");
  const std::string l2 = EnvCri(kEnvT2, "stderr", 'P', "\tat x.Y.z(Y.ja");
  const std::string l3 = EnvCri(kEnvT2, "stderr", 'F', "va:1)");
  const std::string l4 = EnvCri(kEnvT3, "stdout", 'F', "[2024-02-01 10:11:14,000]  INFO - Foo ok");
  const auto path = dir.Write("0.log", l0 + l1 + l2 + l3 + l4);
  LogSpec spec;
  spec.name = "pod";
  spec.format = LogFormat::kWso2Console;
  spec.timezone = TimeZone::Utc();
  FileReadStats stats;
  auto read = cg::testing::ReadAllRecords(path, spec, &stats);
  REQUIRE(read.ok());
  const std::vector<Record>& got = *read;
  CHECK(stats.lines == 5);
  CHECK(stats.records == 3);
  REQUIRE(got.size() == 3);
  CHECK(got[0].text == "JAVA_HOME environment variable is set to /opt/java");
  CHECK(got[0].offset == 0);
  CHECK(EnvNanos(got[0].time) == EnvBaseNanos(900'000'000));  // The runtime's time.
  CHECK(got[1].text == "[2024-02-01 10:11:12,345] ERROR - Foo boom\n\tat x.Y.z(Y.java:1)");
  CHECK(got[1].offset == l0.size());
  CHECK(got[1].end_offset == l0.size() + l1.size() + l2.size() + l3.size());
  CHECK(got[1].lines == 3);
  CHECK(got[2].offset == got[1].end_offset);
  CHECK(got[2].end_offset == l0.size() + l1.size() + l2.size() + l3.size() + l4.size());
  CHECK(FormatRfc3339(got[2].time) == "2024-02-01T10:11:14.000Z");
}

TEST_CASE("a raw line after an unfinished split line keeps the read time as not from the log",
          "[collectors][logs][envelope]") {
  // A runtime restart leaves a P piece without its F; the raw line after it was read, not
  // stamped by the runtime.
  EnvHarness h(LogFormat::kPlain);
  h.Feed(EnvCri(kEnvT1, "stdout", 'P', "cut short "));
  h.Feed("raw line\n");
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].text == "cut short ");
  CHECK(h.records[0].time_from_log);
  CHECK(h.records[1].text == "raw line");
  CHECK(h.records[1].time == h.read_time);
  CHECK_FALSE(h.records[1].time_from_log);
}

TEST_CASE("a split stdout line ends at the next F piece of stdout not of stderr",
          "[collectors][logs][envelope]") {
  // envelope.h: "P" is a partial piece of a line the runtime split, the line ends at the
  // next "F" piece of the same stream. stdout and stderr share the file.
  EnvHarness h(LogFormat::kPlain);
  h.Feed(EnvCri(kEnvT1, "stdout", 'P', "[2024-02-01 10:11:12,345] ERROR - Foo part one, "));
  h.Feed(EnvCri(kEnvT2, "stderr", 'F', "Exception in thread \"main\""));
  h.Feed(EnvCri(kEnvT3, "stdout", 'F', "part two"));
  std::vector<std::string> texts;
  for (const auto& r : h.records) texts.push_back(r.text);
  CAPTURE(texts);
  CHECK(texts.size() == 2);
  CHECK(std::find(texts.begin(), texts.end(),
                  "[2024-02-01 10:11:12,345] ERROR - Foo part one, part two") != texts.end());
  CHECK(std::find(texts.begin(), texts.end(), "Exception in thread \"main\"") != texts.end());
}

}  // namespace cg

namespace cg {
namespace {

TEST_CASE("a Docker-looking line nested deep passes through raw", "[collectors][logs][envelope]") {
  // Deeper than the json-file driver's flat object: refused before nlohmann builds it.
  std::string line = "{\"log\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  std::string scratch;
  EnvelopeLine e;
  DecodeEnvelope(Envelope::kAuto, line, &scratch, &e);
  CHECK(e.kind == Envelope::kNone);
  CHECK(e.text.size() == line.size());
  // The driver's "attrs" object (container labels) is one level deeper and still read.
  const std::string nested = R"({"log":"x\n","attrs":{"tag":"apim"},"stream":"stdout"})";
  DecodeEnvelope(Envelope::kDocker, nested, &scratch, &e);
  CHECK(e.kind == Envelope::kDocker);
  CHECK(e.text == "x");
}

}  // namespace
}  // namespace cg
