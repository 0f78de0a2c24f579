#include "rules/capture_cache.h"

#include <algorithm>
#include <cstring>

namespace cg {

bool CaptureCache::Extract(const RE2& re, uint32_t pattern_key, std::string_view text, int groups,
                           re2::StringPiece* pieces) {
  groups = std::clamp(groups, 0, kMaxGroups);
  // The whole match first: DFAs only (forward for the end, reverse for the start).
  re2::StringPiece span;
  if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, &span, 1)) return false;
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
