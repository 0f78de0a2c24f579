#include "rules/replay.h"

#include <unistd.h>

#include <algorithm>

#include "collectors/logs/file_io.h"
#include "collectors/logs/read_records.h"
#include "collectors/logs/record_format.h"

namespace cg {
namespace {

// Drives the engine in log time.
class Driver {
 public:
  Driver(Engine& engine, std::chrono::milliseconds tick) : engine_(engine), tick_(tick) {}

  void Feed(const Record& r) {
    const WallTime t = r.time;
    if (!next_tick_ || t >= *next_tick_) Tick(t);
    engine_.OnRecord(r, t);
    if (!first_ || t < *first_) first_ = t;
    if (!last_ || t > *last_) last_ = t;
  }
  void Finish() {
    if (last_) Tick(*last_);
  }
  std::optional<WallTime> first() const { return first_; }
  std::optional<WallTime> last() const { return last_; }
  std::vector<AlertEvent>& timeline() { return timeline_; }

 private:
  struct NoMetrics : MetricSource {
    std::optional<double> Latest(std::string_view, std::string_view) const override {
      return std::nullopt;
    }
  };
  void Tick(WallTime t) {
    engine_.Evaluate(t, no_metrics_);
    for (auto& ev : engine_.TakeTransitions()) timeline_.push_back(std::move(ev));
    next_tick_ = t + tick_;
  }

  Engine& engine_;
  std::chrono::milliseconds tick_;
  NoMetrics no_metrics_;
  std::optional<WallTime> next_tick_;
  std::optional<WallTime> first_, last_;
  std::vector<AlertEvent> timeline_;
};

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The first bytes of a file (decompressed if it is gzip).
std::string Head(const std::filesystem::path& path, size_t max) {
  int fd = OpenForReading(path);
  if (fd < 0) return "";
  std::string out;
  if (LooksGzip(fd)) {
    auto gz = GzipReader::FromFd(fd, path.string());
    if (!gz.ok()) return "";
    out.resize(max);
    size_t got = 0;
    while (got < max) {
      auto n = (*gz)->Read(out.data() + got, max - got);
      if (!n.ok() || *n == 0) break;
      got += *n;
    }
    out.resize(got);
    return out;
  }
  if (PreadUpTo(fd, 0, max, &out) != 0) out.clear();
  ::close(fd);
  return out;
}

}  // namespace

std::vector<BlindSpot> ReplayBlindSpots(const ReplayResult& r, WallTime at) {
  std::vector<BlindSpot> out;
  if (r.records == 0) {
    out.push_back({"input", "the files yield no record: nothing was judged", at});
    return out;
  }
  for (const auto& f : r.files) {
    if (f.lines < kMinLinesToJudgeLayout || 2 * f.recognised_lines >= f.lines) continue;
    const uint64_t percent = 100 * (f.lines - f.recognised_lines) / f.lines;
    out.push_back({"file " + f.path,
                   std::to_string(f.lines - f.recognised_lines) + " of " + std::to_string(f.lines) +
                       " lines (" + std::to_string(percent) + "%) are not in the " +
                       std::string(LogFormatName(f.format)) +
                       " layout: the rules cannot read them (wrong --log-format or entry_start?)",
                   at});
  }
  return out;
}

Result<ReplayResult> Replay(const ReplayInput& input) {
  if (!input.rules) return Status::Error("replay: no rules");
  EngineOptions options = input.engine;
  options.registry = nullptr;
  auto engine = Engine::Create(input.rules, std::move(options));
  if (!engine.ok()) return engine.error();
  Driver driver(**engine, input.tick);
  ReplayResult result;

  auto read = [&](const ReplayFile& f, const RecordSink& sink) -> Status {
    FileReadStats stats;
    Status st = ReadRecordsFromFile(f.path, f.spec, sink, &stats);
    if (!st.ok()) return st;
    result.files.push_back(ReplayFileStats{f.path.string(), f.spec.name, f.spec.format, stats.lines,
                                           stats.records, stats.bytes, stats.recognised_lines});
    result.lines += stats.lines;
    result.records += stats.records;
    result.bytes += stats.bytes;
    return Status::Ok();
  };

  if (input.files.size() == 1) {
    // One file: stream it, memory stays bounded whatever its size.
    Status st = read(input.files[0], [&](const Record& r) { driver.Feed(r); });
    if (!st.ok()) return st;
  } else {
    std::vector<Record> records;
    for (const auto& f : input.files) {
      Status st = read(f, [&](const Record& r) { records.push_back(r); });
      if (!st.ok()) return st;
    }
    std::stable_sort(records.begin(), records.end(),
                     [](const Record& a, const Record& b) { return a.time < b.time; });
    for (const auto& r : records) driver.Feed(r);
  }
  // Decided before the last evaluation, so the timeline shows the change to `unknown`.
  (*engine)->SetBlindSpots(ReplayBlindSpots(result, driver.last().value_or(WallTime{})));
  driver.Finish();

  Engine& e = **engine;
  result.timeline = std::move(driver.timeline());
  // Ticks emit in order already; out-of-order input (clamped by the engine) can interleave.
  std::stable_sort(result.timeline.begin(), result.timeline.end(),
                   [](const AlertEvent& a, const AlertEvent& b) { return a.at < b.at; });
  result.alerts = e.alerts();
  result.recommendation = e.recommendation();
  result.rules = e.rule_status();
  result.signatures = e.change_summary();
  result.records_before_cutover = e.records_before_cutover();
  result.first_record = driver.first();
  result.last_record = driver.last();
  return result;
}

LogSpec InferLogSpec(const std::filesystem::path& file) {
  LogSpec spec;
  spec.path = file.string();
  const std::string name = file.filename().string();
  struct Known {
    const char* prefix;
    const char* log;
    LogFormat format;
  };
  static constexpr Known kKnown[] = {{"wso2carbon", "carbon", LogFormat::kWso2Carbon},
                                     {"wso2-apigw-errors", "gw-errors", LogFormat::kWso2Errors},
                                     {"audit", "audit", LogFormat::kWso2Audit},
                                     {"http_access", "access", LogFormat::kTomcatAccess}};
  for (const auto& k : kKnown) {
    if (StartsWith(name, k.prefix)) {
      spec.name = k.log;
      spec.format = k.format;
      return spec;
    }
  }
  // Unknown name: recognise the first record line.
  const std::string head = Head(file, 64 * 1024);
  std::string_view first = head;
  while (!first.empty()) {
    const size_t nl = first.find('\n');
    std::string_view line = first.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) {
      for (const auto& k : kKnown) {
        auto format = RecordFormat::Create(k.format, "");
        EntryHeader h;
        if (format.ok() && (*format)->Match(line, &h)) {
          spec.name = k.log;
          spec.format = k.format;
          return spec;
        }
      }
      break;
    }
    if (nl == std::string_view::npos) break;
    first.remove_prefix(nl + 1);
  }
  spec.name = "plain";
  spec.format = LogFormat::kPlain;
  return spec;
}

std::filesystem::path DefaultRulePackDir() {
  const std::filesystem::path installed = CG_RULE_PACK_INSTALL_DIR;
  std::error_code ec;
  if (std::filesystem::is_directory(installed, ec)) return installed;
  return CG_RULE_PACK_SOURCE_DIR;
}

}  // namespace cg
