#include "collectors/logs/layout_detect.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <sstream>
#include <tuple>

#include "collectors/logs/record_format.h"

namespace cg {
namespace {

constexpr std::array<LogFormat, 5> kCandidates = {LogFormat::kWso2Carbon, LogFormat::kWso2Console,
                                                  LogFormat::kWso2Errors, LogFormat::kWso2Audit,
                                                  LogFormat::kTomcatAccess};

const RecordFormat* FormatOf(LogFormat f) {
  // Compiled once per process: the patterns are constants.
  static const auto formats = [] {
    std::array<std::shared_ptr<const RecordFormat>, kCandidates.size()> out;
    for (size_t i = 0; i < kCandidates.size(); ++i) {
      auto r = RecordFormat::Create(kCandidates[i], "");
      if (r.ok()) out[i] = *r;
    }
    return out;
  }();
  for (size_t i = 0; i < kCandidates.size(); ++i) {
    if (kCandidates[i] == f) return formats[i].get();
  }
  return nullptr;
}

bool IsIdentStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '.'; }

// A Java exception line that opens a trace on a line of its own (2.6 and the console put the
// exception there): "java.lang.NullPointerException", "org.x.FooException: msg".
bool IsExceptionLine(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && IsIdentChar(line[i])) ++i;
  const std::string_view name = line.substr(0, i);
  if (name.find('.') == std::string_view::npos) return false;
  if (i < line.size() && line[i] != ':') return false;
  return name.ends_with("Exception") || name.ends_with("Error") || name.ends_with("Throwable") ||
         name.ends_with("Fault");
}

// A line a multi-line record holds after its entry line.
bool IsContinuation(std::string_view line) {
  if (line.empty()) return true;
  if (line[0] == '\t' || line[0] == ' ') return true;
  if (line.starts_with("Caused by:") || line.starts_with("... ") ||
      line.starts_with("Suppressed:")) {
    return true;
  }
  return IsExceptionLine(line);
}

// The console's short logger: present, and not an audit "Initiator : ..." field name.
bool ConsoleLineHasLogger(std::string_view line, const EntryHeader& h) {
  if (h.logger.empty()) return false;
  const size_t end = static_cast<size_t>(h.logger.data() - line.data()) + h.logger.size();
  return !(line.size() >= end + 2 && line[end] == ' ' && line[end + 1] == ':');
}

struct Sample {
  std::vector<std::string> lines;
  uint32_t enveloped[4] = {0, 0, 0, 0};  // By Envelope value.
};

Sample Unwrap(std::string_view head) {
  Sample s;
  // A cut last line is not a line (unless it is all there is).
  if (const size_t last_nl = head.rfind('\n'); last_nl != std::string_view::npos) {
    head = head.substr(0, last_nl + 1);
  }
  std::string scratch;
  std::string piece[2];  // Per stream, as the runtime splits them.
  bool in_piece[2] = {false, false};
  while (!head.empty() && s.lines.size() < kLayoutSampleLines) {
    const size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    EnvelopeLine e;
    DecodeEnvelope(Envelope::kAuto, line, &scratch, &e);
    ++s.enveloped[static_cast<int>(e.kind)];
    const int stream = e.stderr_stream ? 1 : 0;
    if (e.kind != Envelope::kNone && (e.partial || in_piece[stream])) {
      piece[stream].append(e.text);
      in_piece[stream] = e.partial;
      if (in_piece[stream]) continue;
      s.lines.push_back(std::move(piece[stream]));
      piece[stream].clear();
      continue;
    }
    std::string_view text = e.text;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    s.lines.emplace_back(text);
  }
  for (int stream : {0, 1}) {
    if (in_piece[stream]) s.lines.push_back(std::move(piece[stream]));
  }
  return s;
}

std::string Percent(uint32_t part, uint32_t whole) {
  return std::to_string(whole == 0 ? 0 : (100 * part + whole / 2) / whole) + "%";
}

}  // namespace

std::optional<LogFormat> LayoutFromFileName(std::string_view name) {
  struct Known {
    std::string_view prefix;
    LogFormat format;
  };
  static constexpr Known kKnown[] = {{"wso2carbon", LogFormat::kWso2Carbon},
                                     {"wso2-apigw-errors", LogFormat::kWso2Errors},
                                     {"audit", LogFormat::kWso2Audit},
                                     {"http_access", LogFormat::kTomcatAccess}};
  // wso2carbon.out / nohup.out are what the start scripts redirect the console to.
  if (name.ends_with(".out")) return LogFormat::kWso2Console;
  for (const auto& k : kKnown) {
    if (name.starts_with(k.prefix)) return k.format;
  }
  return std::nullopt;
}

std::string_view DefaultLogName(LogFormat format) {
  switch (format) {
    case LogFormat::kWso2Carbon:
      return "carbon";
    case LogFormat::kWso2Console:
      return "console";
    case LogFormat::kWso2Errors:
      return "gw-errors";
    case LogFormat::kWso2Audit:
      return "audit";
    case LogFormat::kTomcatAccess:
      return "access";
    case LogFormat::kPlain:
      return "plain";
    case LogFormat::kCustom:
      return "custom";
  }
  return "plain";
}

