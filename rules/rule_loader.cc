#include "rules/rule_loader.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/fs.h"
#include "base/yaml_reader.h"
#include "collectors/metric_source.h"
#include "collectors/record.h"

namespace cg {
namespace {

using std::chrono::milliseconds;

const std::vector<std::string> kLevelNames = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
const std::vector<std::string> kConditions = {"process_down", "process_restarted", "log_silent",
                                              "boot_failed",  "new_signature",     "signature_rate",
                                              "error_storm"};
// The longest window a change detector may use: its per-minute counts cover one hour.
constexpr int64_t kMaxChangeWindowMs = 60 * 60 * 1000;
// Label names the engine sets itself or that Alertmanager reserves.
const std::set<std::string> kReservedLabels = {"alertname", "rule", "severity", "id", "instance"};
// RE2 arguments live on the stack while captures are extracted; keep that bounded.
constexpr int kMaxCaptureGroups = 16;

bool ValidId(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

bool ValidLabelName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

SourcePos PosOf(const YamlContext& ctx, const YAML::Mark& mark) {
  return SourcePos{ctx.file(), mark.line < 0 ? 0 : mark.line + 1,
                   mark.column < 0 ? 0 : mark.column + 1};
}

// Compiles `pattern` to check it; reports RE2's message at the key's value.
std::unique_ptr<RE2> CheckRegex(MapReader& m, std::string_view key, const std::string& pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, opts);
  if (!re->ok()) {
    m.ErrorAt(key,
              m.what() + "." + std::string(key) + ": invalid regular expression: " + re->error());
    return nullptr;
  }
  return re;
}

class RuleReader {
 public:
  RuleReader(YamlContext& ctx, const YAML::Node& node, size_t index)
      : ctx_(ctx), node_(node), index_(index) {}

  // Returns false if the rule had errors (they are in the context).
  bool Read(RuleSpec* out);
  // Applies an `override:` entry (this reader's node) to *target, a rule loaded before: the
  // keys it sets replace the rule's (labels merge), each noted in RuleSpec::overridden. Returns
  // false, leaving *target as it was, if the entry had errors.
  bool Override(RuleSpec* target);

 private:
  void CheckLabels(MapReader& m, Labels* labels);
  void ReadCommon(MapReader& m, RuleSpec& r);
  void ReadSelection(MapReader& m, RuleSpec& r);
  void ReadLogRule(MapReader& m, RuleSpec& r);
  void ReadMetricRule(MapReader& m, RuleSpec& r);
  void ReadCondition(MapReader& m, RuleSpec& r);
  void ReadChangeCondition(MapReader& m, RuleSpec& r, const std::string& cond);
  void ReadThreshold(MapReader& m, RuleSpec& r);
  void ReadClear(MapReader& m, RuleSpec& r);
  void ReadWarmup(MapReader& m, RuleSpec& r);
  // max_label_sets and evidence.
  void ReadLimits(MapReader& m, RuleSpec& r);
  void ReadLevels(MapReader& m, RuleSpec& r);
  // Reports keys that exist in the mapping but do not apply to this kind of rule.
  void RejectKeys(MapReader& m, const RuleSpec& r, const std::vector<std::string>& keys);

