#include "base/utf8.h"

#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cg {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF).
size_t ValidSequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n = s.size() - i;
  auto cont = [&](size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    unsigned char c1 = byte(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // Overlong.
    if (c == 0xED && c1 > 0x9F) return 0;  // Surrogates.
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    unsigned char c1 = byte(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;  // Overlong.
    if (c == 0xF4 && c1 > 0x8F) return 0;  // Above U+10FFFF.
    return 4;
  }
  return 0;
}

}  // namespace

void AppendSanitizedUtf8(std::string_view in, std::string* out) {
  size_t i = 0;
  while (i < in.size()) {
    // Copy the longest run of ASCII without NUL in one go (the common case), sixteen bytes at
    // a time where SSE2 is there (every x86-64), else eight: a block is clean when no byte has
    // its high bit set and no byte is zero.
    size_t j = i;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    while (j + 16 <= in.size()) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data() + j));
      if (_mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, zero))) != 0) break;
      j += 16;
    }
#endif
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    while (j + 8 <= in.size()) {
      uint64_t w;
      std::memcpy(&w, in.data() + j, 8);
      if (((w | ((w - kOnes) & ~w)) & kHighs) != 0) break;
      j += 8;
    }
    while (j < in.size() && static_cast<unsigned char>(in[j]) < 0x80 && in[j] != '\0') ++j;
    out->append(in.data() + i, j - i);
    i = j;
    if (i >= in.size()) break;
    if (in[i] == '\0') {
      out->append(kReplacement);
      ++i;
      continue;
    }
    size_t len = ValidSequenceLength(in, i);
    if (len == 0) {
      out->append(kReplacement);
      ++i;
    } else {
      out->append(in.data() + i, len);
      i += len;
    }
  }
}

std::string SanitizedUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  AppendSanitizedUtf8(in, &out);
  return out;
}

bool IsValidUtf8(std::string_view in) {
  for (size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if (c == 0) return false;
      ++i;
      continue;
    }
    const size_t len = ValidSequenceLength(in, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

size_t Utf8PrefixLength(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  size_t end = max_bytes;
  // Step back over continuation bytes (at most three) to the start of the character that
  // straddles the cut, and cut before it.
  for (int k = 0; k < 3 && end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80; ++k) {
    --end;
  }
  return end;
}

}  // namespace cg
