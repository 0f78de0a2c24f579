#include "rules/capture_cache.h"

#include <algorithm>
#include <cstring>

#include "rules/literal_prefix.h"

namespace cg {

bool CaptureCache::Extract(const RE2& re, uint32_t pattern_key, std::string_view text, int groups,
                           re2::StringPiece* pieces) {
  groups = std::clamp(groups, 0, kMaxGroups);
  // The tag tells patterns and group counts apart; the text is compared in full.
  const uint32_t tag = pattern_key * (kMaxGroups + 1) + static_cast<uint32_t>(groups);
  const uint64_t hash = MemoHash(text);
  if (const TextEntry* t = text_memo_.Find(hash, tag, text)) {
    if (!t->matched) return false;
    for (int g = 0; g < groups; ++g) {
      const int32_t off = t->groups.offset[g];
      pieces[g] =
          off < 0 ? re2::StringPiece()
                  : re2::StringPiece(text.data() + off, static_cast<size_t>(t->groups.length[g]));
    }
    return true;
  }
  TextEntry t;
  t.matched = ExtractUncached(re, pattern_key, text, groups, pieces);
  for (int g = 0; g < groups && t.matched; ++g) {
    t.groups.offset[g] =
        pieces[g].data() ? static_cast<int32_t>(pieces[g].data() - text.data()) : -1;
    t.groups.length[g] = static_cast<int32_t>(pieces[g].size());
  }
  text_memo_.Insert(hash, tag, text, t);
  return t.matched;
}

const std::string& CaptureCache::PrefixOf(const RE2& re, uint32_t pattern_key) {
  auto it = prefixes_.find(pattern_key);
  if (it != prefixes_.end()) return it->second;
  std::string prefix;
  if (re.options().case_sensitive() && !re.options().literal())
    prefix = LiteralPrefix(re.pattern());
  return prefixes_.emplace(pattern_key, std::move(prefix)).first->second;
}

bool CaptureCache::FindSpan(const RE2& re, uint32_t pattern_key, std::string_view text,
                            re2::StringPiece* span) {
  const std::string& prefix = PrefixOf(re, pattern_key);
  if (prefix.size() >= kMinPrefix) {
    // Every match starts with the prefix, so the leftmost match starts at the first
    // occurrence from which the pattern matches, anchored: forward DFAs only. The whole text
    // stays the context (for \b and ^ at the start position).
    size_t at = text.find(prefix);
    for (int tries = 0; tries < kMaxPrefixTries; ++tries) {
      if (at == std::string_view::npos) return false;
      if (re.Match(text, at, text.size(), RE2::ANCHOR_START, span, 1)) return true;
      at = text.find(prefix, at + 1);
    }
    // Many occurrences that do not match: let RE2 search from the last one tried.
    if (at == std::string_view::npos) return false;
    return re.Match(text, at, text.size(), RE2::UNANCHORED, span, 1);
  }
  // Forward DFA for the end, reverse DFA for the start.
  return re.Match(text, 0, text.size(), RE2::UNANCHORED, span, 1);
}

bool CaptureCache::ExtractUncached(const RE2& re, uint32_t pattern_key, std::string_view text,
                                   int groups, re2::StringPiece* pieces) {
  // The whole match first: DFAs only.
  re2::StringPiece span;
  if (!FindSpan(re, pattern_key, text, &span)) return false;
  if (groups == 0) return true;
  const size_t start = static_cast<size_t>(span.data() - text.data());
  const size_t end = start + span.size();

  auto extract = [&](Entry* e) -> bool {
    re2::StringPiece sub[kMaxGroups + 1];
    // Anchored at both ends of the span, with the whole text as context: the computation RE2
    // performs after its DFAs found the span.
    if (!re.Match(text, start, end, RE2::ANCHOR_BOTH, sub, groups + 1)) return false;
    for (int g = 0; g < groups; ++g) {
      pieces[g] = sub[g + 1];
      if (e) {
        e->offset[g] =
            sub[g + 1].data() ? static_cast<int32_t>(sub[g + 1].data() - span.data()) : -1;
        e->length[g] = static_cast<int32_t>(sub[g + 1].size());
      }
    }
    return true;
  };
  if (span.size() > kMaxCachedSpan) return extract(nullptr);

  key_.clear();
  char head[8];
  std::memcpy(head, &pattern_key, 4);
  head[7] = static_cast<char>(groups);
  head[4] = static_cast<char>((start == 0 ? 1 : 0) | (end == text.size() ? 2 : 0));
  head[5] = start == 0 ? '\0' : text[start - 1];
  head[6] = end == text.size() ? '\0' : text[end];
  key_.append(head, sizeof(head));
  key_.append(span.data(), span.size());

  auto it = entries_.find(key_);
  if (it != entries_.end()) {
    ++hits_;
    const Entry& e = it->second;
    for (int g = 0; g < groups; ++g) {
      pieces[g] = e.offset[g] < 0 ? re2::StringPiece()
                                  : re2::StringPiece(span.data() + e.offset[g],
                                                     static_cast<size_t>(e.length[g]));
    }
    return true;
  }
  ++misses_;
  Entry e{};
  if (!extract(&e)) return false;  // Cannot happen: the span matched. Not cached.
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_.emplace(key_, e);
  return true;
}

}  // namespace cg
