// `cutover-guard baseline learn` and `baseline show`: the old environment's logs as a baseline
// snapshot (rules/signatures/baseline.h), and what a snapshot holds.
//
// Each file gets its log name and layout as `replay` gives them without a config
// (InferLogSpec: by file name, else by its first line); --log-format sets the layout of every
// file and keeps the inferred name. A file that is a snapshot (LooksLikeBaselineSnapshot) is
// merged in instead of being read as a log, so a baseline can be extended with more days.

#include <algorithm>
#include <cstdio>
#include <exception>
#include <optional>
#include <ostream>
#include <string>

#include "base/units.h"
#include "collectors/logs/log_format.h"
#include "daemon/baseline_inputs.h"
#include "daemon/commands.h"
#include "daemon/format_option.h"
#include "daemon/shrink_guard.h"
#include "rules/replay.h"
#include "rules/signatures/baseline.h"
#include "rules/signatures/hash.h"

namespace cg {
namespace {

constexpr int kExitError = 1;

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

std::string Hours(double h) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f h", h);
  return buf;
}

// One paragraph: what the baseline covers.
void PrintSummary(const Baseline& b, std::ostream& out) {
  uint64_t records = 0;
  std::optional<WallTime> first, last;
  std::string per_log;
  for (const BaselineLog& l : b.logs) {
    records += l.records;
    per_log += (per_log.empty() ? "" : ", ") + l.name + " " + std::to_string(l.records);
    if (l.records == 0) continue;
    if (!first || l.first < *first) first = l.first;
    if (!last || l.last > *last) last = l.last;
  }
  Level lowest = Level::kFatal;
  for (const auto& s : b.signatures) lowest = std::min(lowest, s.level);
  out << b.sources.size() << " source(s), " << records << " records in " << b.logs.size()
      << " log(s)" << (per_log.empty() ? "" : " (" + per_log + ")") << "; " << b.signatures.size()
      << " signatures";
  if (!b.signatures.empty()) out << " (" << BaselineLevelName(lowest) << " and above)";
  if (first) {
    const double hours =
        std::max(std::chrono::duration<double, std::ratio<3600>>(*last - *first).count(), 0.0);
    out << "; span " << FormatRfc3339(*first) << " .. " << FormatRfc3339(*last) << " ("
        << Hours(hours) << ")";
  }
}

int Learn(const BaselineLearnOptions& opts, std::ostream& out, std::ostream& err) {
  std::optional<LogFormat> format;
  if (!opts.log_format.empty()) {
    format = ParseLogFormatOption("baseline", opts.log_format, err);
    if (!format) return kExitError;
  }
  auto learned = BaselineFromFiles(
      opts.files, [](const std::filesystem::path& p) { return InferLogSpec(p); }, format,
      ParseLevel(opts.min_level), RealClock::Instance().Now());
  if (!learned.ok()) {
    err << "baseline: " << learned.error().message() << "\n";
    return kExitError;
  }
  const Baseline& b = *learned;
  if (Status s = SaveBaseline(b, opts.out); !s.ok()) {
    err << "baseline: " << s.message() << "\n";
    return kExitError;
  }
  out << "baseline: learned from ";
  PrintSummary(b, out);
  out << "; written to " << opts.out << "\n";
  return 0;
}

int Show(const BaselineShowOptions& opts, std::ostream& out, std::ostream& err) {
  auto loaded = LoadBaseline(opts.file);
  if (!loaded.ok()) {
    err << "baseline: " << loaded.error().message() << "\n";
    return kExitError;
  }
  const Baseline& b = *loaded;
  out << opts.file << ": baseline learned " << FormatRfc3339(b.learned_at) << " from ";
  PrintSummary(b, out);
  out << "\n";
  for (const BaselineLog& l : b.logs) {
    out << "  log " << l.name << ": " << l.records << " records (";
    bool any = false;
    for (size_t k = 1; k <= kBaselineLevelCount; ++k) {
      const size_t level = k % kBaselineLevelCount;
      if (l.by_level[level] == 0) continue;
      out << (any ? ", " : "") << BaselineLevelName(static_cast<Level>(level)) << " "
          << l.by_level[level];
      any = true;
    }
    out << ") over " << Hours(l.Hours()) << ", " << FormatRfc3339(l.first) << " .. "
        << FormatRfc3339(l.last) << "\n";
  }
  const size_t n = opts.top == 0 ? b.signatures.size() : std::min(opts.top, b.signatures.size());
  if (n == 0) return 0;
  out << (n == b.signatures.size() ? "signatures:\n"
                                   : "top " + std::to_string(n) + " signatures:\n");
  size_t width = 5, log_width = 0;
  for (size_t i = 0; i < n; ++i) {
    width = std::max(width, std::to_string(b.signatures[i].count).size());
    log_width = std::max(log_width, b.signatures[i].log.size());
  }
  out << "  " << std::string(width - 5, ' ') << "count      rate/h  " << Pad("log", log_width)
      << "  level  id                template\n";
  for (size_t i = 0; i < n; ++i) {
    const BaselineSignature& s = b.signatures[i];
    const BaselineLog* log = b.FindLog(s.log);
    char rate[32];
    std::snprintf(rate, sizeof rate, "%10.3f",
                  static_cast<double>(s.count) / (log ? log->Hours() : 1.0));
    const std::string count = std::to_string(s.count);
    out << "  " << std::string(width - count.size(), ' ') << count << "  " << rate << "  "
        << Pad(s.log, log_width) << "  " << Pad(std::string(BaselineLevelName(s.level)), 5) << "  "
        << HexId(s.id) << "  " << s.template_text << "\n";
  }
  return 0;
}

}  // namespace

int BaselineLearnCommand(const BaselineLearnOptions& opts, std::ostream& out, std::ostream& err) {
  // Library edge: nothing below is expected to throw, but the command must end in an exit code.
  try {
    InstallShrinkGuard("baseline", "learn from a copy that is not being written", kExitError);
    return Learn(opts, out, err);
  } catch (const std::exception& e) {
    err << "baseline: " << e.what() << "\n";
    return kExitError;
  }
}

int BaselineShowCommand(const BaselineShowOptions& opts, std::ostream& out, std::ostream& err) {
  try {
    return Show(opts, out, err);
  } catch (const std::exception& e) {
    err << "baseline: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace cg
