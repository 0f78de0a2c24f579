// RecordMatcher: which matcher entries (rule patterns and lifecycle markers) a record hits.
//
// The hot path of the engine. Per record:
//   1. the record's log slot and level pick a bucket of candidate entries (RuleSet::Bucket);
//   2. the record's logger name is looked up once: per (log slot, level) it names one RE2::Set
//      holding exactly the entries whose level, log and logger filters accept the record,
//      worked out on first use (the logger regexes run once per name) and shared between
//      loggers with the same candidates; no candidates means no regex runs at all;
//   3. a set of a few patterns that each contain a required literal (RequiredLiteral) is not
//      run for a message that contains none of them (LogMediator's "Message received" lines
//      against the fault-sequence patterns: memmem instead of a DFA scan);
//   4. a message seen recently is answered from a memo of (set, message) -> match list;
//   5. RE2::Set::Match(text, nullptr) answers "any hit?" without allocating; only a record that
//      hits runs the set again to learn which entries (RE2 allocates its match set there).
//      A set that most of its records hit (LogMediator fault lines in a bad hour) skips the
//      first question and runs once with the match list.
// Patterns see the record's message text: the record from Record::message_start (past the
// header: time, level and logger have their own filters) without its Java stack frames (lines
// that are, after leading whitespace, "at ..." or "... N more"). Error messages live in the
// first line and the "Caused by:" lines; frames are most of the bytes of an ERROR record.
// Leaving the header out is also what makes the memo work: the same event at another time is
// the same message.
// After warm-up (every distinct logger / bucket seen once) a non-matching record allocates
// nothing. If RE2's DFA runs out of memory on a pathological record, the entries' own RE2s are
// run one by one instead (counted in dfa_fallbacks()).
// Owned by one Engine; single-threaded.
#pragma once

#include <re2/re2.h>
#include <re2/set.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collectors/record.h"
#include "rules/memo_table.h"
#include "rules/rule_set.h"

namespace cg {

class RecordMatcher {
 public:
  explicit RecordMatcher(std::shared_ptr<const RuleSet> rules);

  // Context slot of a log name: its index in RuleContext::logs, or logs.size() for others.
  size_t LogSlot(std::string_view log_name) const;

  // Fills `hits` with the indices (into RuleSet::entries()) of the entries whose filters accept
  // the record and whose pattern matches its text, in entry order. Returns !hits->empty().
  bool Match(const Record& record, size_t log_slot, std::vector<int>* hits);
  // The message text of the record last given to Match() (valid until the next call, and only
  // if that record ran a set).
  std::string_view message() const { return message_; }

  uint64_t set_runs() const { return set_runs_; }        // Records that reached a RE2::Set.
  uint64_t prefiltered() const { return prefiltered_; }  // Records its literals ruled out.
  uint64_t skipped() const { return skipped_; }          // Records no entry could apply to.
  uint64_t sets_built() const { return sets_.size(); }   // Distinct candidate sets compiled.
  uint64_t dfa_fallbacks() const { return dfa_fallbacks_; }
  // Records whose set result came from the memo of recent messages, and those that ran RE2.
  uint64_t memo_hits() const { return memo_.hits(); }
  uint64_t memo_misses() const { return memo_.misses(); }

 private:
  struct CompiledSet {
    std::unique_ptr<RE2::Set> set;
    // Set index -> the entries with that pattern (rules such as an "isolated" warning and its
    // "persisting" critical share one pattern: the set holds it once).
    std::vector<std::vector<int>> entries_of;
    // Recent records that ran this set, and how many of them hit (halved now and then, so
    // they follow the log): where most records hit, one pass with the match list is cheaper.
    uint32_t runs = 0;
    uint32_t hits = 0;
    // Small sets: one required literal per pattern; a message with none of them cannot match.
    // Empty when the set is too large or a pattern has no usable literal.
    std::vector<std::string> literals;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return MemoHash(s); }
  };

  // A set's answer for one message: its match list (set indices), if short enough to keep.
  struct MemoHits {
    uint8_t count = 0;
    std::array<uint16_t, 7> index{};
  };

  // Per logger name, per (log slot, level): the index of its set in sets_ (-1: no entry
  // applies; kSetUnknown: not worked out yet).
  static constexpr int kSetUnknown = -2;
  std::vector<int>& SetsOf(std::string_view logger);
  // Index into sets_ of the entries that apply to (log slot, level, logger), or -1.
  int SetFor(size_t slot, int level, std::string_view logger);
  void Remember(uint64_t hash, int set, const std::vector<int>& raw);
  // The slow path: every candidate entry's own RE2 (no set, or its DFA ran out of memory).
  bool MatchOneByOne(const Record& record, size_t log_slot, std::vector<int>* hits);
  // The entry's `loggers` filter accepts `logger` and its `exclude_loggers` does not.
  bool LoggerAccepts(const MatcherEntry& e, std::string_view logger) const;
  std::string_view MessageText(const Record& record);

  std::shared_ptr<const RuleSet> rules_;
  std::vector<std::unique_ptr<RE2>> entry_res_;  // Fallback when the DFA fails (lazy).
  const RE2& EntryRe(size_t entry);
  std::unordered_map<std::string, std::vector<int>, StringHash, std::equal_to<>> loggers_;
  struct LoggerSlot {
    uint64_t hash = 0;
    std::string logger;
    std::vector<int>* sets = nullptr;  // Into loggers_; null: empty slot.
  };
  std::array<LoggerSlot, 128> logger_cache_{};
  std::unordered_map<std::string, int> sets_by_members_;
  std::vector<CompiledSet> sets_;
  // (set index, message) -> match list: the same message, met again, skips RE2.
  MemoTable<MemoHits> memo_{4096, 1024};
  std::vector<int> raw_;  // Scratch for RE2::Set::Match.
  std::string scratch_;   // Message text of multi-line records (capacity reused).
  std::string_view message_;
  uint64_t set_runs_ = 0;
  uint64_t prefiltered_ = 0;
  uint64_t skipped_ = 0;
  uint64_t dfa_fallbacks_ = 0;
};

}  // namespace cg