  YamlContext& ctx_;
  YAML::Node node_;
  size_t index_;
  std::vector<std::string> capture_names_;
};

bool RuleReader::Read(RuleSpec* out) {
  const size_t errors_before = ctx_.error_count();
  RuleSpec r;
  // Name the rule in every message: by id when it has a usable one.
  std::string what = "rules[" + std::to_string(index_) + "]";
  if (node_.IsMap() && node_["id"].IsScalar() && !node_["id"].Scalar().empty()) {
    what = "rule \"" + node_["id"].Scalar() + "\"";
  }
  MapReader m(node_, what, ctx_);
  if (!m.valid()) return false;
  r.pos = PosOf(ctx_, m.mark());

  ReadCommon(m, r);
  const bool has_match = m.Has("match"), has_metric = m.Has("metric"),
             has_condition = m.Has("condition");
  const int kinds = int{has_match} + int{has_metric} + int{has_condition};
  if (kinds == 0) {
    ctx_.Error(m.mark(), what +
                             ": needs one of \"match\" (log rule), \"metric\" (metric rule) or "
                             "\"condition\" (built-in condition)");
  } else if (kinds > 1) {
    ctx_.Error(m.mark(), what + ": \"match\", \"metric\" and \"condition\" are exclusive");
  }
  if (has_match) {
    r.kind = RuleKind::kLog;
    ReadLogRule(m, r);
  } else if (has_metric) {
    r.kind = RuleKind::kMetric;
    ReadMetricRule(m, r);
  } else if (has_condition) {
    ReadCondition(m, r);
  }
  m.Finish({"match", "metric", "condition"});
  *out = std::move(r);
  return ctx_.error_count() == errors_before;
}

void RuleReader::ReadCommon(MapReader& m, RuleSpec& r) {
  if (m.String("id", &r.id, /*required=*/true) && !ValidId(r.id)) {
    m.ErrorAt("id", m.what() + ".id: \"" + r.id + "\" must be 1-128 characters of [A-Za-z0-9_.-]");
  }
  m.String("description", &r.description, /*required=*/true);
  m.String("runbook", &r.runbook);
  m.StringList("checked_against", &r.checked_against);
  std::string sev;
  if (!m.Has("severity")) {
    ctx_.Error(m.mark(), m.what() + ": missing required key \"severity\"");
  } else if (m.Enum("severity", {"info", "warning", "critical"}, &sev)) {
    r.severity = *ParseSeverity(sev);
  }
  m.Duration("for", &r.for_);
  ReadWarmup(m, r);
  if (m.StringMap("labels", &r.labels)) CheckLabels(m, &r.labels);
}

void RuleReader::CheckLabels(MapReader& m, Labels* labels) {
  std::set<std::string> seen;
  for (const auto& [k, v] : *labels) {
    if (!ValidLabelName(k)) {
      m.ErrorAt("labels", m.what() + ".labels: \"" + k +
                              "\" is not a valid label name ([A-Za-z_][A-Za-z0-9_]*)");
    } else if (kReservedLabels.count(k)) {
      m.ErrorAt("labels", m.what() + ".labels: \"" + k + "\" is reserved");
    }
    if (!seen.insert(k).second) {
      m.ErrorAt("labels", m.what() + ".labels: duplicate label \"" + k + "\"");
    }
  }
  std::sort(labels->begin(), labels->end());
}

// What an override may change: how loud a rule is and when it fires or clears. What it matches
// (patterns, levels, logs) stays the pack's: a different match is a different rule (disable
// this one and write your own).
const std::vector<std::string> kOverridable = {"description", "runbook",       "severity", "for",
                                               "labels",      "threshold",     "clear",    "warmup",
                                               "evidence",    "max_label_sets"};
const std::vector<std::string> kNotOverridable = {
    "match",  "exclude",  "loggers", "exclude_loggers", "levels",    "logs",
    "source", "metric",   "above",   "below",           "condition", "target",
    "within", "duration", "ratio",   "significance",    "traffic",   "checked_against"};

bool RuleReader::Override(RuleSpec* target) {
  const size_t errors_before = ctx_.error_count();
  RuleSpec r = *target;
  MapReader m(node_, "override \"" + r.id + "\"", ctx_);
  if (!m.valid()) return false;
  m.Get("id");
  if (!r.match.empty()) {
    // threshold.distinct names a capture of the rule's own pattern.
    RE2 re(r.match, RE2::Quiet);
    for (const auto& [name, index] : re.NamedCapturingGroups()) capture_names_.push_back(name);
  }
  for (const auto& key : kOverridable) {
    if (m.Has(key)) r.overridden.emplace_back(key, PosOf(ctx_, m.Get(key).Mark()));
  }
  m.String("description", &r.description);
  m.String("runbook", &r.runbook);
  std::string sev;
  if (m.Enum("severity", {"info", "warning", "critical"}, &sev)) r.severity = *ParseSeverity(sev);
  m.Duration("for", &r.for_);
  Labels labels;
  if (m.StringMap("labels", &labels)) {
    CheckLabels(m, &labels);
    for (auto& [k, v] : labels) {
      auto it = std::find_if(r.labels.begin(), r.labels.end(),
                             [&](const auto& l) { return l.first == k; });
      if (it != r.labels.end()) {
        it->second = v;
      } else {
        r.labels.emplace_back(k, v);
      }
    }
    std::sort(r.labels.begin(), r.labels.end());
  }
  if (m.Has("threshold") && r.kind != RuleKind::kLog && !IsChangeKind(r.kind)) {
    m.Get("threshold");
    m.ErrorAt("threshold", m.what() + ".threshold: does not apply to " +
                               std::string(RuleKindName(r.kind)) + " rules");
  } else {
    ReadThreshold(m, r);
  }
  ReadClear(m, r);
  ReadWarmup(m, r);
  ReadLimits(m, r);
  if (r.clear.count && *r.clear.count >= r.threshold.count) {
    m.ErrorAt(m.Has("clear") ? "clear" : "threshold",
              m.what() + ": clear.count (" + std::to_string(*r.clear.count) +
                  ") must stay below threshold.count (" + std::to_string(r.threshold.count) + ")");
  }
  for (const auto& key : kNotOverridable) {
    if (!m.Has(key)) continue;
    m.Get(key);
    m.ErrorAt(key, m.what() + "." + key +
                       ": an override cannot change what a rule matches; disable the rule "
                       "(`disable: [" +
                       r.id + "]`) and write your own");
  }
  m.Finish();
  if (ctx_.error_count() != errors_before) return false;
  *target = std::move(r);
  return true;
}

void RuleReader::ReadLimits(MapReader& m, RuleSpec& r) {
  int64_t n = 0;
  if (m.Int("max_label_sets", &n, 1, 1000)) r.max_label_sets = static_cast<uint32_t>(n);
  if (m.Int("evidence", &n, 0, 100)) r.evidence = static_cast<uint32_t>(n);
}

void RuleReader::ReadWarmup(MapReader& m, RuleSpec& r) {
  YAML::Node w = m.Get("warmup");
  if (!w.IsDefined() || w.IsNull()) return;
  if (w.IsScalar() && (w.Scalar() == "true" || w.Scalar() == "false")) {
    r.warmup_default = w.Scalar() == "true";
    return;
  }
  m.Duration("warmup", &r.warmup);
}

void RuleReader::ReadSelection(MapReader& m, RuleSpec& r) {
  if (m.StringList("logs", &r.logs)) {
    r.logs_pos = PosOf(ctx_, m.Get("logs").Mark());
    if (r.logs.empty()) m.ErrorAt("logs", m.what() + ".logs: must not be empty");
  }
  std::vector<std::string> source;
  if (m.StringList("source", &source)) {
    r.source_pos = PosOf(ctx_, m.Get("source").Mark());
    if (source.empty()) m.ErrorAt("source", m.what() + ".source: must not be empty");
    for (const auto& f : source) {
      if (auto format = ParseLogFormat(f)) {
        r.source.push_back(*format);
        continue;
      }
      const auto& names = LogFormatNames();
      std::string hint = ClosestMatch(f, names);
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      m.ErrorAt("source", m.what() + ".source: \"" + f + "\" is not a log format (" + list + ")" +
                              (hint.empty() ? "" : "; did you mean \"" + hint + "\"?"));
    }
  }
  if (m.Has("logs") && m.Has("source")) {
    m.ErrorAt("source", m.what() + ": use either \"logs\" or \"source\", not both");
  }
}

void RuleReader::ReadLevels(MapReader& m, RuleSpec& r) {
  std::vector<std::string> levels;
  if (!m.StringList("levels", &levels)) return;
  if (levels.empty()) m.ErrorAt("levels", m.what() + ".levels: must not be empty");
  for (const auto& name : levels) {
    Level l = ParseLevel(name);
    if (l == Level::kUnknown ||
        std::find(kLevelNames.begin(), kLevelNames.end(), name) == kLevelNames.end()) {
      std::string hint = ClosestMatch(name, kLevelNames);
      m.ErrorAt("levels", m.what() + ".levels: \"" + name +
                              "\" is not a level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL)" +
                              (hint.empty() ? "" : "; did you mean \"" + hint + "\"?"));
      continue;
    }
    r.levels |= static_cast<LevelMask>(1u << static_cast<unsigned>(l));
  }
}

void RuleReader::ReadThreshold(MapReader& m, RuleSpec& r) {
  YAML::Node t = m.Get("threshold");
  if (!t.IsDefined() || t.IsNull()) return;
  MapReader tm(t, m.what() + ".threshold", ctx_);
  if (!tm.valid()) return;
  int64_t count = 1;
  if (tm.Int("count", &count, 1, 1'000'000)) r.threshold.count = static_cast<uint64_t>(count);
  tm.Duration("window", &r.threshold.window, milliseconds(1000));
  if (IsChangeKind(r.kind)) {
    if (r.threshold.window.count() > kMaxChangeWindowMs) {
      tm.ErrorAt("window", tm.what() + ".window: at most 1h for " +
                               std::string(RuleKindName(r.kind)) + " (minute counts cover 1h)");
    }
    int64_t minutes = 0;
    if (tm.Int("minutes", &minutes, 0, 60)) {
      r.threshold.minutes = static_cast<uint64_t>(minutes);
      if (milliseconds(minutes * 60 * 1000) > r.threshold.window) {
        tm.ErrorAt("minutes", tm.what() + ".minutes: more minutes than the window holds");
      }
    }
    tm.Finish();
    return;
  }
  YAML::Node d = tm.Get("distinct");
  if (d.IsDefined() && !d.IsNull()) {
    MapReader dm(d, tm.what() + ".distinct", ctx_);
    if (dm.valid()) {
      int64_t dc = 2;
      dm.String("label", &r.threshold.distinct_label, /*required=*/true);
      if (!dm.Int("count", &dc, 2, 10'000) && !dm.Has("count")) {
        ctx_.Error(dm.mark(), dm.what() + ": missing required key \"count\"");
      }
      r.threshold.distinct_count = static_cast<uint64_t>(dc);
      if (!r.threshold.distinct_label.empty() &&
          std::find(capture_names_.begin(), capture_names_.end(), r.threshold.distinct_label) ==
              capture_names_.end()) {
        dm.ErrorAt("label", dm.what() + ".label: \"" + r.threshold.distinct_label +
                                "\" is not a named capture (?P<" + r.threshold.distinct_label +
                                ">...) of match");
      }
      dm.Finish();
    }
  }
  tm.Finish();
}

void RuleReader::ReadClear(MapReader& m, RuleSpec& r) {
  YAML::Node c = m.Get("clear");
  if (!c.IsDefined() || c.IsNull()) return;
  MapReader cm(c, m.what() + ".clear", ctx_);
  if (!cm.valid()) return;
  int64_t count = 0;
  if (cm.Has("count") && r.kind != RuleKind::kLog) {
    cm.ErrorAt("count", cm.what() + ".count: only log rules count matches");
    cm.Get("count");
  } else if (cm.Int("count", &count, 0, 1'000'000)) {
    r.clear.count = static_cast<uint64_t>(count);
    if (r.clear.count >= r.threshold.count) {
      cm.ErrorAt("count", cm.what() + ".count: must be below threshold.count (" +
                              std::to_string(r.threshold.count) + ")");
    }
  }
  cm.Duration("keep_firing_for", &r.clear.keep_firing_for);
  cm.Bool("until_boot", &r.clear.until_boot);
  cm.Finish();
}

void RuleReader::RejectKeys(MapReader& m, const RuleSpec& r, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    if (!m.Has(k)) continue;
    m.Get(k);  // Known key: report it here, not again as "unknown".
    m.ErrorAt(k, m.what() + "." + k + ": does not apply to " + std::string(RuleKindName(r.kind)) +
                     " rules");
  }
}

void RuleReader::ReadLogRule(MapReader& m, RuleSpec& r) {
  m.String("match", &r.match, /*required=*/true);
  if (!r.match.empty()) {
    if (auto re = CheckRegex(m, "match", r.match)) {
      if (re->NumberOfCapturingGroups() > kMaxCaptureGroups) {
        m.ErrorAt("match", m.what() + ".match: more than " + std::to_string(kMaxCaptureGroups) +
                               " capture groups");
      }
      for (const auto& [name, index] : re->NamedCapturingGroups()) {
        (void)index;
        if (!ValidLabelName(name) || kReservedLabels.count(name)) {
          m.ErrorAt("match",
                    m.what() + ".match: capture name \"" + name + "\" is not a usable label name");
        }
        for (const auto& [k, v] : r.labels) {
          if (k == name) {
            m.ErrorAt("match", m.what() + ".match: capture \"" + name +
                                   "\" has the same name as a static label");
          }
        }
        capture_names_.push_back(name);
      }
    }
  }
  if (m.String("exclude", &r.exclude) && !r.exclude.empty()) CheckRegex(m, "exclude", r.exclude);
  if (m.String("loggers", &r.loggers) && !r.loggers.empty()) CheckRegex(m, "loggers", r.loggers);
  if (m.String("exclude_loggers", &r.exclude_loggers) && !r.exclude_loggers.empty()) {
    CheckRegex(m, "exclude_loggers", r.exclude_loggers);
  }
  ReadLevels(m, r);
  ReadSelection(m, r);
  ReadThreshold(m, r);
  ReadClear(m, r);
  ReadLimits(m, r);
  RejectKeys(m, r, {"target", "above", "below", "duration", "within"});
}

void RuleReader::ReadMetricRule(MapReader& m, RuleSpec& r) {
  if (m.String("metric", &r.metric, /*required=*/true) && !r.metric.empty() &&
      !IsHostSeries(r.metric) && !IsProcessSeries(r.metric)) {
    std::vector<std::string> all;
    for (auto s : kHostSeries) all.emplace_back(s);
    for (auto s : kProcessSeries) all.emplace_back(s);
    std::string hint = ClosestMatch(r.metric, all);
    m.ErrorAt("metric", m.what() + ".metric: unknown series \"" + r.metric + "\"" +
                            (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)"));
  }
  if (m.String("target", &r.target)) {
    r.target_pos = PosOf(ctx_, m.Get("target").Mark());
    if (IsHostSeries(r.metric)) {
      m.ErrorAt("target", m.what() + ".target: " + r.metric + " is a host series (no target)");
    }
  }
  double v = 0;
  if (m.Double("above", &v, -1e18, 1e18)) r.above = v;
  if (m.Double("below", &v, -1e18, 1e18)) r.below = v;
  if (!m.Has("above") && !m.Has("below")) {
    ctx_.Error(m.mark(), m.what() + ": a metric rule needs \"above\" or \"below\"");
  } else if (m.Has("above") && m.Has("below")) {
    m.ErrorAt("below", m.what() + ": use either \"above\" or \"below\", not both");
  }
  ReadClear(m, r);
  RejectKeys(m, r,
             {"levels", "loggers", "exclude_loggers", "logs", "source", "exclude", "threshold",
              "max_label_sets", "evidence", "duration", "within"});
}

void RuleReader::ReadCondition(MapReader& m, RuleSpec& r) {
  std::string cond;
  if (!m.Enum("condition", kConditions, &cond)) return;
  if (cond == "new_signature" || cond == "signature_rate" || cond == "error_storm") {
    ReadChangeCondition(m, r, cond);
    return;
  }
  if (cond == "process_down") {
    r.kind = RuleKind::kProcessDown;
  } else if (cond == "process_restarted") {
    r.kind = RuleKind::kProcessRestarted;
    r.clear.keep_firing_for = milliseconds(15 * 60 * 1000);
  } else if (cond == "log_silent") {
    r.kind = RuleKind::kLogSilent;
  } else {
    r.kind = RuleKind::kBootFailed;
    r.duration = milliseconds(5 * 60 * 1000);
  }
  const bool uses_target = r.kind != RuleKind::kBootFailed;
  const bool uses_logs = r.kind != RuleKind::kProcessDown;
  if (uses_target && m.String("target", &r.target)) {
    r.target_pos = PosOf(ctx_, m.Get("target").Mark());
  }
  if (uses_logs) ReadSelection(m, r);
  if (r.kind == RuleKind::kLogSilent) {
    if (!m.Has("duration")) {
      ctx_.Error(m.mark(), m.what() + ": log_silent needs \"duration\" (how long without records)");
    }
    m.Duration("duration", &r.duration, milliseconds(1000));
  }
  if (r.kind == RuleKind::kBootFailed) m.Duration("within", &r.duration, milliseconds(1000));
  if (r.kind == RuleKind::kBootFailed || r.kind == RuleKind::kProcessRestarted) {
    int64_t n = 0;
    if (m.Int("evidence", &n, 0, 100)) r.evidence = static_cast<uint32_t>(n);
  }
  ReadClear(m, r);
  std::vector<std::string> reject = {"levels",    "loggers",        "exclude_loggers", "exclude",
                                     "threshold", "max_label_sets", "above",           "below"};
  if (!uses_target) reject.push_back("target");
  if (!uses_logs) {
    reject.push_back("logs");
    reject.push_back("source");
  }
  if (r.kind != RuleKind::kLogSilent) reject.push_back("duration");
  if (r.kind != RuleKind::kBootFailed) reject.push_back("within");
  if (r.kind != RuleKind::kBootFailed && r.kind != RuleKind::kProcessRestarted) {
    reject.push_back("evidence");
  }
  RejectKeys(m, r, reject);
}

void RuleReader::ReadChangeCondition(MapReader& m, RuleSpec& r, const std::string& cond) {
  const auto bit = [](Level l) { return static_cast<LevelMask>(1u << static_cast<unsigned>(l)); };
  const LevelMask errors = bit(Level::kError) | bit(Level::kFatal);
  // Defaults (README "Change detectors"): recurring beats one-off, sustained beats bursts.
  if (cond == "new_signature") {
    r.kind = RuleKind::kNewSignature;
    r.levels = errors;
    r.threshold.count = 3;
    r.threshold.window = milliseconds(10 * 60 * 1000);
  } else if (cond == "signature_rate") {
    r.kind = RuleKind::kSignatureRate;
    r.levels = errors | bit(Level::kWarn);
    r.threshold.count = 20;
    r.threshold.window = milliseconds(10 * 60 * 1000);
  } else {
    r.kind = RuleKind::kErrorStorm;
    r.levels = errors;
    r.threshold.count = 50;
    r.threshold.window = milliseconds(5 * 60 * 1000);
    r.threshold.minutes = 5;
  }
  r.max_label_sets = 50;
  ReadSelection(m, r);
  if (m.Has("levels")) {
    r.levels = 0;
    ReadLevels(m, r);
    // INFO and below never raise a change alert: old and new versions word them differently.
    if ((r.levels & ~(errors | bit(Level::kWarn))) != 0) {
      m.ErrorAt("levels", m.what() + ".levels: change detectors read WARN, ERROR and FATAL only");
    }
  }
  ReadThreshold(m, r);
  ReadClear(m, r);
  ReadLimits(m, r);
  std::vector<std::string> reject = {"target", "loggers", "exclude_loggers", "exclude",
                                     "above",  "below",   "duration",        "within"};
  if (r.kind == RuleKind::kSignatureRate) {
    m.Double("ratio", &r.ratio, 1.0, 1e9);
    m.Double("significance", &r.significance, 1e-300, 0.5);
    m.String("traffic", &r.traffic);
  } else {
    reject.insert(reject.end(), {"ratio", "significance", "traffic"});
  }
  RejectKeys(m, r, reject);
}

}  // namespace

namespace {

// An `override:` entry waits for every file to be read: it may adjust a rule of any file.
struct PendingOverride {
  std::string id;
  std::string file;
  YAML::Node node;
};

Result<RuleFile, Diagnostics> ParseRuleFile(std::string_view text, std::string_view name,
                                            std::vector<PendingOverride>* overrides) {
  Diagnostics diags;
  YamlContext ctx(std::string(name), &diags);
  RuleFile file;
  file.name = std::string(name);
  auto root = LoadYaml(text, ctx);
  if (!root) return diags;
  if (root->IsNull()) return file;  // An empty drop-in file holds no rules.
  MapReader top(*root, "rule file", ctx);
  if (!top.valid()) return diags;
  const bool has_rules = top.Has("rules");
  const bool adjusts = top.Has("disable") || top.Has("override");
  YAML::Node list = top.Get("rules");
  YAML::Node disable = top.Get("disable");
  YAML::Node override_list = top.Get("override");
  top.Finish();
  if (!has_rules) {
    if (!adjusts) {
      ctx.Error(top.mark(),
                "rule file: missing required key \"rules\" (or \"disable\", "
                "\"override\")");
    }
  } else if (!list.IsNull() && !list.IsSequence()) {
    ctx.Error(list, "rules: expected a list, got " + DescribeNode(list));
  } else if (list.IsSequence()) {
    std::map<std::string, SourcePos> seen;
    for (size_t i = 0; i < list.size(); ++i) {
      RuleSpec spec;
      bool ok = RuleReader(ctx, list[i], i).Read(&spec);
      if (spec.id.empty()) continue;
      auto [it, inserted] = seen.emplace(spec.id, spec.pos);
      if (!inserted) {
        diags.Add(spec.pos.file, spec.pos.line, spec.pos.column,
                  "rule \"" + spec.id + "\": duplicate id (first defined at " +
                      it->second.ToString() + ")");
        continue;
      }
      if (ok) file.rules.push_back(std::move(spec));
    }
  }
  if (disable.IsDefined() && !disable.IsNull()) {
    if (!disable.IsSequence()) {
      ctx.Error(disable, "disable: expected a list of rule ids, got " + DescribeNode(disable));
    } else {
      for (const auto& item : disable) {
        if (!item.IsScalar() || !ValidId(item.Scalar())) {
          ctx.Error(item, "disable: expected a rule id, got " + DescribeNode(item));
          continue;
        }
        file.disable.emplace_back(item.Scalar(), PosOf(ctx, item.Mark()));
      }
    }
  }
  if (override_list.IsDefined() && !override_list.IsNull()) {
    if (!override_list.IsSequence()) {
      ctx.Error(override_list, "override: expected a list of {id: ..., <fields>}, got " +
                                   DescribeNode(override_list));
    } else {
      for (const auto& item : override_list) {
        const YAML::Node id = item.IsMap() ? item["id"] : YAML::Node();
        if (!id.IsDefined() || !id.IsScalar() || !ValidId(id.Scalar())) {
          ctx.Error(item, "override: each entry is a mapping with the \"id\" of a rule");
          continue;
        }
        if (overrides) overrides->push_back({id.Scalar(), file.name, item});
      }
    }
  }
  if (!diags.empty()) return diags;
  return file;
}

// A "did you mean" for an unknown id: the loaded id with the longest common prefix.
std::string Nearest(const std::vector<RuleSpec>& rules, const std::string& id) {
  std::string best;
  size_t best_len = 0;
  for (const auto& r : rules) {
    size_t n = 0;
    while (n < id.size() && n < r.id.size() && id[n] == r.id[n]) ++n;
    if (n > best_len) {
      best_len = n;
      best = r.id;
    }
  }
  return best_len >= 5 ? " (did you mean \"" + best + "\"?)" : "";
}

// Overrides first (in file order, the last one of a field winning), then disables, so that
// overriding a rule another file disables is not an error.
void ApplyAdjustments(const std::vector<PendingOverride>& overrides,
                      const std::vector<std::pair<std::string, SourcePos>>& disables,
                      std::vector<RuleSpec>* rules, std::vector<DisabledRule>* disabled,
                      Diagnostics* diags) {
  auto find = [&](const std::string& id) {
    return std::find_if(rules->begin(), rules->end(),
                        [&](const RuleSpec& r) { return r.id == id; });
  };
  for (const auto& o : overrides) {
    YamlContext ctx(o.file, diags);
    auto it = find(o.id);
    if (it == rules->end()) {
      ctx.Error(o.node, "override: no rule \"" + o.id + "\" is loaded" + Nearest(*rules, o.id));
      continue;
    }
    RuleReader(ctx, o.node, 0).Override(&*it);
  }
  for (const auto& [id, pos] : disables) {
    auto it = find(id);
    if (it == rules->end()) {
      const bool already =
          disabled && std::any_of(disabled->begin(), disabled->end(),
                                  [&](const DisabledRule& d) { return d.id == id; });
      if (!already) {
        diags->Add(pos.file, pos.line, pos.column,
                   "disable: no rule \"" + id + "\" is loaded" + Nearest(*rules, id));
      }
      continue;
    }
    if (disabled) disabled->push_back({id, it->pos, pos});
    rules->erase(it);
  }
}

}  // namespace

Result<RuleFile, Diagnostics> LoadRules(std::string_view text, std::string_view name) {
  std::vector<PendingOverride> overrides;
  auto file = ParseRuleFile(text, name, &overrides);
  if (!file.ok()) return file;
  // One file alone: its overrides and disables apply to its own rules.
  Diagnostics diags;
  std::vector<DisabledRule> disabled;
  ApplyAdjustments(overrides, file->disable, &file->rules, &disabled, &diags);
  if (!diags.empty()) return diags;
  return file;
}

Result<std::vector<RuleSpec>, Diagnostics> LoadRuleFiles(
    const std::vector<std::filesystem::path>& paths, std::vector<DisabledRule>* disabled) {
  Diagnostics diags;
  std::vector<RuleSpec> all;
  std::map<std::string, SourcePos> seen;
  std::vector<PendingOverride> overrides;
  std::vector<std::pair<std::string, SourcePos>> disables;
  for (const auto& p : paths) {
    auto text = ReadFile(p, kMaxConfigFileBytes);
    if (!text.ok()) {
      diags.Add(p.string(), 0, 0, text.error().message());
      continue;
    }
    auto file = ParseRuleFile(*text, p.string(), &overrides);
    if (!file.ok()) {
      diags.Append(file.error());
      continue;
    }
    disables.insert(disables.end(), file->disable.begin(), file->disable.end());
    for (auto& spec : file->rules) {
      auto [it, inserted] = seen.emplace(spec.id, spec.pos);
      if (!inserted) {
        diags.Add(spec.pos.file, spec.pos.line, spec.pos.column,
                  "rule \"" + spec.id + "\": duplicate id (first defined at " +
                      it->second.ToString() + ")");
        continue;
      }
      all.push_back(std::move(spec));
    }
  }
  if (!diags.empty()) return diags;
  std::vector<DisabledRule> off;
  ApplyAdjustments(overrides, disables, &all, &off, &diags);
  if (!diags.empty()) return diags;
  if (disabled) *disabled = std::move(off);
  return all;
}

}  // namespace cg
