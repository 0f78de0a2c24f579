#include "rules/rule_set.h"

#include <re2/set.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "collectors/metric_source.h"
#include "collectors/record.h"

namespace cg {
namespace {

RE2::Options QuietOptions() {
  RE2::Options o;
  o.set_log_errors(false);
  return o;
}

void AddError(Diagnostics* d, const SourcePos& pos, const std::string& msg) {
  d->Add(pos.file, pos.line, pos.column, msg);
}

std::vector<std::string> LogNames(const RuleContext& ctx) {
  std::vector<std::string> names;
  for (const auto& l : ctx.logs) names.push_back(l.name);
  return names;
}

// Resolves `logs` / `source` to a per-log-slot flag vector.
std::vector<bool> ResolveLogs(const RuleSpec& s, const RuleContext& ctx, Diagnostics* errors,
                              Diagnostics* warnings) {
  const size_t n = ctx.logs.size();
  std::vector<bool> reads(n + 1, false);
  const std::string what = "rule \"" + s.id + "\"";
  if (!s.logs.empty()) {
    for (const auto& name : s.logs) {
      auto it = std::find_if(ctx.logs.begin(), ctx.logs.end(),
                             [&](const RuleContext::Log& l) { return l.name == name; });
      if (it == ctx.logs.end()) {
        std::string hint = ClosestMatch(name, LogNames(ctx));
        AddError(errors, s.logs_pos,
                 what + ".logs: no log named \"" + name + "\" in the configuration" +
                     (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)"));
        continue;
      }
      reads[static_cast<size_t>(it - ctx.logs.begin())] = true;
    }
    return reads;
  }
  if (!s.source.empty()) {
    // Preference order: the first format that the configuration has wins, so an event WSO2
    // writes to both wso2carbon.log and wso2-apigw-errors.log is counted once.
    for (LogFormat format : s.source) {
      bool any = false;
      for (size_t i = 0; i < n; ++i) {
        if (ctx.logs[i].format == format) reads[i] = any = true;
      }
      if (any) return reads;
    }
    std::string formats;
    for (LogFormat f : s.source) {
      formats += (formats.empty() ? "" : ", ") + std::string(LogFormatName(f));
    }
    AddError(
        warnings, s.source_pos,
        what + ": no configured log has a source format (" + formats + "); the rule reads nothing");
    return reads;
  }
  std::fill(reads.begin(), reads.end(), true);
  return reads;
}

std::vector<std::string> ResolveTargets(const RuleSpec& s, const RuleContext& ctx,
                                        Diagnostics* errors) {
  if (s.kind == RuleKind::kMetric && IsHostSeries(s.metric)) return {""};
  if (!s.target.empty()) {
    if (std::find(ctx.targets.begin(), ctx.targets.end(), s.target) == ctx.targets.end()) {
      std::string hint = ClosestMatch(s.target, ctx.targets);
      AddError(errors, s.target_pos,
               "rule \"" + s.id + "\".target: no target named \"" + s.target +
                   "\" in the configuration" +
                   (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)"));
      return {};
    }
    return {s.target};
  }
  return ctx.targets;
}

void SetBit(std::vector<uint64_t>& bits, size_t i) { bits[i / 64] |= uint64_t{1} << (i % 64); }

// RE2's budget failure reads "pattern too large - compile failed"; say which budget it is.
std::string RegexError(const RE2& re) {
  if (re.error_code() == RE2::ErrorPatternTooLarge) {
    return "pattern too large for RE2's memory budget (" +
           std::to_string(QuietOptions().max_mem() >> 20) + " MiB): " + re.error();
  }
  return "invalid regular expression: " + re.error();
}

// True when the patterns of `entries` (indices into set.entries()) compile as one RE2::Set.
bool SetCompiles(const RuleSet& set, const std::vector<size_t>& entries) {
  RE2::Set s(QuietOptions(), RE2::UNANCHORED);
  for (size_t e : entries) {
    std::string err;
    if (s.Add(set.entries()[e].pattern, &err) < 0) return false;
  }
  return s.Compile();
}

// "rule \"id\" (file:line:col)", or the internal marker's name.
std::string DescribeEntry(const RuleSet& set, size_t e) {
  const MatcherEntry& entry = set.entries()[e];
  if (entry.role != MatcherEntry::Role::kRule) return "an internal WSO2 lifecycle marker";
  const RuleSpec& spec = set.rules()[entry.rule].spec;
  return "rule \"" + spec.id + "\" (" + spec.pos.ToString() + ")";
}

void AddEntryError(const RuleSet& set, size_t e, const std::string& message, Diagnostics* d) {
  const MatcherEntry& entry = set.entries()[e];
  if (entry.role == MatcherEntry::Role::kRule) {
    AddError(d, set.rules()[entry.rule].spec.pos, message);
  } else {
    d->Add("", 0, 0, message);
  }
}

// Compiles every pattern into one RE2::Set, as the engine will (in smaller pieces). When that
// fails, RE2 only says "too large": find who is responsible so the operator knows which rule
// to fix. First each pattern alone (a pattern that fits as a single RE2 can still be too large
// for a set, whose program has no reverse half of the budget); when every pattern fits alone,
// bisect for the shortest prefix of the rules that does not fit and name the rule that tips
// it over together with the largest patterns before it.
void CheckSetBudget(const RuleSet& set, Diagnostics* errors) {
  const size_t n = set.entries().size();
  {
    RE2::Set all(QuietOptions(), RE2::UNANCHORED);
    bool added = true;
    for (size_t e = 0; e < n; ++e) {
      std::string err;
      if (all.Add(set.entries()[e].pattern, &err) < 0) {
        AddEntryError(set, e, DescribeEntry(set, e) + ": pattern refused by RE2::Set: " + err,
                      errors);
        added = false;
      }
    }
    if (!added || all.Compile()) return;
  }
  const std::string budget = std::to_string(QuietOptions().max_mem() >> 20) + " MiB";
  bool alone = false;
  for (size_t e = 0; e < n; ++e) {
    if (!SetCompiles(set, {e})) {
      AddEntryError(set, e,
                    DescribeEntry(set, e) + ": pattern too large for RE2's memory budget (" +
                        budget +
                        ") in a matcher set; simplify it (fewer or smaller repeats, "
                        "narrower classes than \\pL or \\w under a repeat)",
                    errors);
      alone = true;
    }
  }
  if (alone) return;
  // Adding patterns only grows the program, so "prefix [0, k) fits" is monotonic in k.
  size_t lo = 1, hi = n;  // prefix of lo fits; prefix of hi does not.
  std::vector<size_t> prefix;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    prefix.resize(mid);
    for (size_t i = 0; i < mid; ++i) prefix[i] = i;
    if (SetCompiles(set, prefix)) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const size_t culprit = hi - 1;
  // The heaviest patterns before it, by their single-RE2 program size.
  std::vector<std::pair<int, size_t>> sizes;
  for (size_t e = 0; e < culprit; ++e) {
    RE2 re(set.entries()[e].pattern, QuietOptions());
    sizes.emplace_back(re.ok() ? re.ProgramSize() : 0, e);
  }
  std::sort(sizes.begin(), sizes.end(), std::greater<>());
  std::string heaviest;
  for (size_t i = 0; i < sizes.size() && i < 3; ++i) {
    heaviest += (i == 0 ? "" : ", ") + DescribeEntry(set, sizes[i].second);
  }
  AddEntryError(set, culprit,
                DescribeEntry(set, culprit) +
                    ": the rules' patterns do not fit in RE2's memory "
                    "budget (" +
                    budget + ") together from this rule on (" + std::to_string(culprit + 1) +
                    " of " + std::to_string(n) + " patterns); largest before it: " + heaviest,
                errors);
}

}  // namespace

uint64_t RuleSet::RulesReading(std::string_view log_name) const {
  uint64_t n = 0;
  for (size_t slot = 0; slot < context_.logs.size(); ++slot) {
    if (context_.logs[slot].name != log_name) continue;
    for (const CompiledRule& r : rules_) {
      const bool reads = slot < r.reads_log.size() && r.reads_log[slot];
      if (reads || r.traffic_log == static_cast<int>(slot)) ++n;
    }
  }
  return n;
}

int RuleSet::FindRule(std::string_view id) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].spec.id == id) return static_cast<int>(i);
  }
  return -1;
}

