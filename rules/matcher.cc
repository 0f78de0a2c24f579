#include "rules/matcher.h"

#include <algorithm>
#include <cstring>

#include "rules/literal_prefix.h"

namespace cg {
namespace {

// Logger names are bounded in practice (a few hundred classes); if something floods us with
// distinct names, start over rather than grow without bound.
constexpr size_t kMaxCachedLoggers = 16384;
// Hit-rate bookkeeping per compiled set: decide after this many runs, forget half every
// kRateHorizon runs.
constexpr uint32_t kMinRunsForRate = 64;
constexpr uint32_t kRateHorizon = 4096;
// The literal prefilter: for sets of at most this many patterns, each with a required literal
// of at least kMinLiteral bytes (shorter ones occur everywhere and memmem gains nothing).
constexpr size_t kMaxPrefilterPatterns = 4;
constexpr size_t kMinLiteral = 4;

RE2::Options SetOptions() {
  RE2::Options o;
  o.set_log_errors(false);
  // The DFA cache lives inside this budget; a roomy one keeps long stack traces on the fast
  // path. It is an upper bound, not an allocation.
  o.set_max_mem(int64_t{64} << 20);
  return o;
}

bool Test(const std::vector<uint64_t>& bits, size_t i) { return (bits[i / 64] >> (i % 64)) & 1; }

// The logger cache's hash: the length and three words (the start, and the end where class
// names differ), not every byte as MemoHash does (that walk was 2% of `replay`). It only picks
// a slot; the slot's full compare keeps the answer exact.
uint64_t LoggerHash(std::string_view s) {
  const size_t n = s.size();
  if (n < 16) return MemoHash(s);
  uint64_t a, b, c;
  std::memcpy(&a, s.data(), 8);
  std::memcpy(&b, s.data() + n - 16, 8);
  std::memcpy(&c, s.data() + n - 8, 8);
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
  uint64_t h = (n ^ a) * kMul;
  h = (h ^ (h >> 32) ^ b) * kMul;
  h = (h ^ (h >> 32) ^ c) * kMul;
  return h ^ (h >> 32);
}

}  // namespace

RecordMatcher::RecordMatcher(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)) {
  // The per-entry regexes are the rare fallback: compiled when first needed (a hundred RE2
  // objects compiled up front were a third of the idle daemon's heap).
  entry_res_.resize(rules_->entries().size());
  raw_.reserve(rules_->entries().size());
}

const RE2& RecordMatcher::EntryRe(size_t e) {
  if (!entry_res_[e]) {
    RE2::Options o;
    o.set_log_errors(false);
    entry_res_[e] = std::make_unique<RE2>(rules_->entries()[e].pattern, o);
  }
  return *entry_res_[e];
}

size_t RecordMatcher::LogSlot(std::string_view log_name) const {
  const auto& logs = rules_->context().logs;
  for (size_t i = 0; i < logs.size(); ++i) {
    if (logs[i].name == log_name) return i;
  }
  return logs.size();
}

std::vector<int>& RecordMatcher::SetsOf(std::string_view logger) {
  // A log has a few dozen loggers, met over and over: a direct-mapped cache in front of the
  // map answers most records with one hash and one compare (the map's modulo and node chase
  // were 7% of `replay`).
  const uint64_t hash = LoggerHash(logger);
  LoggerSlot& slot = logger_cache_[hash % logger_cache_.size()];
  if (slot.sets != nullptr && slot.hash == hash && slot.logger == logger) return *slot.sets;
  auto it = loggers_.find(logger);
  if (it == loggers_.end()) {
    if (loggers_.size() >= kMaxCachedLoggers) {
      loggers_.clear();
      for (LoggerSlot& s : logger_cache_) s.sets = nullptr;
    }
    std::vector<int> sets(rules_->log_slots() * kLevelSlots, kSetUnknown);
    it = loggers_.emplace(std::string(logger), std::move(sets)).first;
  }
  // Map values stay where they are until the map is cleared (node-based), which empties this.
  slot.hash = hash;
  slot.logger.assign(logger.data(), logger.size());
  slot.sets = &it->second;
  return it->second;
}

bool RecordMatcher::LoggerAccepts(const MatcherEntry& e, std::string_view logger) const {
  const auto& filters = rules_->logger_filters();
  if (e.logger_filter >= 0 &&
      !RE2::PartialMatch(logger, *filters[static_cast<size_t>(e.logger_filter)])) {
    return false;
  }
  return e.logger_exclude < 0 ||
         !RE2::PartialMatch(logger, *filters[static_cast<size_t>(e.logger_exclude)]);
}

int RecordMatcher::SetFor(size_t slot, int level, std::string_view logger) {
  // First time this (logger, slot, level) is seen: work out the members and share identical
  // sets between loggers.
  const auto& bucket = rules_->Bucket(slot, level);
  const auto& entries = rules_->entries();
  std::vector<int> members;
  std::string signature;
  for (size_t e = 0; e < entries.size(); ++e) {
    if (!Test(bucket, e) || !LoggerAccepts(entries[e], logger)) continue;
    members.push_back(static_cast<int>(e));
    signature += std::to_string(e) + ",";
  }
  int index = -1;
  if (!members.empty()) {
    auto found = sets_by_members_.find(signature);
    if (found != sets_by_members_.end()) {
      index = found->second;
    } else {
      CompiledSet cs;
      cs.set = std::make_unique<RE2::Set>(SetOptions(), RE2::UNANCHORED);
      for (int e : members) {
        const std::string& pattern = entries[static_cast<size_t>(e)].pattern;
        bool shared = false;
        for (auto& same : cs.entries_of) {
          if (entries[static_cast<size_t>(same[0])].pattern == pattern) {
            same.push_back(e);
            shared = true;
            break;
          }
        }
        // CompileRules already proved every pattern compiles.
        if (!shared && cs.set->Add(pattern, nullptr) >= 0) cs.entries_of.push_back({e});
      }
      if (!cs.set->Compile()) cs.set.reset();  // Falls back to per-entry RE2 in Match().
      if (cs.entries_of.size() <= kMaxPrefilterPatterns) {
        for (const auto& same : cs.entries_of) {
          std::string literal = RequiredLiteral(entries[static_cast<size_t>(same[0])].pattern);
          if (literal.size() < kMinLiteral) {
            cs.literals.clear();
            break;
          }
          cs.literals.push_back(std::move(literal));
        }
      }
      sets_.push_back(std::move(cs));
      index = static_cast<int>(sets_.size() - 1);
      sets_by_members_.emplace(std::move(signature), index);
    }
  }
  return index;
}

