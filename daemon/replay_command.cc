// `cutover-guard replay`: the pilot migration's logs through the rules, in log time.
//
// Files are matched to the config's logs by path (glob, or the glob's file-name part) so they
// get that log's name, format and time zone; a file no log claims gets its name and format from
// its content (rules/replay.h InferLogSpec; the file name breaks ties), and the config log of that
// format when there is exactly one. Without --config the shipped rule pack is used with the default
// policy. Exit codes follow the Nagios plugin convention: 0 continue, 1 investigate,
// 2 rollback, 3 error.
#include <fnmatch.h>

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "base/fs.h"
#include "base/units.h"
#include "daemon/baseline_inputs.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/format_option.h"
#include "daemon/pipeline.h"
#include "daemon/shrink_guard.h"
#include "rules/replay.h"
#include "rules/replay_report.h"
#include "rules/rule_loader.h"

namespace cg {
namespace {

constexpr int kExitError = 3;

bool GlobMatches(const std::string& pattern, const std::filesystem::path& file) {
  if (::fnmatch(pattern.c_str(), file.c_str(), 0) == 0) return true;
  const std::string base = std::filesystem::path(pattern).filename().string();
  return ::fnmatch(base.c_str(), file.filename().c_str(), 0) == 0;
}

// The spec of `file` and how its layout was chosen: the config's log that claims the path (with
// a word when the content looks like another layout), else content detection; a config log of
// the detected format lends its name and zone when it is the only one of that format.
ReplayFile FileFor(const std::filesystem::path& file, const Config* cfg) {
  ReplayFile rf;
  rf.path = file;
  LayoutDetection d;
  if (cfg) {
    for (size_t i = 0; i < cfg->logs.size(); ++i) {
      const LogSpec& l = cfg->logs[i];
      if (!GlobMatches(l.path, file)) continue;
      rf.spec = l;
      rf.layout_reason = std::string(LogFormatName(l.format)) + ": the config's logs[" +
                         std::to_string(i) + "] (\"" + l.name + "\")";
      InferLogSpec(file, &d);
      if (d.decided && d.format != l.format && l.format != LogFormat::kCustom) {
        rf.layout_reason += "; but the content looks like " + d.reason;
      }
      return rf;
    }
  }
  rf.spec = InferLogSpec(file, &d);
  rf.layout_reason = d.reason;
  rf.layout_recognised = d.decided;
  if (cfg) {
    const LogSpec* only = nullptr;
    int same_format = 0;
    for (const auto& l : cfg->logs) {
      if (l.format == rf.spec.format) {
        only = &l;
        ++same_format;
      }
    }
    if (same_format == 1) {
      const Envelope envelope = rf.spec.envelope;
      rf.spec = *only;
      if (envelope != Envelope::kAuto) rf.spec.envelope = envelope;
    }
  }
  return rf;
}

int Replay(const ReplayOptions& opts, std::ostream& out, std::ostream& err) {
  std::optional<Config> cfg;
  if (!opts.config.empty()) {
    auto c = LoadConfigFile(opts.config);
    if (!c.ok()) {
      err << c.error().ToString();
      return kExitError;
    }
    cfg = std::move(c).value();
  }
  std::optional<LogFormat> log_format;
  if (!opts.log_format.empty()) {
    log_format = ParseLogFormatOption("replay", opts.log_format, err);
    if (!log_format) return kExitError;
  }

  ReplayInput input;
  for (const auto& f : opts.files) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(f, ec);
    if (ec || !std::filesystem::is_regular_file(p, ec)) {
      err << "replay: " << f << ": not a readable file\n";
      return kExitError;
    }
    ReplayFile rf = FileFor(p, cfg ? &*cfg : nullptr);
    if (log_format && rf.spec.format != *log_format) {
      // The operator's word: the layout, and the name a log of that layout has.
      if (!rf.layout_recognised || rf.spec.name == DefaultLogName(rf.spec.format)) {
        rf.spec.name = std::string(DefaultLogName(*log_format));
      }
      rf.spec.format = *log_format;
      rf.spec.entry_start.clear();
      rf.layout_reason = std::string(LogFormatName(*log_format)) +
                         ": --log-format (detection: " + rf.layout_reason + ")";
      rf.layout_recognised = true;
    } else if (log_format) {
      rf.layout_reason += " (as --log-format says)";
      rf.layout_recognised = true;
    }
    rf.spec.path = p.string();
    input.files.push_back(std::move(rf));
  }

