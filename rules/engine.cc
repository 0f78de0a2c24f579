#include "rules/engine.h"

#include <algorithm>
#include <map>

#include "base/units.h"
#include "rules/engine_impl.h"

namespace cg {

namespace {

constexpr std::string_view kOverflowValue = "_other";

template <typename T>
T Max(T a, T b) {
  return a < b ? b : a;
}

uint64_t HashValue(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction and rule sets.

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Create(std::shared_ptr<const RuleSet> rules,
                                               EngineOptions options) {
  if (!rules) return Status::Error("rule engine: no rule set");
  if (options.policy.rollback_severity < options.policy.investigate_severity) {
    return Status::Error("rule engine: rollback severity is below investigate severity");
  }
  if (Status check = SignatureMiner::CheckOptions(options.change.miner); !check.ok()) {
    return Status::Error("rule engine: signatures: " + check.message());
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  impl->Install(std::move(rules));
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Impl::Impl(EngineOptions o) : options(std::move(o)), metrics(options.registry) {
  cutover = options.cutover_at;
  hits.reserve(64);
}

Engine::Impl::RuleWindow Engine::Impl::WindowOf(const CompiledRule& r) {
  RuleWindow w;
  if (r.spec.kind == RuleKind::kProcessRestarted) {
    w.count = 1;
    w.window = Max(r.spec.clear.keep_firing_for, std::chrono::milliseconds(1));
    w.clear_count = 0;
    w.keep = std::chrono::milliseconds(0);
  } else {
    w.count = r.spec.threshold.count;
    w.window = r.spec.threshold.window;
    w.clear_count = r.spec.clear.count.value_or(w.count - 1);
    w.keep = r.spec.clear.keep_firing_for;
  }
  w.capacity = Max<size_t>(w.count, w.clear_count + 1);
  if (r.distinct_capture >= 0) w.capacity = Max<size_t>(w.capacity, 256);
  return w;
}

void Engine::Impl::Install(std::shared_ptr<const RuleSet> next) {
  // Carry state over for rules whose id and definition are unchanged; counters by id.
  std::map<std::string, std::unique_ptr<RuleState>> old;
  for (auto& rs : rule_states) old.emplace(rs->rule->spec.id, std::move(rs));
  ClearMatched();
  rule_states.clear();
  std::vector<std::unique_ptr<RuleState>> fresh;
  for (size_t i = 0; i < next->rules().size(); ++i) {
    const CompiledRule& r = next->rules()[i];
    auto it = old.find(r.spec.id);
    std::unique_ptr<RuleState> rs;
    if (it != old.end() && it->second->rule->fingerprint == r.fingerprint &&
        it->second->rule->reads_log == r.reads_log && it->second->rule->targets == r.targets) {
      rs = std::move(it->second);
      old.erase(it);
    } else {
      rs = std::make_unique<RuleState>();
      if (it != old.end()) {
        rs->counters = it->second->counters;  // Same rule id: same series.
        it->second->counters = {};
        ResolveAll(*it->second, "rule changed");
        old.erase(it);
      } else {
        rs->counters = metrics.AddRule(r.spec.id);
      }
    }
    rs->rule = &r;
    rs->index = i;
    rs->win = WindowOf(r);
    rule_states.push_back(std::move(rs));
  }
  for (auto& [id, rs] : old) {
    ResolveAll(*rs, "rule removed");
    metrics.RemoveRule(rs->counters);
  }
  // Log lifecycle state follows log names.
  std::vector<LogState> next_logs(next->log_slots());
  for (size_t i = 0; i < next->context().logs.size(); ++i) {
    next_logs[i].name = next->context().logs[i].name;
    for (auto& ls : logs) {
      if (ls.name == next_logs[i].name) next_logs[i] = std::move(ls);
    }
  }
  if (!logs.empty()) next_logs.back() = std::move(logs.back());
  next_logs.back().name = "";
  logs = std::move(next_logs);
  rules = std::move(next);
  matcher = std::make_unique<RecordMatcher>(rules);
  // Capture keys name patterns of this rule set only.
  captures = CaptureCache();
  capture_key = ~0u;
  InstallChange();
}

void Engine::Impl::InstallChange() {
  change_rules.clear();
  change_log_of_slot.clear();  // Slots are renumbered with the rule set.
  change_new_levels = 0;
  change_reads.assign(logs.size(), false);
  for (size_t i = 0; i < rule_states.size(); ++i) {
    const CompiledRule& r = *rule_states[i]->rule;
    if (!IsChangeKind(r.spec.kind)) continue;
    change_rules.push_back(i);
    if (r.spec.kind == RuleKind::kNewSignature) {
      change_new_levels |= r.spec.levels == 0 ? LevelMask{0xff} : r.spec.levels;
    }
    for (size_t slot = 0; slot < r.reads_log.size() && slot < change_reads.size(); ++slot) {
      if (r.reads_log[slot]) change_reads[slot] = true;
    }
    if (r.traffic_log >= 0) change_reads[static_cast<size_t>(r.traffic_log)] = true;
  }
  UpdateMineLevels();
  if (change_rules.empty()) {
    change.reset();
    return;
  }
  if (!change) {
    // The options were checked by Engine::Create; a failure here leaves the detectors quiet.
    auto t = ChangeTracker::Create(options.change, options.baseline);
    if (t.ok()) change = std::move(*t);
  }
}

void Engine::Impl::ResolveAll(RuleState& rs, const char* /*why*/) {
  for (auto& g : rs.groups) {
    if (g->state == AlertState::kFiring) Resolve(rs, *g, last_now);
  }
}

void Engine::SetRuleSet(std::shared_ptr<const RuleSet> rules) {
  if (rules) impl_->Install(std::move(rules));
}

void Engine::SetCutover(std::optional<WallTime> at) {
  impl_->cutover = at;
  impl_->observe_start.reset();
  impl_->UpdateMineLevels();
}

std::optional<WallTime> Engine::cutover() const { return impl_->cutover; }
const RuleSet& Engine::rules() const { return *impl_->rules; }
uint64_t Engine::records() const { return impl_->records; }
uint64_t Engine::records_before_cutover() const { return impl_->records_before_cutover; }
uint64_t Engine::matcher_set_runs() const { return impl_->matcher->set_runs(); }
uint64_t Engine::matcher_memo_hits() const { return impl_->matcher->memo_hits(); }
uint64_t Engine::matcher_prefiltered() const { return impl_->matcher->prefiltered(); }

// ---------------------------------------------------------------------------------------------
// Groups (alert identities).

Engine::Impl::Group* Engine::Impl::FindGroup(RuleState& rs, const std::string_view* values,
                                             size_t n) {
  for (auto& g : rs.groups) {
    if (g->key.size() != n) continue;
    bool same = true;
    for (size_t i = 0; i < n && same; ++i) same = g->key[i] == values[i];
    if (same) return g.get();
  }
  return nullptr;
}

Engine::Impl::Group* Engine::Impl::NewGroup(RuleState& rs, const std::string_view* values, size_t n,
                                            const Labels& extra) {
  auto g = std::make_unique<Group>(rs.win.capacity, rs.rule->distinct_capture >= 0,
                                   rs.rule->spec.evidence);
  for (size_t i = 0; i < n; ++i) g->key.emplace_back(values[i]);
  g->labels = rs.rule->spec.labels;
  for (const auto& kv : extra) g->labels.push_back(kv);
  std::sort(g->labels.begin(), g->labels.end());
  g->id = AlertId(rs.rule->spec.id, g->labels);
  rs.groups.push_back(std::move(g));
  return rs.groups.back().get();
}

Alert Engine::Impl::Snapshot(const RuleState& rs, const Group& g, WallTime now) const {
  const RuleSpec& spec = rs.rule->spec;
  Alert a;
  a.id = g.id;
  a.rule = spec.id;
  a.description = spec.description;
  a.runbook = spec.runbook;
  a.severity = spec.severity;
  a.kind = spec.kind;
  a.state = g.state;
  a.labels = g.labels;
  a.first_seen = g.first_seen;
  a.last_seen = g.last_seen;
  a.pending_since = g.pending_since;
  a.fired_at = g.fired_at;
  a.resolved_at = g.resolved_at;
  a.count = g.count;
  if (spec.kind == RuleKind::kLog || spec.kind == RuleKind::kProcessRestarted) {
    a.window_count = g.window.CountAfter(now - rs.win.window);
  } else if (IsChangeKind(spec.kind)) {
    a.window_count = g.window_count;
  }
  a.detail = g.detail;
  a.value = g.value;
  a.acked = g.acked;
  a.acked_at = g.acked_at;
  a.ack_comment = g.ack_comment;
  a.evidence = g.evidence.Snapshot();
  return a;
}

void Engine::Impl::Fire(RuleState& rs, Group& g, WallTime at) {
  g.state = AlertState::kFiring;
  if (!g.pending_since) g.pending_since = at;
  g.fired_at = at;
  g.resolved_at.reset();
  g.acked = false;
  g.acked_at.reset();
  g.ack_comment.clear();
  if (rs.rule->spec.kind == RuleKind::kBootFailed) FillBootEvidence(rs, g);
  AlertEvent ev;
  ev.kind = AlertEvent::Kind::kFiring;
  ev.at = at;
  ev.alert = Snapshot(rs, g, Max(at, last_now));
  events.push_back(std::move(ev));
  last_transition = Max(last_transition.value_or(at), at);
}

void Engine::Impl::Resolve(RuleState& rs, Group& g, WallTime at) {
  if (g.fired_at) at = Max(at, *g.fired_at);
  g.state = AlertState::kResolved;
  g.was_resolved = true;
  g.resolved_at = at;
  g.pending_since.reset();
  AlertEvent ev;
  ev.kind = AlertEvent::Kind::kResolved;
  ev.at = at;
  ev.alert = Snapshot(rs, g, Max(at, last_now));
  events.push_back(std::move(ev));
  last_transition = Max(last_transition.value_or(at), at);
}

void Engine::Impl::LeavePending(Group& g) {
  g.state = g.was_resolved ? AlertState::kResolved : AlertState::kInactive;
  g.pending_since.reset();
}

// ---------------------------------------------------------------------------------------------
// The hot path.

void Engine::OnRecord(const Record& record, WallTime now) { impl_->OnRecord(record, now); }

void Engine::Impl::OnLate(const Record& record, WallTime now) {
  for (auto& rs : rule_states) {
    for (auto& g : rs->groups) late_joined = g->evidence.Continue(record) || late_joined;
  }
  for (LogState& ls : logs) {
    if (ls.name == record.log) ls.boot_errors.Continue(record);
  }
  // What the late lines add: rules the whole record matches that the part before them did
  // not (a `Caused by:` that came late). Each rule still counts the record once; boot and
  // shutdown markers are first lines, never late ones.
  const WallTime record_time = record.time_from_log ? record.time : now;
  if (cutover && record_time < *cutover) return;
  const size_t slot = matcher->LogSlot(record.log);
  Record whole = record;
  whole.late = false;
  whole.offset = record.continues;
  whole.lines = static_cast<uint32_t>(std::count(whole.text.begin(), whole.text.end(), '\n')) + 1;
  Record before = whole;
  before.text.resize(std::min<size_t>(record.late_start, before.text.size()));
  while (!before.text.empty() && before.text.back() == '\n') before.text.pop_back();
  std::vector<int> had;
  (void)matcher->Match(before, slot, &had);
  if (!matcher->Match(whole, slot, &hits)) return;  // Leaves the whole text as message().
  const auto& entries = rules->entries();
  hits.erase(std::remove_if(hits.begin(), hits.end(),
                            [&](int e) {
                              return entries[static_cast<size_t>(e)].role !=
                                         MatcherEntry::Role::kRule ||
                                     std::binary_search(had.begin(), had.end(), e);
                            }),
             hits.end());
  if (hits.empty()) return;
  capture_record = UINT64_MAX;  // The captures cached for `records` are the shorter text's.
  bool covered = false;
  OnMatches(whole, slot, Max(last_now, now), /*observing=*/true, &covered);
}

void Engine::Impl::OnRecord(const Record& record, WallTime now) {
  // Not an entry: matching it would count its record twice, or match a stack frame alone.
  if (record.late) return OnLate(record, now);
  ++records;
  last_now = Max(last_now, now);
  const size_t slot = matcher->LogSlot(record.log);
  LogState& ls = logs[slot];
  const WallTime record_time = record.time_from_log ? record.time : now;
  const bool observing = !cutover || record_time >= *cutover;
  metrics.Record(!observing);
  if (!observing) {
    ++records_before_cutover;
  } else {
    ls.last_record = now;
    // Only records in the log's layout tell that a JVM ran before a boot: the start scripts'
    // own lines ahead of a console's first record (nohup.out, a container) are not a run, nor
    // are the booting JVM's own lines before its start marker.
    if (record.recognised && !IsPreBootLogger(record.logger)) ++ls.records;
    if (!observe_start) observe_start = cutover ? Max(*cutover, now) : now;
    // Errors during a boot become the evidence of a failed boot.
    if (ls.boot_in_progress && record.level >= Level::kError) ls.boot_errors.Add(record);
  }
  bool covered = false;  // A log rule counted the record (error_storm skips those).
  if (matcher->Match(record, slot, &hits)) {
    OnMatches(record, slot, now, observing, &covered);
  }
  if (change && change_reads[slot]) OnChangeRecord(record, slot, now, observing, covered);
}

void Engine::Impl::OnMatches(const Record& record, size_t slot, WallTime now, bool observing,
                             bool* covered) {
  struct ForThisRecord {  // The shared copy is this call's, whichever way it returns.
    explicit ForThisRecord(Impl* m) : m_(m) {
      m_->share_evidence = true;
      m_->shared_evidence = nullptr;
    }
    ~ForThisRecord() {
      m_->share_evidence = false;
      m_->shared_evidence = nullptr;
    }
    Impl* m_;
  } for_this_record(this);
  LogState& ls = logs[slot];
  const auto& entries = rules->entries();
  for (int e : hits) {
    const MatcherEntry& entry = entries[static_cast<size_t>(e)];
    switch (entry.role) {
      case MatcherEntry::Role::kBootStart:
        OnBootStart(slot, record, now, observing);
        break;
      case MatcherEntry::Role::kBootDone:
        ls.boot_in_progress = false;
        ls.boot_failed_at.reset();
        ls.boot_done_at = now;
        ls.boot_errors.Clear();
        break;
      case MatcherEntry::Role::kShutdown:
        ls.graceful = true;
        break;
      case MatcherEntry::Role::kRule:
        if (observing && OnRuleMatch(*rule_states[entry.rule], record, now)) *covered = true;
        break;
    }
  }
}

void Engine::Impl::OnBootStart(size_t slot, const Record& record, WallTime now, bool observing) {
  LogState& ls = logs[slot];
  const bool unexpected = ls.records > 1 && !ls.graceful;
  if (ls.boot_in_progress) {
    // A new start before "started in": the previous boot failed.
    if (!ls.boot_failed_at) ls.boot_failed_at = now;
  } else {
    ls.boot_errors.Clear();
  }
  ls.boot_in_progress = true;
  ls.boot_started = now;
  ls.graceful = false;
  CopyEvidence(record, &ls.boot_marker);
  ls.has_boot_marker = true;
  if (!observing) return;
  last_boot_start = Max(last_boot_start.value_or(now), now);
  if (!unexpected) return;
  for (auto& rs : rule_states) {
    if (rs->rule->spec.kind != RuleKind::kProcessRestarted || !rs->rule->reads_log[slot]) continue;
    std::string_view key[2] = {"log", ls.name};
    Group* g = FindGroup(*rs, key, 2);
    if (!g) g = NewGroup(*rs, key, 2, {{"log", ls.name}});
    AddMatch(*rs, *g, record, now, 0);
  }
}

void Engine::Impl::AddMatch(RuleState& rs, Group& g, const Record& record, WallTime now,
                            uint64_t tag) {
  ++rs.matches;
  g.window.Add(now, tag);
  if (g.count == 0) g.first_seen = now;
  ++g.count;
  g.last_seen = Max(g.last_seen, now);
  if (shared_evidence != nullptr) {
    g.evidence.Add(*shared_evidence);
  } else if (const Evidence* copy = g.evidence.Add(record); share_evidence) {
    shared_evidence = copy;
  }
  if (!g.matched) {
    g.matched = true;
    matched.emplace_back(&rs, &g);
  }
  if (!g.cond && g.window.size() >= rs.win.count && ConditionHolds(rs, g, now)) {
    g.cond = true;
    g.cond_since = now;
  }
}

bool Engine::Impl::ConditionHolds(const RuleState& rs, Group& g, WallTime now) const {
  const WallTime after = now - rs.win.window;
  if (g.window.CountAfter(after) < rs.win.count) return false;
  const uint64_t distinct = rs.rule->spec.threshold.distinct_count;
  return distinct == 0 || g.window.DistinctAfter(after) >= distinct;
}

bool Engine::Impl::OnRuleMatch(RuleState& rs, const Record& record, WallTime now) {
  const CompiledRule& rule = *rs.rule;
  const std::string_view message = matcher->message();
  if (rule.exclude && RE2::PartialMatch(message, *rule.exclude)) return false;
  EngineMetrics::Inc(rs.counters.matches);
  const auto warmup = rule.spec.warmup_default ? options.warmup : rule.spec.warmup;
  std::optional<WallTime> anchor = cutover;
  if (last_boot_start && (!anchor || *last_boot_start > *anchor)) anchor = last_boot_start;
  if (warmup.count() > 0 && anchor && now >= *anchor && now < *anchor + warmup) {
    ++rs.matches;
    ++rs.suppressed;
    EngineMetrics::Inc(rs.counters.suppressed);
    return true;
  }
  // Captures: no allocation (fixed arrays). RE2 fills group i into pieces[i - 1].
  constexpr int kMaxGroups = Impl::kMaxCaptureGroups;
  re2::StringPiece* pieces = capture_pieces;
  std::string_view values[kMaxGroups];
  size_t n = 0;
  uint64_t tag = 0;
  if (!rule.capture_labels.empty()) {
    const int groups = std::min(rule.max_group, kMaxGroups);
    // Rules sharing a pattern (isolated / persisting pairs) share one extraction per record.
    if (capture_record != records || capture_key != rule.capture_key) {
      for (int i = 0; i < groups; ++i) pieces[i] = re2::StringPiece();
      // Captures are nearly always on the first line; the stack trace is searched only if not.
      const std::string_view first = record.FirstMessageLine();
      capture_ok = first.size() < message.size() &&
                   captures.Extract(*rule.match, rule.capture_key, first, groups, pieces);
      if (!capture_ok) {
        capture_ok = captures.Extract(*rule.match, rule.capture_key, message, groups, pieces);
      }
      capture_record = records;
      capture_key = rule.capture_key;
    }
    const bool ok = capture_ok;
    for (size_t c = 0; c < rule.capture_labels.size(); ++c) {
      const int grp = rule.capture_groups[c];
      std::string_view v;
      if (ok && grp >= 1 && grp <= groups) {
        v = std::string_view(pieces[grp - 1].data(), pieces[grp - 1].size());
      }
      if (static_cast<int>(c) == rule.distinct_capture) {
        tag = HashValue(v);
      } else {
        values[n++] = v;
      }
    }
  }
  Group* g = FindGroup(rs, values, n);
  if (!g) {
    if (rs.groups.size() < rule.spec.max_label_sets || n == 0) {
      Labels extra;
      size_t vi = 0;
      for (size_t c = 0; c < rule.capture_labels.size(); ++c) {
        if (static_cast<int>(c) == rule.distinct_capture) continue;
        extra.emplace_back(rule.capture_labels[c], std::string(values[vi++]));
      }
      g = NewGroup(rs, values, n, extra);
    } else {
      // Over the cap: count it, and keep the signal under one "_other" identity.
      ++rs.overflow;
      EngineMetrics::Inc(rs.counters.overflow);
      std::string_view other[kMaxGroups];
      for (size_t i = 0; i < n; ++i) other[i] = kOverflowValue;
      g = FindGroup(rs, other, n);
      if (!g) {
        Labels extra;
        for (size_t c = 0; c < rule.capture_labels.size(); ++c) {
          if (static_cast<int>(c) == rule.distinct_capture) continue;
          extra.emplace_back(rule.capture_labels[c], std::string(kOverflowValue));
        }
        g = NewGroup(rs, other, n, extra);
      }
    }
  }
  AddMatch(rs, *g, record, now, tag);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

void Engine::Evaluate(WallTime now, const MetricSource& metrics) { impl_->Evaluate(now, metrics); }

void Engine::Impl::EvaluateWindowGroup(RuleState& rs, Group& g, WallTime now) {
  const RuleWindow& w = rs.win;
  const auto for_ = rs.rule->spec.for_;
  const WallTime after = now - w.window;
  const size_t count = g.window.CountAfter(after);
  const bool active = ConditionHolds(rs, g, now);
  // When did the condition stop holding? When the count-th newest match left the window.
  WallTime false_at = now;
  if (g.cond && !active) {
    if (count < w.count) {
      if (auto t = g.window.NthNewest(w.count)) false_at = *t + w.window;
    }
    false_at = Max(false_at, g.cond_since);
  }
  if (g.state != AlertState::kFiring && g.cond) {
    const WallTime end = active ? now : false_at;
    const WallTime fire_at = g.cond_since + for_;
    if (fire_at <= end && (for_.count() == 0 || fire_at < end || active)) {
      g.pending_since = g.cond_since;
      Fire(rs, g, fire_at);
    } else if (active) {
      if (g.state != AlertState::kPending) {
        g.state = AlertState::kPending;
        g.pending_since = g.cond_since;
      }
    } else if (g.state == AlertState::kPending) {
      LeavePending(g);
    }
  }
  if (g.state == AlertState::kFiring && count <= w.clear_count && !active) {
    // The count fell to clear_count when the (clear_count + 1)-th newest match expired.
    WallTime clear_since = now;
    if (auto t = g.window.NthNewest(w.clear_count + 1)) clear_since = *t + w.window;
    if (g.fired_at) clear_since = Max(clear_since, *g.fired_at);
    if (BootGate(rs, g, &clear_since) && now >= clear_since + w.keep) {
      Resolve(rs, g, clear_since + w.keep);
    }
  }
  if (!active) g.cond = false;
}

bool Engine::Impl::BootGate(const RuleState& rs, const Group& g, WallTime* clear_since) const {
  if (!rs.rule->spec.clear.until_boot) return true;
  if (!last_boot_start || !g.fired_at || *last_boot_start <= *g.fired_at) return false;
  *clear_since = Max(*clear_since, *last_boot_start);
  return true;
}

void Engine::Impl::EvaluateSampled(RuleState& rs, Group& g, WallTime now, bool active,
                                   WallTime active_since, WallTime clear_since) {
  const auto for_ = rs.rule->spec.for_;
  const auto keep = rs.rule->spec.clear.keep_firing_for;
  if (active) {
    if (!g.cond) {
      g.cond = true;
      g.cond_since = active_since;
      if (g.count == 0) g.first_seen = active_since;
      // Sampled conditions count their activations; change detectors count records (their
      // caller sets the count from the signature's statistics).
      if (!IsChangeKind(rs.rule->spec.kind)) ++g.count;
    }
    g.last_seen = now;
    g.clear_since.reset();
  } else if (g.cond) {
    g.cond = false;
    g.clear_since = clear_since;
  }
  if (g.state != AlertState::kFiring) {
    if (active) {
      const WallTime fire_at = g.cond_since + for_;
      if (now >= fire_at) {
        g.pending_since = g.cond_since;
        Fire(rs, g, fire_at);
      } else if (g.state != AlertState::kPending) {
        g.state = AlertState::kPending;
        g.pending_since = g.cond_since;
      }
    } else if (g.state == AlertState::kPending) {
      LeavePending(g);
    }
  } else if (!active && g.clear_since) {
    WallTime since = *g.clear_since;
    if (BootGate(rs, g, &since) && now >= since + keep) Resolve(rs, g, since + keep);
  }
}

void Engine::Impl::ClearMatched() {
  for (auto& [rs, g] : matched) g->matched = false;
  matched.clear();
}

bool Engine::EvaluateMatched(WallTime now) { return impl_->EvaluateMatched(now); }
bool Engine::has_matched() const {
  return !impl_->matched.empty() || impl_->late_joined || impl_->ChangeEvaluable(impl_->last_now);
}

bool Engine::Impl::ChangeEvaluable(WallTime now) const {
  // Once the minute turned, the periodic Evaluate does the full pass (and takes the dirty
  // list); before the mark nothing is evaluated.
  return change && change->has_dirty() && (!cutover || now >= *cutover) &&
         MinuteRing::MinuteOf(now) == change_minute;
}

bool Engine::Impl::EvaluateMatched(WallTime now) {
  now = Max(now, last_now);
  if (cutover && now < *cutover) {
    // Evaluate does not act before the mark either; it evaluates every group once it does.
    ClearMatched();
    const bool evidence = late_joined;
    late_joined = false;
    return evidence;
  }
  const bool dirty_change = ChangeEvaluable(now);
  if (matched.empty() && !dirty_change && !late_joined) return false;
  late_joined = false;
  last_now = now;
  // Only groups that got a record: their window and `for` decide pending and firing now.
  // Expiry, silence and metric rules stay with the periodic Evaluate.
  for (auto& [rs, g] : matched) {
    g->matched = false;
    EvaluateWindowGroup(*rs, *g, now);
  }
  matched.clear();
  // Change detectors the way a tick without a new minute does it (Evaluate below).
  if (dirty_change) {
    ++change_tick;
    std::vector<ChangeSignature*> active = change->TakeDirty();
    for (size_t i : change_rules) EvaluateChange(*rule_states[i], now, active, false);
    if (options.registry && !active.empty()) PublishChangeMetrics();
  }
  UpdateRecommendation(now);
  return true;
}

void Engine::Impl::Evaluate(WallTime now, const MetricSource& src) {
  ClearMatched();  // Every group is evaluated below.
  late_joined = false;
  now = Max(now, last_now);
  last_now = now;
  const bool observing = !cutover || now >= *cutover;
  if (observing) {
    if (!observe_start) observe_start = cutover ? Max(*cutover, now) : now;
    // Change detectors count per minute: a signature's condition only changes when it gets
    // a record or the minute turns, so most ticks look at the few that got records.
    std::vector<ChangeSignature*> active;
    bool full = false;
    if (change) {
      ++change_tick;
      const int64_t minute = MinuteRing::MinuteOf(now);
      full = minute != change_minute;
      change_minute = minute;
      active = full ? change->Active(now) : change->TakeDirty();
    }
    for (auto& rsp : rule_states) {
      RuleState& rs = *rsp;
      switch (rs.rule->spec.kind) {
        case RuleKind::kLog:
          for (auto& g : rs.groups) EvaluateWindowGroup(rs, *g, now);
          break;
        case RuleKind::kProcessRestarted:
          EvaluateRestarts(rs, now, src);
          for (auto& g : rs.groups) EvaluateWindowGroup(rs, *g, now);
          break;
        case RuleKind::kMetric:
        case RuleKind::kProcessDown:
          EvaluateMetric(rs, now, src);
          break;
        case RuleKind::kLogSilent:
          EvaluateSilence(rs, now, src);
          break;
        case RuleKind::kBootFailed:
          EvaluateBoot(rs, now);
          break;
        case RuleKind::kNewSignature:
        case RuleKind::kSignatureRate:
        case RuleKind::kErrorStorm:
          if (change) EvaluateChange(rs, now, active, full);
          break;
      }
      Evict(rs, now);
    }
    // The counts only change with a record or when the minute turns.
    if (change && options.registry && (full || !active.empty())) PublishChangeMetrics();
  }
  UpdateRecommendation(now);
}

void Engine::Impl::EvaluateMetric(RuleState& rs, WallTime now, const MetricSource& src) {
  const RuleSpec& spec = rs.rule->spec;
  for (const auto& target : rs.rule->targets) {
    std::optional<double> v;
    bool active = false;
    if (spec.kind == RuleKind::kProcessDown) {
      v = src.Latest("process.up", target);
      active = v && *v == 0;
    } else {
      v = src.Latest(spec.metric, target);
      active = v && (spec.above ? *v > *spec.above : *v < spec.below.value_or(0));
    }
    std::string_view key[1] = {target};
    Group* g = FindGroup(rs, key, 1);
    if (!g && !active) continue;
    if (!g) {
      Labels extra;
      if (!target.empty()) extra.emplace_back("target", target);
      g = NewGroup(rs, key, 1, extra);
    }
    g->value = v;
    EvaluateSampled(rs, *g, now, active, now, now);
  }
}

void Engine::Impl::EvaluateRestarts(RuleState& rs, WallTime now, const MetricSource& src) {
  const auto& targets = rs.rule->targets;
  rs.last_restarts.resize(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    auto v = src.Latest("process.restarts", targets[i]);
    if (!v) continue;
    auto& last = rs.last_restarts[i];
    if (last && *v > *last) {
      std::string_view key[2] = {"target", targets[i]};
      Group* g = FindGroup(rs, key, 2);
      if (!g) g = NewGroup(rs, key, 2, {{"target", targets[i]}});
      // No record to show: the evidence is the counter itself.
      Record r;
      r.log = "";
      r.time = now;
      r.text = "process.restarts of target " + targets[i] + " went from " +
               std::to_string(static_cast<uint64_t>(*last)) + " to " +
               std::to_string(static_cast<uint64_t>(*v));
      r.lines = 1;
      g->value = *v;
      AddMatch(rs, *g, r, now, 0);
    }
    last = *v;
  }
}

bool Engine::Impl::AnyTargetUp(const RuleState& rs, const MetricSource& src) const {
  // No target known (e.g. replay without a config): "up" cannot be told, so never "silent".
  for (const auto& t : rs.rule->targets) {
    auto up = src.Latest("process.up", t);
    if (up && *up >= 1) return true;
  }
  return false;
}

void Engine::Impl::EvaluateSilence(RuleState& rs, WallTime now, const MetricSource& src) {
  const auto silence = rs.rule->spec.duration;
  const bool up = AnyTargetUp(rs, src);
  for (size_t slot = 0; slot + 1 < logs.size(); ++slot) {
    if (!rs.rule->reads_log[slot]) continue;
    const LogState& ls = logs[slot];
    const WallTime last = ls.last_record.value_or(observe_start.value_or(now));
    const bool active = up && now - last >= silence;
    std::string_view key[1] = {ls.name};
    Group* g = FindGroup(rs, key, 1);
    if (!g && !active) continue;
    if (!g) g = NewGroup(rs, key, 1, {{"log", ls.name}});
    EvaluateSampled(rs, *g, now, active, last + silence, last);
  }
}

void Engine::Impl::EvaluateBoot(RuleState& rs, WallTime now) {
  const auto within = rs.rule->spec.duration;
  for (size_t slot = 0; slot < logs.size(); ++slot) {
    if (!rs.rule->reads_log[slot]) continue;
    const LogState& ls = logs[slot];
    std::optional<WallTime> failed = ls.boot_failed_at;
    if (!failed && ls.boot_in_progress && now >= ls.boot_started + within) {
      failed = ls.boot_started + within;
    }
    std::string_view key[1] = {ls.name};
    Group* g = FindGroup(rs, key, 1);
    if (!g && !failed) continue;
    if (!g) g = NewGroup(rs, key, 1, {{"log", ls.name.empty() ? "other" : ls.name}});
    EvaluateSampled(rs, *g, now, failed.has_value(), failed.value_or(now),
                    ls.boot_done_at.value_or(now));
  }
}

void Engine::Impl::FillBootEvidence(RuleState& rs, Group& g) {
  for (const auto& ls : logs) {
    if (g.key.empty() || ls.name != g.key[0]) continue;
    g.evidence.Clear();
    if (ls.has_boot_marker) g.evidence.Add(ls.boot_marker);
    for (const auto& e : ls.boot_errors.Snapshot()) g.evidence.Add(e);
    g.first_seen = ls.boot_started;
    (void)rs;
    return;
  }
}

void Engine::Impl::Evict(RuleState& rs, WallTime now) {
  auto& gs = rs.groups;
  if (IsChangeKind(rs.rule->spec.kind)) {
    gs.erase(std::remove_if(gs.begin(), gs.end(),
                            [&](const std::unique_ptr<Group>& g) {
                              if (g->cond || g->seen == change_tick) return false;
                              if (g->state == AlertState::kInactive) return true;
                              return g->state == AlertState::kResolved && g->resolved_at &&
                                     now - *g->resolved_at >= options.resolved_retention;
                            }),
             gs.end());
    return;
  }
  if (rs.rule->spec.kind != RuleKind::kLog && rs.rule->spec.kind != RuleKind::kProcessRestarted) {
    return;
  }
  gs.erase(std::remove_if(gs.begin(), gs.end(),
                          [&](const std::unique_ptr<Group>& g) {
                            if (g->cond || g->window.CountAfter(now - rs.win.window) > 0) {
                              return false;
                            }
                            if (g->state == AlertState::kInactive) return true;
                            return g->state == AlertState::kResolved && g->resolved_at &&
                                   now - *g->resolved_at >= options.resolved_retention;
                          }),
           gs.end());
}

void Engine::Impl::UpdateRecommendation(WallTime now) {
  // Every tick: counts only (no copies); reasons are built when someone asks.
  AlertTally tally;
  uint64_t firing[3] = {0, 0, 0}, pending[3] = {0, 0, 0};
  for (const auto& rs : rule_states) {
    const Severity sev = rs->rule->spec.severity;
    for (const auto& g : rs->groups) {
      if (g->state == AlertState::kFiring) ++firing[static_cast<size_t>(sev)];
      if (g->state == AlertState::kPending) ++pending[static_cast<size_t>(sev)];
      tally.Add(sev, g->state, g->acked, options.policy);
    }
  }
  metrics.SetAlerts(firing, pending);
  metrics.DfaFallbacks(matcher->dfa_fallbacks());
  const Verdict next =
      DecideVerdict(tally, options.policy, !blind_spots.empty() || rule_states.empty());
  // The engine starts at "continue"; its "since" is the first evaluation.
  if (!has_recommendation) {
    verdict_since = now;
    has_recommendation = true;
  }
  if (next != verdict) {
    const WallTime at = last_transition.value_or(now);
    AlertEvent ev;
    ev.kind = AlertEvent::Kind::kRecommendationChanged;
    ev.at = at;
    ev.recommendation = std::string(VerdictName(next));
    ev.previous = std::string(VerdictName(verdict));
    events.push_back(std::move(ev));
    metrics.SetRecommendation(next);
    verdict = next;
    verdict_since = at;
  }
  last_transition.reset();
}

Recommendation Engine::Impl::BuildRecommendation() const {
  std::vector<Alert> active;
  for (const auto& rs : rule_states) {
    for (const auto& g : rs->groups) {
      if (g->state != AlertState::kFiring && g->state != AlertState::kPending) continue;
      Alert a;
      a.id = g->id;
      a.rule = rs->rule->spec.id;
      a.description = rs->rule->spec.description;
      a.severity = rs->rule->spec.severity;
      a.state = g->state;
      a.labels = g->labels;
      a.first_seen = g->first_seen;
      a.pending_since = g->pending_since;
      a.fired_at = g->fired_at;
      a.count = g->count;
      a.acked = g->acked;
      if (const Evidence* e = g->evidence.Latest()) a.evidence.push_back(*e);
      active.push_back(std::move(a));
    }
  }
  std::vector<BlindSpot> spots = blind_spots;
  if (rule_states.empty()) {
    // Nothing can fire: a "continue" would be a claim the engine cannot back.
    spots.insert(spots.begin(), BlindSpot{"rules",
                                          "no rule is loaded: nothing in the logs or "
                                          "the samples can be recognised",
                                          verdict_since});
  }
  Recommendation rec = Recommend(active, options.policy, spots);
  // An ack since the last evaluation can change the verdict before the next one notices.
  rec.since = rec.verdict == verdict ? verdict_since : last_now;
  return rec;
}

// ---------------------------------------------------------------------------------------------
// Read side.

void Engine::SetBlindSpots(std::vector<BlindSpot> spots) { impl_->blind_spots = std::move(spots); }

Status Engine::Ack(std::string_view alert_id, WallTime now, std::string_view comment) {
  for (auto& rs : impl_->rule_states) {
    for (auto& g : rs->groups) {
      if (g->id != alert_id) continue;
      if (g->state == AlertState::kInactive) break;
      g->acked = true;
      g->acked_at = now;
      g->ack_comment = std::string(comment);
      return Status::Ok();
    }
  }
  return Status::Error("no alert with id \"" + std::string(alert_id) + "\"");
}

std::vector<AlertEvent> Engine::TakeTransitions() {
  std::vector<AlertEvent> out;
  out.swap(impl_->events);
  std::stable_sort(out.begin(), out.end(),
                   [](const AlertEvent& a, const AlertEvent& b) { return a.at < b.at; });
  return out;
}

std::vector<Alert> Engine::alerts() const {
  std::vector<Alert> out;
  for (const auto& rs : impl_->rule_states) {
    for (const auto& g : rs->groups) {
      if (g->state == AlertState::kInactive) continue;
      out.push_back(impl_->Snapshot(*rs, *g, impl_->last_now));
    }
  }
  auto rank = [](AlertState s) {
    return s == AlertState::kFiring ? 0 : s == AlertState::kPending ? 1 : 2;
  };
  std::stable_sort(out.begin(), out.end(), [&](const Alert& a, const Alert& b) {
    if (rank(a.state) != rank(b.state)) return rank(a.state) < rank(b.state);
    if (a.severity != b.severity) return a.severity > b.severity;
    const WallTime ta = a.fired_at.value_or(a.pending_since.value_or(a.first_seen));
    const WallTime tb = b.fired_at.value_or(b.pending_since.value_or(b.first_seen));
    if (ta != tb) return ta < tb;
    return a.id < b.id;
  });
  return out;
}

Recommendation Engine::recommendation() const { return impl_->BuildRecommendation(); }

std::vector<RuleStatus> Engine::rule_status() const {
  std::vector<RuleStatus> out;
  for (const auto& rs : impl_->rule_states) {
    const RuleSpec& spec = rs->rule->spec;
    RuleStatus s;
    s.id = spec.id;
    s.description = spec.description;
    s.severity = spec.severity;
    s.kind = spec.kind;
    s.source = spec.pos.ToString();
    s.matches = rs->matches;
    s.suppressed = rs->suppressed;
    s.overflow = rs->overflow;
    s.alerts = rs->groups.size();
    for (const auto& g : rs->groups) {
      if (spec.kind == RuleKind::kLog || spec.kind == RuleKind::kProcessRestarted) {
        s.window_count = std::max<uint64_t>(s.window_count,
                                            g->window.CountAfter(impl_->last_now - rs->win.window));
      } else if (IsChangeKind(spec.kind)) {
        s.window_count = std::max<uint64_t>(s.window_count, g->window_count);
        s.matches += g->count;
      } else {
        s.matches += g->count;
      }
      auto worse = [](AlertState a, AlertState b) {
        auto r = [](AlertState x) {
          return x == AlertState::kFiring     ? 3
                 : x == AlertState::kPending  ? 2
                 : x == AlertState::kResolved ? 1
                                              : 0;
        };
        return r(a) > r(b);
      };
      if (worse(g->state, s.state)) s.state = g->state;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace cg
