// Engine::SaveState / RestoreState: alert state as JSON so a daemon restart does not forget
// what is firing (nor re-notify it), nor the windows that are about to fire.
#include <cstdio>
#include <stdexcept>

#include "base/json_int.h"
#include "base/units.h"
#include "rules/engine_impl.h"

namespace cg {
namespace {

using nlohmann::json;

constexpr int kStateVersion = 1;

json Time(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
json Time(const std::optional<WallTime>& t) { return t ? Time(*t) : json(); }

WallTime ToTime(const json& j) {
  // Milliseconds from a file: the clock counts nanoseconds, so a time far outside the range the
  // daemon accepts (base/units.h) would overflow. Nothing this engine writes is outside it.
  const int64_t ms = JsonInteger<int64_t>(j);
  if (ms < kEarliestUnixSeconds * 1000 || ms > kLatestUnixSeconds * 1000)
    throw std::out_of_range("time out of range: " + j.dump());
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}
std::optional<WallTime> ToOptTime(const json& j) {
  if (j.is_null()) return std::nullopt;
  return ToTime(j);
}

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

json EvidenceJson(const Evidence& e) {
  return json{{"log", e.log},
              {"file", e.file},
              {"offset", e.offset},
              {"time", Time(e.time)},
              {"level", static_cast<int>(e.level)},
              {"text", e.text},
              {"lines", e.lines},
              {"truncated", e.truncated}};
}

Evidence EvidenceFrom(const json& j) {
  Evidence e;
  e.log = j.at("log").get<std::string>();
  e.file = j.at("file").get<std::string>();
  e.offset = JsonInteger<uint64_t>(j.at("offset"));
  e.time = ToTime(j.at("time"));
  const int level = JsonInteger<int>(j.at("level"));
  e.level = level >= 0 && level <= static_cast<int>(Level::kFatal) ? static_cast<Level>(level)
                                                                   : Level::kUnknown;
  e.text = j.at("text").get<std::string>();
  e.lines = JsonInteger<uint32_t>(j.at("lines"));
  e.truncated = j.at("truncated").get<bool>();
  return e;
}

std::optional<AlertState> StateFrom(const std::string& s) {
  for (auto st :
       {AlertState::kInactive, AlertState::kPending, AlertState::kFiring, AlertState::kResolved}) {
    if (AlertStateName(st) == s) return st;
  }
  return std::nullopt;
}

}  // namespace

json Engine::SaveState() const {
  const Impl& m = *impl_;
  json rules = json::array();
  for (const auto& rs : m.rule_states) {
    json groups = json::array();
    for (const auto& g : rs->groups) {
      // Change detectors' alerts name signatures the next process re-learns (engine_change.cc).
      if (IsChangeKind(rs->rule->spec.kind)) break;
      json window = json::array();
      for (size_t k = g->window.size(); k >= 1; --k) {
        window.push_back(Time(*g->window.NthNewest(k)));
      }
      json evidence = json::array();
      for (const auto& e : g->evidence.Snapshot()) evidence.push_back(EvidenceJson(e));
      json labels = json::object();
      for (const auto& [k, v] : g->labels) labels[k] = v;
      groups.push_back(json{{"key", g->key},
                            {"labels", labels},
                            {"state", AlertStateName(g->state)},
                            {"was_resolved", g->was_resolved},
                            {"cond", g->cond},
                            {"cond_since", Time(g->cond_since)},
                            {"clear_since", Time(g->clear_since)},
                            {"pending_since", Time(g->pending_since)},
                            {"fired_at", Time(g->fired_at)},
                            {"resolved_at", Time(g->resolved_at)},
                            {"first_seen", Time(g->first_seen)},
                            {"last_seen", Time(g->last_seen)},
                            {"count", g->count},
                            {"acked", g->acked},
                            {"acked_at", Time(g->acked_at)},
                            {"ack_comment", g->ack_comment},
                            {"window", window},
                            {"evidence", evidence}});
    }
    json restarts = json::array();
    for (const auto& r : rs->last_restarts) restarts.push_back(r ? json(*r) : json());
    rules.push_back(json{{"id", rs->rule->spec.id},
                         {"fingerprint", Hex(rs->rule->fingerprint)},
                         {"matches", rs->matches},
                         {"suppressed", rs->suppressed},
                         {"overflow", rs->overflow},
                         {"last_restarts", restarts},
                         {"groups", groups}});
  }
  json logs = json::array();
  for (const auto& ls : m.logs) {
    if (ls.name.empty()) continue;
    logs.push_back(json{{"name", ls.name},
                        {"last_record", Time(ls.last_record)},
                        {"records", ls.records},
                        {"boot_in_progress", ls.boot_in_progress},
                        {"boot_started", Time(ls.boot_started)},
                        {"boot_failed_at", Time(ls.boot_failed_at)},
                        {"boot_done_at", Time(ls.boot_done_at)},
                        {"graceful", ls.graceful}});
  }
  return json{{"version", kStateVersion},
              {"cutover_at", Time(m.cutover)},
              {"last_boot_start", Time(m.last_boot_start)},
              {"recommendation", VerdictName(m.verdict)},
              {"recommendation_since", Time(m.verdict_since)},
              {"rules", rules},
              {"logs", logs}};
}

Status Engine::RestoreState(const json& state) {
  // All or nothing: a state that fails half-way (a damaged file that still parses) must not
  // leave half of it applied, since the caller then tries an older generation.
  const json before = SaveState();
  Status s = RestoreStateUnchecked(state);
  if (!s.ok()) {
    Status back = RestoreStateUnchecked(before);
    (void)back;  // The engine's own output always restores.
  }
  return s;
}

Status Engine::RestoreStateUnchecked(const json& state) {
  Impl& m = *impl_;
  try {
    if (!state.is_object() || state.value("version", 0) != kStateVersion) {
      return Status::Error("rule engine state: unknown version");
    }
    m.last_boot_start = ToOptTime(state.at("last_boot_start"));
    for (const auto& jr : state.at("rules")) {
      const std::string id = jr.at("id").get<std::string>();
      Impl::RuleState* rs = nullptr;
      for (auto& r : m.rule_states) {
        if (r->rule->spec.id == id && Hex(r->rule->fingerprint) == jr.at("fingerprint")) {
          rs = r.get();
        }
      }
      if (rs == nullptr) continue;  // Rule removed or changed: its old state does not apply.
      rs->matches = JsonInteger<uint64_t>(jr.at("matches"));
      rs->suppressed = JsonInteger<uint64_t>(jr.at("suppressed"));
      rs->overflow = JsonInteger<uint64_t>(jr.at("overflow"));
      rs->last_restarts.clear();
      for (const auto& r : jr.at("last_restarts")) {
        rs->last_restarts.push_back(r.is_null() ? std::nullopt
                                                : std::optional<double>(r.get<double>()));
      }
      impl_->ClearMatched();
      rs->groups.clear();
      for (const auto& jg : jr.at("groups")) {
        auto key = jg.at("key").get<std::vector<std::string>>();
        std::vector<std::string_view> views(key.begin(), key.end());
        Labels extra;  // Static labels come from the rule; the rest from the state.
        for (const auto& [k, v] : jg.at("labels").items()) {
          bool is_static = false;
          for (const auto& s : rs->rule->spec.labels) is_static |= s.first == k;
          if (!is_static) extra.emplace_back(k, v.get<std::string>());
        }
        Impl::Group* g = m.NewGroup(*rs, views.data(), views.size(), extra);
        auto st = StateFrom(jg.at("state").get<std::string>());
        if (!st) return Status::Error("rule engine state: bad alert state");
        g->state = *st;
        g->was_resolved = jg.at("was_resolved").get<bool>();
        g->cond = jg.at("cond").get<bool>();
        g->cond_since = ToTime(jg.at("cond_since"));
        g->clear_since = ToOptTime(jg.at("clear_since"));
        g->pending_since = ToOptTime(jg.at("pending_since"));
        g->fired_at = ToOptTime(jg.at("fired_at"));
        g->resolved_at = ToOptTime(jg.at("resolved_at"));
        g->first_seen = ToTime(jg.at("first_seen"));
        g->last_seen = ToTime(jg.at("last_seen"));
        g->count = JsonInteger<uint64_t>(jg.at("count"));
        g->acked = jg.at("acked").get<bool>();
        g->acked_at = ToOptTime(jg.at("acked_at"));
        // Absent in states written before acks had comments.
        if (auto c = jg.find("ack_comment"); c != jg.end()) g->ack_comment = c->get<std::string>();
        for (const auto& t : jg.at("window")) g->window.Add(ToTime(t));
        for (const auto& e : jg.at("evidence")) g->evidence.Add(EvidenceFrom(e));
      }
    }
    for (const auto& jl : state.at("logs")) {
      for (auto& ls : m.logs) {
        if (ls.name.empty() || ls.name != jl.at("name").get<std::string>()) continue;
        ls.last_record = ToOptTime(jl.at("last_record"));
        ls.records = JsonInteger<uint64_t>(jl.at("records"));
        ls.boot_in_progress = jl.at("boot_in_progress").get<bool>();
        ls.boot_started = ToTime(jl.at("boot_started"));
        ls.boot_failed_at = ToOptTime(jl.at("boot_failed_at"));
        ls.boot_done_at = ToOptTime(jl.at("boot_done_at"));
        ls.graceful = jl.at("graceful").get<bool>();
      }
    }
    // The verdict and its "since" survive too (no spurious "recommendation changed").
    const std::string verdict = state.at("recommendation").get<std::string>();
    if (auto v = ParseVerdict(verdict)) {
      m.verdict = *v;
      m.verdict_since = ToTime(state.at("recommendation_since"));
      m.has_recommendation = true;
      m.metrics.SetRecommendation(*v);
    }
  } catch (const json::exception& e) {
    return Status::Error(std::string("rule engine state: ") + e.what());
  } catch (const std::out_of_range& e) {
    return Status::Error(std::string("rule engine state: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace cg
