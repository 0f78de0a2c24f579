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

}  // namespace

std::vector<BlindSpot> ReplayBlindSpots(const ReplayResult& r, WallTime at) {
  std::vector<BlindSpot> out;
  if (r.records == 0) {
    out.push_back({"input", "the files yield no record: nothing was judged", at});
    return out;
  }
  for (const auto& f : r.files) {
    if (!f.layout_recognised) {
      out.push_back({"file " + f.path, "layout not recognised: " + f.layout_reason, at});
      continue;
    }
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
                                           stats.records, stats.bytes, stats.recognised_lines,
                                           f.spec.envelope, f.layout_reason, f.layout_recognised});
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

LogSpec InferLogSpec(const std::filesystem::path& file, LayoutDetection* detection) {
  LogSpec spec;
  spec.path = file.string();
  const std::string name = file.filename().string();
  LayoutDetection d = DetectLayout(ReadFileHead(file, kLayoutHeadBytes), name);
  if (!d.decided && d.sampled == 0) {
    // Nothing to judge (an empty file): the name WSO2 gives the file is all there is.
    if (auto by_name = LayoutFromFileName(name)) {
      d.decided = true;
      d.format = *by_name;
      d.reason = std::string(LogFormatName(*by_name)) + ": by the file name (no line to judge)";
    }
  }
  spec.format = d.decided ? d.format : LogFormat::kPlain;
  if (d.envelope != Envelope::kNone) spec.envelope = d.envelope;
  spec.name = std::string(DefaultLogName(spec.format));
  if (detection) *detection = std::move(d);
  return spec;
}

std::filesystem::path DefaultRulePackDir() {
  const std::filesystem::path installed = CG_RULE_PACK_INSTALL_DIR;
  std::error_code ec;
  if (std::filesystem::is_directory(installed, ec)) return installed;
  return CG_RULE_PACK_SOURCE_DIR;
}

}  // namespace cg
