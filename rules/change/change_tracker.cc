#include "rules/change/change_tracker.h"

#include <algorithm>
#include <chrono>

#include "base/utf8.h"
#include "rules/signatures/hash.h"

namespace cg {

namespace {

// Level slot of ChangeLog::new_signatures, or -1 below WARN.
int LevelSlot(Level l) {
  switch (l) {
    case Level::kWarn:
      return 0;
    case Level::kError:
      return 1;
    case Level::kFatal:
      return 2;
    default:
      return -1;
  }
}

}  // namespace

double ChangeLog::BaselineHours() const {
  double hours = snapshot_hours;
  if (before_first && before_last) {
    hours += std::chrono::duration<double, std::ratio<3600>>(*before_last - *before_first).count();
  }
  return std::max(hours, 1.0 / 60);
}

Result<std::unique_ptr<ChangeTracker>> ChangeTracker::Create(
    ChangeTrackerOptions options, std::shared_ptr<const Baseline> baseline) {
  auto miner = SignatureMiner::Create(options.miner);
  if (!miner.ok()) return miner.error();
  std::unique_ptr<ChangeTracker> t(
      new ChangeTracker(std::move(options), std::move(*miner), std::move(baseline)));
  return t;
}

ChangeTracker::ChangeTracker(ChangeTrackerOptions options, std::unique_ptr<SignatureMiner> miner,
                             std::shared_ptr<const Baseline> baseline)
    : options_(std::move(options)), miner_(std::move(miner)), baseline_(std::move(baseline)) {
  if (!baseline_) return;
  for (const BaselineLog& l : baseline_->logs) {
    ChangeLog& log = logs_[LogIndex(l.name)];
    log.snapshot_records += l.records;
    log.snapshot_hours += l.Hours();
  }
  for (const BaselineSignature& b : baseline_->signatures) {
    if (LevelSlot(b.level) < 0) continue;  // Only WARN and above are ever compared.
    const SignatureKey key{b.log, b.level, b.logger};
    auto r = miner_->Seed(key, b.template_text, b.count, b.first_seen, b.last_seen, kMarkBaseline);
    if (!r.ok()) continue;  // An empty template: nothing to seed.
    ++seeded_;
    // Kept apart from the tracked statistics (which only hold signatures seen since the
    // cutover, and drop the oldest past max_tracked): a seed's count must not be lost while
    // it waits for its first record.
    seeds_[Key(LogIndex(b.log), r->id)].push_back(
        static_cast<uint32_t>(&b - baseline_->signatures.data()));
  }
}

void ChangeTracker::AddSeeds(size_t li, uint64_t id, ChangeSignature* s) {
  auto it = seeds_.find(Key(li, id));
  if (it == seeds_.end()) return;
  for (uint32_t i : it->second) {
    const BaselineSignature& b = baseline_->signatures[i];
    s->marks |= kMarkBaseline;
    s->baseline_count += b.count;
    if (s->baseline_example.empty()) s->baseline_example = b.example;
  }
  seeds_.erase(it);  // Counted once: the entry carries it from now on.
}

ChangeTracker::~ChangeTracker() = default;

void ChangeTracker::CountBefore(ChangeLog& log, WallTime now, Level level) {
  ++log.before_records;
  ++log.before_by_level[std::min<size_t>(static_cast<size_t>(level), kBaselineLevelCount - 1)];
  if (!log.before_first) log.before_first = now;
  log.before_last = std::max(log.before_last.value_or(now), now);
}

size_t ChangeTracker::LogIndex(std::string_view name) {
  if (last_log_ < logs_.size() && logs_[last_log_].name == name) return last_log_;
  for (size_t i = 0; i < logs_.size(); ++i) {
    if (logs_[i].name == name) return last_log_ = i;
  }
  logs_.emplace_back();
  logs_.back().name = std::string(name);
  return last_log_ = logs_.size() - 1;
}

ChangeSignature* ChangeTracker::OnRecord(const Record& record, WallTime now, bool observing,
                                         bool covered, uint64_t* previous_id) {
  *previous_id = 0;
  const size_t li = LogIndex(record.log);
  ChangeLog& log = logs_[li];
  CountTraffic(li, now, observing, record.level);
  const int slot = LevelSlot(record.level);
  if (slot < 0) return nullptr;
  MineResult r = miner_->AddRecord(record);
  if (!observing && (r.marks & kMarkPreCutover) == 0) {
    miner_->Mark(record.log, r.id, kMarkPreCutover);
    r.marks |= kMarkPreCutover;
  }
  // Follow the id: a generalised signature is found under its previous id.
  std::unique_ptr<ChangeSignature> moved;
  if (r.previous_id != 0 && r.previous_id != r.id) {
    *previous_id = r.previous_id;
    auto it = sigs_.find(Key(li, r.previous_id));
    if (it != sigs_.end()) {
      moved = std::move(it->second);
      sigs_.erase(it);
    }
  }
  const uint64_t key = Key(li, r.id);
  if (!moved && sigs_.size() >= options_.max_tracked && !sigs_.count(key)) {
    DropOldest();  // Before inserting: the new entry must not be the one dropped.
  }
  auto& entry = sigs_[key];
  if (moved) {
    if (!entry) {
      entry = std::move(moved);
    } else {
      // Two signatures merged: their statistics add up.
      entry->baseline_count += moved->baseline_count;
      entry->before_count += moved->before_count;
      if (entry->baseline_example.empty()) entry->baseline_example = moved->baseline_example;
      entry->count += moved->count;
      entry->recent.Merge(moved->recent);
      entry->covered |= moved->covered;
      if (moved->has_first && (!entry->has_first || moved->first_seen < entry->first_seen)) {
        entry->first = std::move(moved->first);
        entry->first_seen = moved->first_seen;
        entry->has_first = true;
      }
      entry->last_seen = std::max(entry->last_seen, moved->last_seen);
    }
  }
  if (!entry) {
    entry = std::make_unique<ChangeSignature>();
    entry->log = record.log;
    entry->log_index = li;
    entry->level = record.level;
    entry->logger = record.logger;
  }
  ChangeSignature& s = *entry;
  // The snapshot's counts for this signature (under its id now or the one it generalised).
  if (!seeds_.empty()) {
    AddSeeds(li, r.id, &s);
    if (r.previous_id != 0) AddSeeds(li, r.previous_id, &s);
  }
  if (s.id != r.id) {
    s.id = r.id;
    s.hex = HexId(r.id);
  }
  s.marks |= r.marks;
  if (!observing) {
    ++s.baseline_count;
    ++s.before_count;
    // Seen now, for the eviction order: a signature known from before the cutover is not the
    // first to go.
    s.last_seen = std::max(s.last_seen, now);
    return &s;
  }
  if (s.count == 0 && !s.known() && log.HasBaseline()) ++log.new_signatures[slot];
  ++s.count;
  if (!s.has_first) {
    s.has_first = true;
    s.first_seen = now;
    CopyEvidence(record, &s.first);
  }
  s.last_seen = std::max(s.last_seen, now);
  s.recent.Add(now);
  s.covered |= covered;
  if (!s.dirty || *previous_id != 0) {
    s.dirty = true;
    dirty_.push_back(Key(li, s.id));
  }
  return &s;
}

void ChangeTracker::DropOldest() {
  // Rare (only past max_tracked): a linear scan for the least recently seen signature.
  auto oldest = sigs_.end();
  for (auto it = sigs_.begin(); it != sigs_.end(); ++it) {
    if (!it->second) continue;
    if (oldest == sigs_.end() || it->second->last_seen < oldest->second->last_seen) oldest = it;
  }
  if (oldest != sigs_.end()) sigs_.erase(oldest);
}

const ChangeLog* ChangeTracker::FindLog(std::string_view name) const {
  for (const auto& l : logs_) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

bool ChangeTracker::HasBaseline(std::string_view log) const {
  const ChangeLog* l = FindLog(log);
  return l && l->HasBaseline();
}

std::vector<ChangeSignature*> ChangeTracker::TakeDirty() {
  std::vector<ChangeSignature*> out;
  for (uint64_t key : dirty_) {
    auto it = sigs_.find(key);
    // Gone (dropped, merged) or already listed (its key was pushed twice).
    if (it == sigs_.end() || !it->second->dirty) continue;
    it->second->dirty = false;
    out.push_back(it->second.get());
  }
  dirty_.clear();
  return out;
}

std::vector<ChangeSignature*> ChangeTracker::Active(WallTime now) {
  for (uint64_t key : dirty_) {
    if (auto it = sigs_.find(key); it != sigs_.end()) it->second->dirty = false;
  }
  dirty_.clear();
  std::vector<ChangeSignature*> out;
  const int64_t horizon = MinuteRing::MinuteOf(now) - 60;
  for (auto& [key, s] : sigs_) {
    if (s->count > 0 && s->recent.started() && s->recent.newest() > horizon) out.push_back(s.get());
  }
  // A stable order (the map's is not), so alerts are created in the same order every run.
  std::sort(out.begin(), out.end(), [](const ChangeSignature* a, const ChangeSignature* b) {
    return a->first_seen != b->first_seen ? a->first_seen < b->first_seen : a->id < b->id;
  });
  return out;
}

std::vector<const ChangeSignature*> ChangeTracker::Tracked() const {
  std::vector<const ChangeSignature*> out;
  for (const auto& [key, s] : sigs_) {
    if (s->count > 0) out.push_back(s.get());
  }
  std::sort(out.begin(), out.end(), [](const ChangeSignature* a, const ChangeSignature* b) {
    return a->count != b->count ? a->count > b->count : a->id < b->id;
  });
  return out;
}

std::string ChangeTracker::Template(const ChangeSignature& s) const {
  auto sig = miner_->Find(s.log, s.id);
  return sig ? sig->template_text : std::string();
}

std::string ChangeTracker::Example(const ChangeSignature& s) const {
  auto sig = miner_->Find(s.log, s.id);
  return sig ? sig->example : std::string();
}

BaselineStatus ChangeTracker::baseline_status() const {
  BaselineStatus st;
  bool snapshot = false, before = false;
  for (const auto& l : logs_) {
    snapshot |= l.snapshot_records > 0;
    before |= l.before_records > 0;
    if (l.HasBaseline()) st.logs.push_back(l.name);
  }
  st.source = snapshot && before ? "snapshot+pre-cutover"
              : snapshot         ? "snapshot"
              : before           ? "pre-cutover"
                                 : "none";
  st.signatures = seeded_;
  if (baseline_) st.sources = baseline_->sources;
  return st;
}

Baseline ChangeTracker::PreCutoverBaseline(WallTime now, std::vector<std::string> sources) const {
  Baseline b;
  b.sources = std::move(sources);
  b.learned_at = now;
  for (const ChangeLog& l : logs_) {
    if (l.before_records == 0) continue;
    BaselineLog bl;
    bl.name = l.name;
    bl.records = l.before_records;
    bl.by_level = l.before_by_level;
    bl.first = l.before_first.value_or(now);
    bl.last = l.before_last.value_or(now);
    b.logs.push_back(std::move(bl));
  }
  std::sort(b.logs.begin(), b.logs.end(),
            [](const BaselineLog& x, const BaselineLog& y) { return x.name < y.name; });
  for (const auto& [key, s] : sigs_) {
    if (s->before_count == 0) continue;
    auto sig = miner_->Find(s->log, s->id);
    if (!sig) continue;  // Evicted by the miner's cap: its template is gone.
    BaselineSignature bs = ToBaselineSignature(*sig, s->before_count);
    // The miner's times include records since the cutover: the log's span before it instead.
    if (const BaselineLog* log = b.FindLog(s->log)) {
      bs.first_seen = log->first;
      bs.last_seen = log->last;
    }
    b.signatures.push_back(std::move(bs));
  }
  FinishBaseline(&b);
  return b;
}

const SignatureMinerStats& ChangeTracker::miner_stats() const { return miner_->stats(); }

}  // namespace cg
