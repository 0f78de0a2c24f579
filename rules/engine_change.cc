// The engine's change detectors (new_signature, signature_rate, error_storm): records go to
// the ChangeTracker, and every evaluation turns its per-signature statistics into alerts, one
// alert identity per (rule, log, signature). See rule_spec.h and README "Change detectors".
//
// They are sampled conditions (like metric rules): the tracker counts per minute, so windows
// have a one-minute resolution, and the evaluation decides; records only add evidence to an
// alert that exists. Their alerts are not saved across restarts (SaveState): the signatures
// they name are re-learned from the logs after a restart, and an alert whose signature is
// active again comes back with the same id (the id hashes rule, log, level, signature id and
// template).
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "base/units.h"
#include "base/utf8.h"
#include "rules/change/poisson.h"
#include "rules/engine_impl.h"
#include "rules/signatures/hash.h"

namespace cg {

namespace {

// Bytes of a template kept in the alert's `template` label (labels travel to Alertmanager).
constexpr size_t kTemplateLabelBytes = 200;

bool LevelIn(LevelMask mask, Level l) {
  return mask == 0 || (mask & (1u << static_cast<unsigned>(l))) != 0;
}

int WindowMinutes(std::chrono::milliseconds window) {
  const auto m = (window.count() + 59'999) / 60'000;
  return static_cast<int>(std::clamp<int64_t>(m, 1, 60));
}

std::string Num(double v) {
  char buf[32];
  if (v != 0 && (std::fabs(v) < 0.01 || std::fabs(v) >= 1e6)) {
    std::snprintf(buf, sizeof buf, "%.2g", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", v);
    // "12.50" -> "12.5", "3.00" -> "3".
    std::string s(buf);
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
  }
  return buf;
}

double Hours(WallTime from, WallTime to) {
  const double h = std::chrono::duration<double, std::ratio<3600>>(to - from).count();
  return std::max(h, 1.0 / 60);
}

}  // namespace

std::string_view SignatureStateName(SignatureState s) {
  switch (s) {
    case SignatureState::kKnown:
      return "known";
    case SignatureState::kNew:
      return "new";
    case SignatureState::kRegressed:
      return "regressed";
    case SignatureState::kUnjudged:
      return "unjudged";
  }
  return "known";
}

std::optional<SignatureState> ParseSignatureState(std::string_view name) {
  for (auto s : {SignatureState::kKnown, SignatureState::kNew, SignatureState::kRegressed,
                 SignatureState::kUnjudged}) {
    if (SignatureStateName(s) == name) return s;
  }
  return std::nullopt;
}

void Engine::Impl::UpdateMineLevels() {
  const bool baseline_possible = options.baseline != nullptr || cutover.has_value();
  change_mine_levels = 0;
  for (size_t i : change_rules) {
    const RuleSpec& spec = rule_states[i]->rule->spec;
    if (spec.kind == RuleKind::kErrorStorm || baseline_possible) {
      change_mine_levels |= spec.levels == 0 ? LevelMask{0xff} : spec.levels;
    }
  }
}

void Engine::Impl::OnChangeRecord(const Record& record, size_t slot, WallTime now, bool observing,
                                  bool covered) {
  if (record.level < Level::kWarn || !LevelIn(change_mine_levels, record.level) ||
      change_mine_levels == 0) {
    // Traffic only (most records): no mining, no string lookup of the log.
    if (slot >= change_log_of_slot.size()) change_log_of_slot.resize(slot + 1, SIZE_MAX);
    size_t& li = change_log_of_slot[slot];
    if (li == SIZE_MAX) li = change->LogIndex(record.log);
    change->CountTraffic(li, now, observing, record.level);
    return;
  }
  uint64_t previous = 0;
  ChangeSignature* s = change->OnRecord(record, now, observing, covered, &previous);
  if (!s || !observing) return;
  if (change_start == WallTime{}) change_start = now;
  const std::string old_hex = previous != 0 ? HexId(previous) : std::string();
  for (size_t i : change_rules) {
    RuleState& rs = *rule_states[i];
    if (!rs.rule->reads_log[slot] || !LevelIn(rs.rule->spec.levels, s->level)) continue;
    std::string_view key[2] = {s->log, s->hex};
    Group* g = FindGroup(rs, key, 2);
    if (!g && previous != 0) {
      // The template generalised: the alert follows its signature under the new id.
      std::string_view old_key[2] = {s->log, old_hex};
      if ((g = FindGroup(rs, old_key, 2))) g->key[1] = s->hex;
    }
    if (!g) continue;
    g->last_seen = std::max(g->last_seen, now);
    // A storm would copy every record: one a second is enough to show what is happening.
    if (now - g->evidence_at < std::chrono::seconds(1)) continue;
    g->evidence_at = now;
    g->evidence.Add(record);
  }
}

void Engine::Impl::EvaluateChange(RuleState& rs, WallTime now,
                                  const std::vector<ChangeSignature*>& active, bool full) {
  const RuleSpec& spec = rs.rule->spec;
  const int minutes = WindowMinutes(spec.threshold.window);
  for (ChangeSignature* s : active) {
    if (!LevelIn(spec.levels, s->level)) continue;
    if (s->slot_tick != change_tick) {  // Once per signature and evaluation, not per rule.
      s->slot = matcher->LogSlot(s->log);
      s->slot_tick = change_tick;
      s->windows[0].minutes = s->windows[1].minutes = 0;
    }
    const size_t slot = s->slot;
    if (slot >= rs.rule->reads_log.size() || !rs.rule->reads_log[slot]) continue;
    // The current minute counts once it has a record; until then the window ends with the
    // minute before, so a steady stream does not look interrupted at every minute boundary
    // (which would restart `for` and flap the alert).
    if (s->windows[0].minutes == 0) {  // First rule to look at it this evaluation.
      s->at = s->recent.Sum(now, 1) > 0 ? now : now - std::chrono::minutes(1);
    }
    const WallTime at = s->at;
    ChangeSignature::WindowCount* w = nullptr;
    for (auto& c : s->windows) {
      if (c.minutes == minutes || c.minutes == 0) {
        w = &c;
        break;
      }
    }
    ChangeSignature::WindowCount scratch;
    if (!w) w = &scratch;  // A third window size: computed, not kept.
    if (w->minutes != minutes) {
      w->minutes = minutes;
      w->k = s->recent.Sum(at, minutes);
      w->busy = static_cast<uint64_t>(s->recent.Nonzero(at, minutes));
    }
    const uint64_t k = w->k;
    const uint64_t busy = w->busy;
    bool holds = k >= spec.threshold.count && busy >= spec.threshold.minutes;
    // Most signatures most of the time: below the threshold and no alert to update.
    if (!holds && rs.groups.empty()) {
      if (spec.kind == RuleKind::kSignatureRate) s->regressed = false;  // Too few to tell.
      continue;
    }
    // The numbers first; the detail text only for an alert that exists or starts.
    bool baseline = true;
    const ChangeLog* tl = nullptr;
    const std::string* traffic_name = &s->log;
    uint64_t n = 0;
    RateTest t;
    switch (spec.kind) {
      case RuleKind::kNewSignature:
        baseline = change->logs()[s->log_index].HasBaseline();
        holds = holds && baseline && !s->known();
        break;
      case RuleKind::kErrorStorm:
        holds = holds && !s->covered;
        break;
      case RuleKind::kSignatureRate: {
        // A signature absent from the baseline at a level new_signature reads is that
        // detector's: one alert for one finding. (A new WARN is judged here: its baseline
        // share is then half a record's.)
        if (!s->known() && LevelIn(change_new_levels, s->level) && change_new_levels != 0) {
          holds = false;
          break;
        }
        if (rs.rule->traffic_log >= 0) {
          traffic_name = &rules->context().logs[static_cast<size_t>(rs.rule->traffic_log)].name;
        }
        tl = change->FindLog(*traffic_name);
        if (!tl || !tl->HasBaseline()) {
          holds = false;
          tl = nullptr;
          break;
        }
        n = tl->recent.Sum(at, minutes);
        const double share = BaselineShare(s->baseline_count, tl->BaselineRecords());
        t = TestRate(k, n, share, spec.threshold.count, spec.ratio, spec.significance);
        s->regressed = t.regressed;
        s->ratio = t.ratio;
        s->p_value = t.p_value;
        holds = holds && t.regressed;
        break;
      }
      default:
        break;
    }
    std::string_view key[2] = {s->log, s->hex};
    Group* g = FindGroup(rs, key, 2);
    if (!g && !holds) continue;
    if (!g) {
      if (rs.groups.size() >= spec.max_label_sets) {
        ++rs.overflow;
        EngineMetrics::Inc(rs.counters.overflow);
        continue;
      }
      std::string tmpl = change->Template(*s);
      tmpl.resize(Utf8PrefixLength(tmpl, kTemplateLabelBytes));
      g = NewGroup(rs, key, 2,
                   {{"log", s->log},
                    {"level", std::string(LevelName(s->level))},
                    {"signature", s->hex},
                    {"template", std::move(tmpl)}});
      if (s->has_first) g->evidence.Add(s->first);
      g->first_seen = s->first_seen;
    }
    g->seen = change_tick;
    g->window_count = k;
    std::string detail = std::to_string(s->count) +
                         (cutover ? " since the cutover, " : " since the start, ") +
                         std::to_string(k) + " in the last " + std::to_string(minutes) + "m (" +
                         std::to_string(busy) + " distinct minutes)";
    switch (spec.kind) {
      case RuleKind::kNewSignature:
        detail += baseline ? (s->known() ? "; in the baseline" : "; absent from the baseline")
                           : "; no baseline for this log";
        break;
      case RuleKind::kErrorStorm:
        detail += s->covered ? "; a rule covers it" : "; no rule covers it";
        break;
      case RuleKind::kSignatureRate:
        if (!tl) {
          detail += "; no baseline for " + *traffic_name;
          break;
        }
        detail +=
            "; traffic " + std::to_string(n) + " records of " + *traffic_name + "; baseline " +
            std::to_string(s->baseline_count) + " in " + std::to_string(tl->BaselineRecords()) +
            " records (" + Num(s->baseline_count / tl->BaselineHours()) + "/h); expected " +
            Num(t.expected) + ", " + Num(t.ratio) + "x its baseline share, p=" + Num(t.p_value);
        break;
      default:
        break;
    }
    g->detail = std::move(detail);
    g->last_seen = std::max(g->last_seen, s->last_seen);
    g->count = s->count;
    // Counts only grow with a record, so a condition that starts holding started with the
    // signature's latest one: the alert's times are the record's, not the evaluation's.
    EvaluateSampled(rs, *g, now, holds, std::min(s->last_seen, now), now);
  }
  for (auto& g : rs.groups) {
    if (g->seen == change_tick) continue;
    if (full) {
      // Not active any more (no record for an hour, or dropped).
      g->window_count = 0;
      EvaluateSampled(rs, *g, now, false, now, now);
    } else if (g->state == AlertState::kPending || (g->state == AlertState::kFiring && !g->cond)) {
      // Nothing new for it this minute: its condition stands; `for` and the clear delay run.
      EvaluateSampled(rs, *g, now, g->cond, now, now);
    }
  }
}

SignatureState Engine::Impl::StateOf(const ChangeSignature& s) const {
  if (!change->logs()[s.log_index].HasBaseline()) return SignatureState::kUnjudged;
  if (!s.known()) return SignatureState::kNew;
  return s.regressed ? SignatureState::kRegressed : SignatureState::kKnown;
}

void Engine::Impl::PublishChangeMetrics() {
  std::map<std::string, std::array<uint64_t, 4>> by_log;
  for (const ChangeSignature* s : change->Tracked()) {
    ++by_log[s->log][static_cast<size_t>(StateOf(*s))];
  }
  for (const auto& l : change->logs()) {
    const auto& counts = by_log[l.name];
    metrics.SetSignatures(l.name, counts.data(), l.new_signatures);
  }
}

// ---------------------------------------------------------------------------------------------
// Read side.

void Engine::SetBaseline(std::shared_ptr<const Baseline> baseline) {
  impl_->options.baseline = std::move(baseline);
  impl_->change.reset();
  impl_->InstallChange();
}

std::optional<Baseline> Engine::PreCutoverBaseline(WallTime now) const {
  const Impl& m = *impl_;
  // Complete only once observation has started (every record before the mark was read).
  if (!m.change || !m.cutover || !m.observe_start) return std::nullopt;
  Baseline b = m.change->PreCutoverBaseline(now, {PreCutoverSource(*m.cutover)});
  if (b.logs.empty()) return std::nullopt;
  return b;
}

std::string PreCutoverSource(WallTime cutover) {
  return "records before the cutover mark " + FormatRfc3339(cutover);
}

BaselineStatus Engine::baseline_status() const {
  return impl_->change ? impl_->change->baseline_status() : BaselineStatus{};
}

bool Engine::has_change_detectors() const { return impl_->change != nullptr; }

std::vector<SignatureReport> Engine::Signatures() const {
  std::vector<SignatureReport> out;
  const Impl& m = *impl_;
  if (!m.change) return out;
  const double observed = Hours(m.change_start, m.last_now);
  for (const ChangeSignature* s : m.change->Tracked()) {
    SignatureReport r;
    r.id = s->hex;
    r.log = s->log;
    r.level = s->level;
    r.logger = s->logger;
    r.template_text = m.change->Template(*s);
    // A record of today if there is one; else the baseline's (a seeded signature's own
    // example is its template).
    r.example = s->has_first ? std::string(s->first.text.substr(0, s->first.text.find('\n')))
                : !s->baseline_example.empty() ? s->baseline_example
                                               : m.change->Example(*s);
    const ChangeLog* log = m.change->FindLog(s->log);
    const bool baseline = log && log->HasBaseline();
    r.state = m.StateOf(*s);
    r.count = s->count;
    r.baseline_count = s->baseline_count;
    r.rate_per_hour = static_cast<double>(s->count) / observed;
    r.baseline_rate_per_hour = baseline ? s->baseline_count / log->BaselineHours() : 0;
    r.ratio = s->ratio;
    r.p_value = s->p_value;
    r.covered = s->covered;
    r.first_seen = s->first_seen;
    r.last_seen = s->last_seen;
    out.push_back(std::move(r));
  }
  return out;
}

ChangeSummary Engine::change_summary() const {
  ChangeSummary sum;
  if (!impl_->change) return sum;  // No change detector: baseline.source stays empty.
  sum.baseline = impl_->change->baseline_status();
  for (auto& r : Signatures()) {
    switch (r.state) {
      case SignatureState::kKnown:
        ++sum.known;
        break;
      case SignatureState::kUnjudged:
        ++sum.unjudged;
        sum.unjudged_top.push_back(std::move(r));
        break;
      case SignatureState::kNew:
        sum.fresh.push_back(std::move(r));
        break;
      case SignatureState::kRegressed:
        sum.regressed.push_back(std::move(r));
        break;
    }
  }
  std::stable_sort(sum.fresh.begin(), sum.fresh.end(),
                   [](const SignatureReport& a, const SignatureReport& b) {
                     if (a.level != b.level) return a.level > b.level;
                     return a.count > b.count;
                   });
  std::stable_sort(
      sum.regressed.begin(), sum.regressed.end(),
      [](const SignatureReport& a, const SignatureReport& b) { return a.ratio > b.ratio; });
  return sum;
}

}  // namespace cg