LayoutDetection DetectLayout(std::string_view head, std::string_view file_name) {
  LayoutDetection d;
  Sample sample = Unwrap(head);
  const uint32_t total_lines = static_cast<uint32_t>(sample.lines.size());
  const uint32_t wrapped = sample.enveloped[static_cast<int>(Envelope::kCri)] +
                           sample.enveloped[static_cast<int>(Envelope::kDocker)];
  if (2 * wrapped >= std::max<uint32_t>(1, total_lines) && wrapped > 0) {
    d.envelope = sample.enveloped[static_cast<int>(Envelope::kCri)] >=
                         sample.enveloped[static_cast<int>(Envelope::kDocker)]
                     ? Envelope::kCri
                     : Envelope::kDocker;
  }
  std::vector<std::string_view> lines;
  for (const auto& l : sample.lines) {
    if (l.find_first_not_of(" \t") != std::string::npos) lines.push_back(l);
  }
  d.sampled = static_cast<uint32_t>(lines.size());

  std::vector<uint32_t> first_entry(kCandidates.size(), d.sampled);
  for (size_t c = 0; c < kCandidates.size(); ++c) {
    const RecordFormat* f = FormatOf(kCandidates[c]);
    LayoutScore score;
    score.format = kCandidates[c];
    if (f == nullptr) {
      d.scores.push_back(score);
      continue;
    }
    bool started = false;
    for (uint32_t i = 0; i < lines.size(); ++i) {
      const std::string_view line = lines[i];
      EntryHeader h;
      bool entry = f->Match(line, &h) && h.in_layout;
      if (entry && score.format == LogFormat::kWso2Console) {
        entry = ConsoleLineHasLogger(line, h);
      } else if (entry && score.format == LogFormat::kWso2Audit && line[0] == '[') {
        // The 2.6 audit shape: not when the console reading finds a class name there.
        EntryHeader ch;
        const RecordFormat* console = FormatOf(LogFormat::kWso2Console);
        entry = !(console && console->Match(line, &ch) && ConsoleLineHasLogger(line, ch));
      }
      if (entry) {
        ++score.entries;
        if (!started) first_entry[c] = i;
        started = true;
      } else if (started && !f->line_per_record() && IsContinuation(line)) {
        ++score.continuations;
      }
    }
    // A preamble (the start scripts' own output before the JVM logs anything) is judged
    // apart: the share is over the lines from the first record on. A long one, or one before
    // a single record, is not a preamble but a file in another layout.
    const uint32_t preamble = first_entry[c];
    const uint32_t judged = d.sampled - std::min(preamble, d.sampled);
    const bool preamble_ok =
        preamble == 0 || (preamble <= kMaxPreambleLines &&
                          (score.entries >= 2 || preamble <= kMaxPreambleOneRecord));
    score.share = judged == 0 || !preamble_ok
                      ? 0.0
                      : static_cast<double>(score.entries + score.continuations) /
                            static_cast<double>(judged);
    d.scores.push_back(score);
  }

  const std::optional<LogFormat> hint = LayoutFromFileName(file_name);
  auto rank = [&](const LayoutScore& s) {
    return std::make_tuple(s.share, s.entries, hint && *hint == s.format);
  };
  std::vector<size_t> order(d.scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rank(d.scores[a]) > rank(d.scores[b]); });
  std::vector<LayoutScore> sorted;
  for (size_t i : order) sorted.push_back(d.scores[i]);
  const size_t best_index = order.empty() ? 0 : order[0];
  d.scores = std::move(sorted);

  std::ostringstream why;
  const std::string wrapped_text =
      d.envelope == Envelope::kNone
          ? ""
          : "; lines unwrapped from a " + std::string(EnvelopeName(d.envelope)) + " envelope";
  if (d.sampled == 0) {
    why << "no line to judge";
  } else {
    const LayoutScore& best = d.scores[0];
    if (best.entries > 0 && best.share >= kLayoutConfidence) {
      d.decided = true;
      d.format = best.format;
      d.preamble = first_entry[best_index];
      const uint32_t judged = d.sampled - d.preamble;
      why << LogFormatName(best.format) << ": " << best.entries + best.continuations << " of "
          << judged << " sampled lines (" << Percent(best.entries + best.continuations, judged)
          << ") are its record starts (" << best.entries << ")";
      if (best.continuations > 0)
        why << " or their continuation lines (" << best.continuations << ")";
      if (d.scores.size() > 1 && d.scores[1].share > 0) {
        why << "; next best " << LogFormatName(d.scores[1].format) << " "
            << static_cast<int>(d.scores[1].share * 100 + 0.5) << "%";
      }
      if (d.preamble > 0) why << "; " << d.preamble << " line(s) before the first record skipped";
    } else {
      why << "no layout explains " << static_cast<int>(kLayoutConfidence * 100) << "% of the "
          << d.sampled << " sampled lines (best: " << LogFormatName(best.format) << " "
          << static_cast<int>(best.share * 100 + 0.5) << "%)";
    }
  }
  why << wrapped_text;
  d.reason = why.str();
  return d;
}

}  // namespace cg