// CompileRules in named phases. Holds the set under construction; used once, by CompileRules.
class RuleSetBuilder {
 public:
  explicit RuleSetBuilder(const RuleContext& ctx) : set_(new RuleSet()), ctx_(ctx) {
    set_->context_ = ctx;
  }

  // Phase 1: each rule on its own: which logs and targets it reads, and its regexes.
  void AddRule(RuleSpec spec) {
    CompiledRule r;
    r.fingerprint = Fingerprint(spec);
    if (spec.kind == RuleKind::kLog || spec.kind == RuleKind::kLogSilent ||
        spec.kind == RuleKind::kBootFailed || spec.kind == RuleKind::kProcessRestarted ||
        IsChangeKind(spec.kind)) {
      r.reads_log = ResolveLogs(spec, ctx_, &errors_, &set_->warnings_);
    }
    if (!spec.traffic.empty()) {
      const auto& logs = ctx_.logs;
      auto it = std::find_if(logs.begin(), logs.end(),
                             [&](const RuleContext::Log& l) { return l.name == spec.traffic; });
      if (it == logs.end()) {
        std::string hint = ClosestMatch(spec.traffic, LogNames(ctx_));
        AddError(&errors_, spec.pos,
                 "rule \"" + spec.id + "\".traffic: no log named \"" + spec.traffic +
                     "\" in the configuration" +
                     (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)"));
      } else {
        r.traffic_log = static_cast<int>(it - logs.begin());
      }
    }
    if (spec.kind == RuleKind::kMetric || spec.kind == RuleKind::kProcessDown ||
        spec.kind == RuleKind::kProcessRestarted || spec.kind == RuleKind::kLogSilent) {
      r.targets = ResolveTargets(spec, ctx_, &errors_);
    }
    if (spec.kind == RuleKind::kLog && !CompileLogMatcher(spec, &r)) return;
    r.spec = std::move(spec);
    set_->rules_.push_back(std::move(r));
  }

  // Phase 2: the internal lifecycle markers, INFO lines from three carbon-kernel loggers. Their
  // logger filters keep them out of the way of every other INFO record.
  void AddLifecycleMarkers() {
    const LevelMask info = static_cast<LevelMask>(1u << static_cast<unsigned>(Level::kInfo));
    const struct {
      MatcherEntry::Role role;
      const char* pattern;
      const char* logger;
    } markers[] = {{MatcherEntry::Role::kBootStart, kBootStartPattern, kBootStartLogger},
                   {MatcherEntry::Role::kBootDone, kBootDonePattern, kBootDoneLogger},
                   {MatcherEntry::Role::kShutdown, kShutdownPattern, kShutdownLogger}};
    for (const auto& m : markers) {
      MatcherEntry e;
      e.role = m.role;
      e.pattern = m.pattern;
      e.levels = info;
      e.logger_filter = LoggerFilter(m.logger).value_or(-1);  // Built-in: always compiles.
      set_->entries_.push_back(std::move(e));
    }
  }

  // Phase 3: buckets, which entries may apply to a (log slot, level).
  void BuildBuckets() {
    RuleSet& set = *set_;
    const size_t slots = set.log_slots();
    const size_t words = (set.entries_.size() + 63) / 64;
    set.buckets_.assign(slots * kLevelSlots, std::vector<uint64_t>(words, 0));
    for (size_t e = 0; e < set.entries_.size(); ++e) {
      const MatcherEntry& entry = set.entries_[e];
      for (size_t log = 0; log < slots; ++log) {
        if (entry.role == MatcherEntry::Role::kRule && !set.rules_[entry.rule].reads_log[log]) {
          continue;
        }
        for (int level = 0; level < kLevelSlots; ++level) {
          // A record without a level (plain logs) cannot be filtered by level: every entry
          // applies.
          if (entry.levels != 0 && level != 0 &&
              !(entry.levels & (1u << static_cast<unsigned>(level)))) {
            continue;
          }
          SetBit(set.buckets_[log * kLevelSlots + static_cast<size_t>(level)], e);
        }
      }
    }
  }

  // Phase 4: one full RE2::Set proves the patterns compile together within RE2's memory
  // budget; the engine builds smaller per-bucket sets from the same patterns.
  Result<std::shared_ptr<const RuleSet>, Diagnostics> Finish() {
    if (errors_.empty()) CheckSetBudget(*set_, &errors_);
    if (!errors_.empty()) return std::move(errors_);
    return std::shared_ptr<const RuleSet>(std::move(set_));
  }

 private:
  // The match and exclude regexes of a log rule, its capture labels, and its matcher entry.
  // False (with the errors recorded) when a regex does not compile: the rule is left out.
  bool CompileLogMatcher(const RuleSpec& spec, CompiledRule* r) {
    const std::string what = "rule \"" + spec.id + "\"";
    auto re = std::make_unique<RE2>(spec.match, QuietOptions());
    if (!re->ok()) {
      AddError(&errors_, spec.pos, what + ".match: " + RegexError(*re));
      return false;
    }
    for (const auto& [name, group] : re->NamedCapturingGroups()) {
      r->capture_labels.push_back(name);
      r->capture_groups.push_back(group);
      r->max_group = std::max(r->max_group, group);
      if (name == spec.threshold.distinct_label) {
        r->distinct_capture = static_cast<int>(r->capture_labels.size() - 1);
      }
    }
    if (!spec.exclude.empty()) {
      r->exclude = std::make_unique<RE2>(spec.exclude, QuietOptions());
      if (!r->exclude->ok()) {
        AddError(&errors_, spec.pos, what + ".exclude: " + RegexError(*r->exclude));
        return false;
      }
    }
    // Kept only where captures are extracted: most rules need nothing but the set (and each
    // compiled RE2 stays resident for the daemon's life).
    if (!r->capture_labels.empty()) r->match = std::move(re);
    // Rules with the same pattern share one capture cache slot.
    const auto& rules = set_->rules_;
    r->capture_key = static_cast<uint32_t>(rules.size());
    for (size_t j = 0; j < rules.size(); ++j) {
      if (rules[j].spec.kind == RuleKind::kLog && rules[j].spec.match == spec.match) {
        r->capture_key = static_cast<uint32_t>(j);
        break;
      }
    }
    MatcherEntry e;
    e.role = MatcherEntry::Role::kRule;
    e.rule = static_cast<uint32_t>(rules.size());
    e.pattern = spec.match;
    e.levels = spec.levels;
    const struct {
      const std::string& pattern;
      int* index;
      const char* key;
    } filters[] = {{spec.loggers, &e.logger_filter, "loggers"},
                   {spec.exclude_loggers, &e.logger_exclude, "exclude_loggers"}};
    for (const auto& f : filters) {
      if (f.pattern.empty()) continue;
      auto index = LoggerFilter(f.pattern);
      if (!index) {
        AddError(&errors_, spec.pos, what + "." + f.key + ": invalid regular expression");
        return false;
      }
      *f.index = *index;
    }
    set_->entries_.push_back(std::move(e));
    return true;
  }

  // Index of the logger regex `pattern` in the set's shared filters (compiled once however
  // many rules use it); nullopt when it does not compile.
  std::optional<int> LoggerFilter(const std::string& pattern) {
    auto& patterns = set_->logger_patterns_;
    auto it = std::find(patterns.begin(), patterns.end(), pattern);
    if (it != patterns.end()) return static_cast<int>(it - patterns.begin());
    auto re = std::make_unique<RE2>(pattern, QuietOptions());
    if (!re->ok()) return std::nullopt;
    patterns.push_back(pattern);
    set_->logger_filters_.push_back(std::move(re));
    return static_cast<int>(set_->logger_filters_.size() - 1);
  }

  std::shared_ptr<RuleSet> set_;
  const RuleContext& ctx_;
  Diagnostics errors_;
};

Result<std::shared_ptr<const RuleSet>, Diagnostics> CompileRules(std::vector<RuleSpec> specs,
                                                                 const RuleContext& ctx) {
  RuleSetBuilder builder(ctx);
  for (auto& spec : specs) builder.AddRule(std::move(spec));
  builder.AddLifecycleMarkers();
  builder.BuildBuckets();
  return builder.Finish();
}

}  // namespace cg
