// CaptureCache: the capture groups of a pattern's leftmost match, memoised by the matched text.
//
// Why: a capture rule's submatch extraction runs RE2's backtracker over the whole matched span
// (an "ERROR_CODE = ... TRIGGER_NAME = (?P<api>...)" span is ~400 bytes: about 7 us, ten times
// the DFA search that finds the span). In a bad hour the same spans repeat by the thousand
// (same API, same error, same host); only the correlation ids around them differ.
//
// How, exactly: RE2 finds the leftmost match with its DFAs (nsubmatch = 1), then computes the
// submatches over that span alone, looking outside it only for the byte before and the byte
// after (for ^, $, \b, \B). The cache key is therefore (pattern key, whether the span touches
// the text's start / end, the byte before, the byte after, the span's bytes); a hit gives the
// same groups as the full extraction, as offsets into the span. Spans longer than
// kMaxCachedSpan are extracted directly.
//
// Before all that, whole texts that come back verbatim (the fault-sequence line of one API, a
// "Connection refused or failed for : host" line) are looked up in a MemoTable keyed by the
// text itself: a hit skips RE2 entirely, a miss costs one hash.
// Memory: at most `max_entries` entries (cleared when full), each the span plus 16 offsets;
// plus the text memo (1024 slots of texts up to 1 KiB).
// Owned by one Engine; single-threaded. A hit allocates nothing.
#pragma once

#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rules/memo_table.h"

namespace cg {

class CaptureCache {
 public:
  static constexpr int kMaxGroups = 16;
  static constexpr size_t kMaxCachedSpan = 2048;  // Bytes.

  explicit CaptureCache(size_t max_entries = 2048) : max_entries_(max_entries) {}

  // Finds the leftmost match of `re` in `text` and fills pieces[0..groups) with its groups
  // 1..groups (data() == nullptr for a group that took no part). `pattern_key` names `re`
  // (the same key must always mean the same pattern). `groups` <= kMaxGroups. False if `re`
  // does not match `text`.
  bool Extract(const RE2& re, uint32_t pattern_key, std::string_view text, int groups,
               re2::StringPiece* pieces);

  uint64_t hits() const { return hits_; }  // Span cache; text memo hits are text_hits().
  uint64_t misses() const { return misses_; }
  uint64_t text_hits() const { return text_memo_.hits(); }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    // Per group: offset into the span, or -1 if the group took no part; and its length.
    std::array<int32_t, kMaxGroups> offset;
    std::array<int32_t, kMaxGroups> length;
  };

  // The answer for a whole text: whether it matched, and the groups as offsets into the text.
  struct TextEntry {
    bool matched = false;
    Entry groups{};
  };
  static constexpr size_t kMinPrefix = 3;     // Shorter literal prefixes are not used.
  static constexpr int kMaxPrefixTries = 16;  // Anchored attempts before searching instead.
  // The literal prefix of `re` (LiteralPrefix), computed once per pattern key.
  const std::string& PrefixOf(const RE2& re, uint32_t pattern_key);
  // The leftmost match of `re` in `text` (group 0), as RE2's unanchored search finds it.
  bool FindSpan(const RE2& re, uint32_t pattern_key, std::string_view text, re2::StringPiece* span);
  bool ExtractUncached(const RE2& re, uint32_t pattern_key, std::string_view text, int groups,
                       re2::StringPiece* pieces);

  size_t max_entries_;
  MemoTable<TextEntry> text_memo_{1024, 1024};
  std::unordered_map<uint32_t, std::string> prefixes_;
  std::unordered_map<std::string, Entry> entries_;
  std::string key_;  // Scratch (capacity reused).
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace cg
