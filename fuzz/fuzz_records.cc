// Fuzzes record assembly (LineSplitter -> RecordFormat::Match -> RecordAssembler) for every log
// format the config accepts, plus a differential check of the hand-written carbon header parser
// against the carbon entry-start regex it replaces on the hot path.
//
// Log files are the daemon's only input that nobody controls: a damaged, truncated, binary or
// hostile log must never crash the tailer, and the assembler promises that record text is valid
// UTF-8 without NUL, that message_start lies inside the first line, and that memory stays
// bounded. Input layout: byte 0 picks the format (and the line length limit), byte 1 where the
// rest is cut into two Feed() calls (a partial line held across them); the rest is the log.
#include <re2/re2.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "collectors/logs/carbon_header.h"
#include "collectors/logs/line_splitter.h"
#include "collectors/logs/log_spec.h"
#include "collectors/logs/record_assembler.h"
#include "collectors/logs/record_format.h"

namespace {

struct FormatChoice {
  cg::LogFormat format;
  const char* entry_start;
};

// custom: one pattern with the named groups the format reads, one without any group.
constexpr FormatChoice kFormats[] = {
    {cg::LogFormat::kWso2Carbon, ""},
    {cg::LogFormat::kWso2Errors, ""},
    {cg::LogFormat::kWso2Audit, ""},
    {cg::LogFormat::kTomcatAccess, ""},
    {cg::LogFormat::kPlain, ""},
    {cg::LogFormat::kCustom,
     R"((?P<time>\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}:\d{2}(?:[,.]\d{3})?) +(?P<level>[A-Z]+) +\[(?P<logger>[^\]]*)\])"},
    {cg::LogFormat::kCustom, R"(\d{2}/\d{2}/\d{2} )"},
};
constexpr size_t kNumFormats = sizeof(kFormats) / sizeof(kFormats[0]);

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_records invariant broken: %s [%.*s]\n", what,
               static_cast<int>(std::min<size_t>(detail.size(), 200)), detail.data());
  std::abort();
}

// Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF), and no NUL.
bool IsValidUtf8NoNul(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// The carbon hand parser must agree with the regex on every line it accepts ("it only has to
// be right, not complete": carbon_header.h).
void CheckCarbonParserAgainstRegex(std::string_view line) {
  static const re2::RE2* re = [] {
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_encoding(re2::RE2::Options::EncodingLatin1);
    return new re2::RE2(cg::CarbonEntryPattern(), opts);
  }();
  cg::EntryHeader hand;
  if (!cg::ParseCarbonHeader(line, &hand)) return;
  re2::StringPiece g[4];
  if (!re->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), re2::RE2::ANCHOR_START,
                 g, 4)) {
    Fail("ParseCarbonHeader accepts a line the carbon regex rejects", line);
  }
  cg::CivilTime civil;
  bool has_time = cg::ParseLogTimestamp(std::string_view(g[1].data(), g[1].size()), &civil);
  cg::Level level = cg::ParseLevel(std::string_view(g[2].data(), g[2].size()));
  std::string_view logger(g[3].data(), g[3].size());
  if (has_time != hand.has_time) Fail("carbon parser/regex disagree on has_time", line);
  if (has_time && (civil.year != hand.civil.year || civil.month != hand.civil.month ||
                   civil.day != hand.civil.day || civil.hour != hand.civil.hour ||
                   civil.minute != hand.civil.minute || civil.second != hand.civil.second ||
                   civil.millis != hand.civil.millis)) {
    Fail("carbon parser/regex disagree on the timestamp", line);
  }
  if (level != hand.level) Fail("carbon parser/regex disagree on the level", line);
  if (logger != hand.logger) Fail("carbon parser/regex disagree on the logger", line);
  if (g[0].size() != hand.message_offset)
    Fail("carbon parser/regex disagree on message_offset", line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const FormatChoice& choice = kFormats[data[0] % kNumFormats];
  // Small limits now and then, so line truncation and record truncation are reached.
  const uint64_t max_line = (data[0] / kNumFormats) % 4 == 0 ? 64 : 64 * 1024;
  const size_t cut = data[1];
  std::string_view log(reinterpret_cast<const char*>(data + 2), size - 2);

  // Formats are compiled once (RE2 compilation is not what is fuzzed); the assembler is made
  // per input as RecordAssembler::Create would, so no state leaks from one input to the next.
  static auto* formats = new std::shared_ptr<const cg::RecordFormat>[kNumFormats];
  std::shared_ptr<const cg::RecordFormat>& format = formats[data[0] % kNumFormats];
  if (format == nullptr) {
    auto created = cg::RecordFormat::Create(choice.format, choice.entry_start);
    if (!created.ok()) Fail("built-in format does not compile", created.error().message());
    format = std::move(created).value();
  }
  cg::AssemblerOptions options;
  options.log_name = "fuzz";
  options.zone = (data[1] & 1) ? cg::TimeZone::Utc()
                               : cg::TimeZone::FixedOffset(std::chrono::minutes(5 * 60 + 30));
  options.max_record_bytes = std::max<uint64_t>(options.max_record_bytes, 4 * max_line);
  cg::RecordAssembler assembler(format, options);
  assembler.SetSource("/fuzz/wso2carbon.log", cg::FileIdentity{1, 2, 3});

  uint64_t records = 0;
  const uint64_t max_text = 3 * (max_line + options.max_record_bytes) + 16;
  cg::RecordSink sink = [&](const cg::Record& r) {
    ++records;
    if (!IsValidUtf8NoNul(r.text)) Fail("record text is not valid UTF-8 (or has NUL)", r.text);
    if (r.message_start > r.FirstLine().size()) Fail("message_start past the first line", r.text);
    if (r.offset > r.end_offset) Fail("record offset past its end_offset", r.text);
    if (r.lines == 0) Fail("record of zero lines", r.text);
    if (r.text.size() > max_text) Fail("record text beyond its memory bound", "");
  };

  const cg::WallTime read_time{std::chrono::seconds(1'731'723'000)};
  cg::MonoTime now{std::chrono::seconds(100)};
  cg::LineSplitter splitter(max_line);
  auto on_line = [&](const cg::Line& line) {
    if (choice.format == cg::LogFormat::kWso2Carbon) CheckCarbonParserAgainstRegex(line.text);
    assembler.AddLine(line, read_time, now, sink);
  };
  const size_t first = std::min(cut * 7, log.size());
  splitter.Feed(log.substr(0, first), on_line);
  now += std::chrono::milliseconds(100);
  assembler.FlushIfIdle(now, std::chrono::milliseconds(500), sink);
  splitter.Feed(log.substr(first), on_line);
  splitter.FlushPartial(on_line);
  assembler.Flush(sink);
  return 0;
}