namespace {

// "\tat org.x.Y.z(Y.java:1)", "\t... 23 more", "\t\t... 2 more": a Java stack frame line.
bool IsFrame(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == '\t' || line[i] == ' ')) ++i;
  if (i == 0) return false;
  line.remove_prefix(i);
  return line.substr(0, 3) == "at " || line.substr(0, 4) == "... ";
}

}  // namespace

std::string_view RecordMatcher::MessageText(const Record& record) {
  std::string_view t = record.text;
  // The assembler sets message_start inside the first line; clamp for hand-built records.
  t.remove_prefix(std::min<size_t>(record.message_start, t.size()));
  size_t nl = t.find('\n');
  if (nl == std::string_view::npos) return t;
  // Copy the non-frame lines into a reused buffer (no allocation once it is large enough).
  scratch_.assign(t.substr(0, nl));
  t.remove_prefix(nl + 1);
  while (!t.empty()) {
    nl = t.find('\n');
    const std::string_view line = t.substr(0, nl);
    if (!IsFrame(line)) {
      scratch_ += '\n';
      scratch_.append(line);
    }
    if (nl == std::string_view::npos) break;
    t.remove_prefix(nl + 1);
  }
  return scratch_;
}

bool RecordMatcher::Match(const Record& record, size_t log_slot, std::vector<int>* hits) {
  hits->clear();
  const int level = static_cast<int>(record.level);
  // One lookup per record: the logger's set for this (log slot, level).
  int& s = SetsOf(record.logger)[log_slot * kLevelSlots + static_cast<size_t>(level)];
  if (s == kSetUnknown) s = SetFor(log_slot, level, record.logger);
  if (s < 0) {
    ++skipped_;
    return false;
  }
  CompiledSet& cs = sets_[static_cast<size_t>(s)];
  message_ = MessageText(record);
  if (!cs.literals.empty() &&
      std::none_of(cs.literals.begin(), cs.literals.end(), [&](const std::string& l) {
        return message_.find(l) != std::string_view::npos;
      })) {
    ++prefiltered_;
    return false;
  }
  ++set_runs_;
  if (cs.set) {
    const uint64_t hash = MemoHash(message_);
    bool hit = false;
    if (const MemoHits* m = memo_.Find(hash, static_cast<uint32_t>(s), message_)) {
      raw_.assign(m->index.begin(), m->index.begin() + m->count);
      hit = m->count > 0;
    } else {
      RE2::Set::ErrorInfo info{};
      // The first pass stops at the earliest hit but tells nothing about which entries; with
      // the match list RE2 scans to the end and allocates. Ask "any?" first unless most
      // records hit.
      const bool mostly_hits = cs.runs >= kMinRunsForRate && 2 * cs.hits > cs.runs;
      if (++cs.runs == kRateHorizon) {
        cs.runs /= 2;
        cs.hits /= 2;
      }
      raw_.clear();
      hit = mostly_hits || cs.set->Match(message_, nullptr, &info);
      if (hit) {
        hit = cs.set->Match(message_, &raw_, &info);
        if (hit) ++cs.hits;
      }
      if (!hit && info.kind != RE2::Set::kNoError && info.kind != RE2::Set::kInconsistent) {
        return MatchOneByOne(record, log_slot, hits);
      }
      Remember(hash, s, raw_);
    }
    if (hit) {
      // Every entry of the set passed the record's filters when the set was chosen.
      for (int i : raw_) {
        for (int e : cs.entries_of[static_cast<size_t>(i)]) hits->push_back(e);
      }
      std::sort(hits->begin(), hits->end());
    }
    return !hits->empty();
  }
  return MatchOneByOne(record, log_slot, hits);
}

void RecordMatcher::Remember(uint64_t hash, int set, const std::vector<int>& raw) {
  MemoHits m;
  if (raw.size() > m.index.size()) return;
  m.count = static_cast<uint8_t>(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) m.index[i] = static_cast<uint16_t>(raw[i]);
  memo_.Insert(hash, static_cast<uint32_t>(set), message_, m);
}

bool RecordMatcher::MatchOneByOne(const Record& record, size_t log_slot, std::vector<int>* hits) {
  const int level = static_cast<int>(record.level);
  const auto& entries = rules_->entries();
  // No set (compile failed) or the DFA gave up: run the candidates one by one.
  ++dfa_fallbacks_;
  hits->clear();
  const auto& bucket = rules_->Bucket(log_slot, level);
  for (size_t e = 0; e < entries.size(); ++e) {
    if (!Test(bucket, e) || !LoggerAccepts(entries[e], record.logger)) continue;
    if (RE2::PartialMatch(message_, EntryRe(e))) hits->push_back(static_cast<int>(e));
  }
  return !hits->empty();
}

}  // namespace cg