  // Rules against the config's logs plus the logs the replayed files stand for.
  RuleContext ctx = cfg ? ToRuleContext(*cfg) : RuleContext{};
  for (const auto& f : input.files) {
    auto it = std::find_if(ctx.logs.begin(), ctx.logs.end(),
                           [&](const RuleContext::Log& l) { return l.name == f.spec.name; });
    if (it == ctx.logs.end()) {
      ctx.logs.push_back({f.spec.name, f.spec.source_as.value_or(f.spec.format)});
    } else {
      it->format = f.spec.source_as.value_or(f.spec.format);
    }
  }
  std::vector<std::filesystem::path> rule_paths;
  if (cfg) {
    rule_paths = cfg->rule_paths;
  } else {
    auto pack = ExpandGlob((DefaultRulePackDir() / "*.yaml").string());
    if (!pack.ok() || pack->empty()) {
      err << "replay: no rule pack found in " << DefaultRulePackDir().string() << "\n";
      return kExitError;
    }
    rule_paths = *pack;
  }
  auto specs = LoadRuleFiles(rule_paths);
  if (!specs.ok()) {
    err << specs.error().ToString();
    return kExitError;
  }
  auto rules = CompileRules(std::move(specs).value(), ctx);
  if (!rules.ok()) {
    err << rules.error().ToString();
    return kExitError;
  }
  for (const auto& w : (*rules)->warnings().items()) err << "warning: " << w.ToString() << "\n";
  input.rules = *rules;

  if (cfg) {
    input.engine.policy = cfg->recommendation;
    input.engine.cutover_at = cfg->cutover.at;
    input.engine.warmup = cfg->cutover.warmup;
  }
  if (!opts.cutover_at.empty()) {
    auto civil = ParseCivilTime(opts.cutover_at);
    if (!civil.ok()) {
      err << "replay: --cutover-at: " << civil.error().message() << "\n";
      return kExitError;
    }
    // Log time: the zone of the (first) replayed log.
    const TimeZone zone = input.files.empty() ? TimeZone::Local() : input.files[0].spec.timezone;
    input.engine.cutover_at = zone.ToWall(*civil);
  }

  // What came before: --baseline (snapshots or old logs), else the config's snapshot; without
  // either, the records before the cutover mark (the engine's fallback).
  if (!opts.baselines.empty()) {
    const Config* c = cfg ? &*cfg : nullptr;
    auto b = BaselineFromFiles(
        opts.baselines, [c](const std::filesystem::path& p) { return FileFor(p, c).spec; },
        log_format, Level::kWarn, RealClock::Instance().Now());
    if (!b.ok()) {
      err << "replay: --baseline: " << b.error().message() << "\n";
      return kExitError;
    }
    input.engine.baseline = std::make_shared<const Baseline>(std::move(b).value());
  } else if (cfg && !cfg->baseline.snapshot.empty()) {
    auto b = LoadBaseline(cfg->baseline.snapshot);
    if (!b.ok()) {
      err << "replay: baseline: " << b.error().message() << "\n";
      return kExitError;
    }
    input.engine.baseline = std::make_shared<const Baseline>(std::move(b).value());
  }

  auto result = cg::Replay(input);
  if (!result.ok()) {
    err << "replay: " << result.error().message() << "\n";
    return kExitError;
  }
  if (opts.output_format == "json") {
    // File names are bytes: replace what is not UTF-8 rather than fail the whole report.
    out << ReplayJson(*result, input.engine.cutover_at)
               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
  } else {
    out << ReplayText(*result, input.engine.cutover_at);
  }
  return VerdictExitCode(result->recommendation.verdict);
}

}  // namespace

int ReplayCommand(const ReplayOptions& opts, std::ostream& out, std::ostream& err) {
  // Library edge: nothing below is expected to throw, but a replay must end in an exit code.
  try {
    InstallShrinkGuard("replay", "replay a copy that is not being written", kExitError);
    return Replay(opts, out, err);
  } catch (const std::exception& e) {
    err << "replay: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace cg
