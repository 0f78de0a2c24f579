#include "rules/signatures/mask.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "base/utf8.h"
#include "rules/signatures/hash.h"

namespace cg {
namespace {

// Character classes, one table lookup per byte. Bytes >= 0x80 count as letters: a word in
// another script is wording, and an invalid byte must not split a token differently from the
// valid text around it.
// The last five mark the characters whose presence in a token makes a costlier mask worth
// trying (found in the same pass that finds the token's end).
enum : uint16_t {
  kSpace = 1,
  kDigit = 2,
  kAlpha = 4,
  kHex = 8,
  kUpper = 16,
  kHasAt = 32,
  kHasColon = 64,
  kHasDot = 128,
  kHasSlash = 256,
  kHasEq = 512,
};

constexpr std::array<uint16_t, 256> MakeClasses() {
  std::array<uint16_t, 256> t{};
  for (int c = 0; c <= 0x20; ++c) t[c] = kSpace;  // NUL and every control character too.
  t[0x7f] = kSpace;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit | kHex;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kAlpha;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kAlpha | kUpper;
  for (int c = 'a'; c <= 'f'; ++c) t[c] |= kHex;
  for (int c = 'A'; c <= 'F'; ++c) t[c] |= kHex;
  for (int c = 0x80; c <= 0xff; ++c) t[c] = kAlpha;
  t['@'] = kHasAt;
  t[':'] = kHasColon;
  t['.'] = kHasDot;
  t['/'] = kHasSlash;
  t['='] = kHasEq;
  return t;
}
constexpr std::array<uint16_t, 256> kClass = MakeClasses();

inline uint16_t Cls(char c) { return kClass[static_cast<unsigned char>(c)]; }
inline bool IsSpace(char c) { return Cls(c) & kSpace; }
inline bool IsDigit(char c) { return Cls(c) & kDigit; }
inline bool IsAlpha(char c) { return Cls(c) & kAlpha; }
inline bool IsAlnum(char c) { return Cls(c) & (kAlpha | kDigit); }
inline bool IsHex(char c) { return Cls(c) & kHex; }
inline bool IsAsciiLetter(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Longest quoted value (after '=' or ':') that is masked as one: a longer one is text.
constexpr size_t kMaxQuoted = 256;

bool IsDurationUnit(std::string_view u) {
  static constexpr std::string_view kUnits[] = {"ms",  "s",    "sec",  "secs",   "us",
                                                "ns",  "min",  "m",    "h",      "hr",
                                                "hrs", "mins", "msec", "millis", "d"};
  for (std::string_view k : kUnits) {
    if (u == k) return true;
  }
  return false;
}

bool IsSizeUnit(std::string_view u) {
  static constexpr std::string_view kUnits[] = {"B",   "b",   "K",  "k",  "KB",  "kB",   "kb",
                                                "KiB", "M",   "MB", "mb", "MiB", "G",    "GB",
                                                "gb",  "GiB", "T",  "TB", "TiB", "bytes"};
  for (std::string_view k : kUnits) {
    if (u == k) return true;
  }
  return false;
}

// English month and weekday names as log timestamps spell them (Jun, June, Fri, Friday).
bool IsDateWord(std::string_view w) {
  static constexpr std::string_view kNames[] = {
      "Jan",     "Feb",       "Mar",      "Apr",       "May",      "Jun",      "Jul",      "Aug",
      "Sep",     "Sept",      "Oct",      "Nov",       "Dec",      "Mon",      "Tue",      "Wed",
      "Thu",     "Fri",       "Sat",      "Sun",       "January",  "February", "March",    "April",
      "June",    "July",      "August",   "September", "October",  "November", "December", "Monday",
      "Tuesday", "Wednesday", "Thursday", "Friday",    "Saturday", "Sunday"};
  for (std::string_view k : kNames) {
    if (w == k) return true;
  }
  return false;
}

// Units written as a word of their own after a number.
bool IsSpacedDurationUnit(std::string_view u) {
  static constexpr std::string_view kUnits[] = {
      "ms",      "msec", "millis", "milliseconds", "sec",        "secs",    "second",
      "seconds", "s",    "min",    "mins",         "minute",     "minutes", "hour",
      "hours",   "us",   "ns",     "microseconds", "nanoseconds"};
  for (std::string_view k : kUnits) {
    if (u == k) return true;
  }
  return false;
}

bool IsSpacedSizeUnit(std::string_view u) {
  static constexpr std::string_view kUnits[] = {"B",   "KB",  "MB",  "GB",  "TB",    "kB",
                                                "KiB", "MiB", "GiB", "TiB", "bytes", "Bytes"};
  for (std::string_view k : kUnits) {
    if (u == k) return true;
  }
  return false;
}

// Last labels that make a lower-case dotted name a host name rather than a Java package or a
// file name. Deliberately short: a miss only leaves a host name for the miner to generalise.
bool IsHostSuffix(std::string_view label) {
  static constexpr std::string_view kTlds[] = {
      "com",         "net", "org",  "edu",   "gov", "mil", "int",   "internal", "local",
      "localdomain", "lan", "corp", "intra", "cn",  "hk",  "uk",    "de",       "jp",
      "in",          "us",  "ru",   "fr",    "br",  "au",  "ca",    "kr",       "tw",
      "nl",          "it",  "es",   "se",    "ch",  "eu",  "cloud", "svc"};
  for (std::string_view k : kTlds) {
    if (label == k) return true;
  }
  return false;
}

// First labels of reverse-DNS names (Java packages, Android components): never a host.
bool IsPackageRoot(std::string_view label) {
  static constexpr std::string_view kRoots[] = {"com",   "org",     "net", "io",  "java",
                                                "javax", "android", "sun", "jdk", "edu"};
  for (std::string_view k : kRoots) {
    if (label == k) return true;
  }
  return false;
}

// Token hashes. They only have to be equal for equal token texts within a process and its
// successors (cache keys, comparisons; ids hash the template text with FNV-1a separately), so
// they are built for speed: a run of letters is read eight bytes at a time.
constexpr uint64_t kTokenSeed = 0x243f6a8885a308d3ULL;
constexpr uint64_t kPlaceholderCode = 0x13198a2e03707344ULL;

inline uint64_t Step(uint64_t h) {
  h *= 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 32);
}

inline uint64_t Finish(uint64_t h, uint64_t size) {
  h = Step(h ^ size);
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

inline uint64_t RunHash(const char* p, size_t n) { return FastHash64(std::string_view(p, n)); }

// Fnv1a64 of "key=" when `token` is "key=value": a key of letters, digits, '_', '.', '-' that
// starts with a letter, and a non-empty value. 0 otherwise.
uint64_t KeyHash(std::string_view token) {
  if (token.empty() || !IsAsciiLetter(token[0])) return 0;
  for (size_t i = 1; i < token.size(); ++i) {
    const char c = token[i];
    if (c == '=') return i + 1 < token.size() ? Fnv1a64(token.substr(0, i + 1)) : 0;
    if (!(IsAlnum(c) || c == '_' || c == '.' || c == '-')) return 0;
  }
  return 0;
}

// "a.b.FooException", "a.b.BarError:" (a trailing ':', ',' or '.' allowed): a dotted name whose
// last part ends in Exception or Error.
bool IsExceptionClass(std::string_view t) {
  while (!t.empty() && (t.back() == ':' || t.back() == ',' || t.back() == '.')) t.remove_suffix(1);
  if (t.size() < 8) return false;
  const bool named = t.ends_with("Exception") || t.ends_with("Error");
  return named && t.find('.') != std::string_view::npos && IsAsciiLetter(t[0]);
}

// One message through the masks. `in` is already cut to max_bytes.
class Scanner {
 public:
  Scanner(std::string_view in, const MaskOptions& options, MaskedMessage* out)
      : in_(in), n_(in.size()), options_(options), out_(out) {}

  void Run() {
    // The output is written through a raw pointer into a buffer sized for the worst case
    // (Room()): a per-byte push_back was a third of the masking time.
    out_->text.resize(n_ * kExpansion + 64);
    base_ = out_->text.data();
    w_ = base_;
    limit_ = base_ + out_->text.size();
    size_t p = 0;
    const size_t max_tokens = options_.max_tokens == 0 ? 1 : options_.max_tokens;
    while (true) {
      while (p < n_ && IsSpace(in_[p])) ++p;
      if (p >= n_) break;
      size_t e = p;
      uint16_t seen = 0;
      while (e < n_) {
        const uint16_t c = Cls(in_[e]);
        if (c & kSpace) break;
        seen |= c;
        ++e;
      }
      Room(e - p);
      if (out_->tokens.size() + 1 >= max_tokens) {
        size_t rest = e;
        while (rest < n_ && IsSpace(in_[rest])) ++rest;
        if (rest < n_) {  // More than this one token left: mark the cut instead.
          BeginToken();
          Append("<...>");
          EndToken();
          out_->truncated = true;
          break;
        }
      }
      BeginToken();
      if (e - p > options_.max_token_bytes) {
        Append("<LONG>");
        p = e;
      } else {
        p = ScanToken(p, e, seen);
      }
      EndToken();
    }
    out_->text.resize(static_cast<size_t>(w_ - base_));
  }

 private:
  // No mask writes more than kExpansion bytes per input byte ("1" -> "<NUM>", "''" ->
  // "<QUOTED>"), plus a separator and one fixed marker ("<...>", "<LONG>", "[<TENANT>]").
  static constexpr size_t kExpansion = 8;
  void Room(size_t input_bytes) {
    const size_t need = input_bytes * kExpansion + 32;
    if (static_cast<size_t>(limit_ - w_) >= need) return;
    const size_t used = static_cast<size_t>(w_ - base_);
    out_->text.resize(std::max(out_->text.size() * 2, used + need));
    base_ = out_->text.data();
    w_ = base_ + used;
    limit_ = base_ + out_->text.size();
  }

  void BeginToken() {
    if (!out_->tokens.empty()) *w_++ = ' ';
    token_begin_ = static_cast<size_t>(w_ - base_);
    had_letter_ = false;
    had_mask_ = false;
    hash_ = shape_hash_ = kTokenSeed;
  }
  void EndToken() {
    MaskedToken t;
    t.begin = static_cast<uint32_t>(token_begin_);
    t.size = static_cast<uint32_t>(static_cast<size_t>(w_ - base_) - token_begin_);
    t.hash = Finish(hash_, t.size);
    t.shape = Finish(shape_hash_, t.size);
    t.key = has_eq_ ? KeyHash(std::string_view(base_ + token_begin_, t.size)) : 0;
    t.variable = !had_letter_;
    t.masked = had_mask_;
    t.exception = !had_mask_ && IsExceptionClass(std::string_view(base_ + token_begin_, t.size));
    out_->tokens.push_back(t);
  }
  // Appends a placeholder: its text to the typed hash, one common code to the shape hash.
  void Append(std::string_view s) {
    std::memcpy(w_, s.data(), s.size());
    w_ += s.size();
    hash_ = Step(hash_ ^ RunHash(s.data(), s.size()));
    shape_hash_ = Step(shape_hash_ ^ kPlaceholderCode);
    had_mask_ = true;
  }
  void Literal(char c) {
    if (IsAlpha(c)) had_letter_ = true;
    *w_++ = c;
    const uint64_t v = 0x100 | static_cast<unsigned char>(c);
    hash_ = Step(hash_ ^ v);
    shape_hash_ = Step(shape_hash_ ^ v);
  }
  // A run of letters (no digit): copied and hashed eight bytes at a time.
  void LiteralRun(size_t b, size_t e) {
    if (e - b == 1) return Literal(in_[b]);
    std::memcpy(w_, in_.data() + b, e - b);
    w_ += e - b;
    had_letter_ = true;
    const uint64_t v = RunHash(in_.data() + b, e - b);
    hash_ = Step(hash_ ^ v);
    shape_hash_ = Step(shape_hash_ ^ v);
  }

  // Masks the whitespace token [s, e) (a quoted value may carry it further); returns where the
  // next token may start.
  size_t ScanToken(size_t s, size_t e, uint16_t seen) {
    // What the token contains decides which of the costlier masks are worth trying.
    has_at_ = seen & kHasAt;
    has_colon_ = seen & kHasColon;
    has_dot_ = seen & kHasDot;
    has_slash_ = seen & kHasSlash;
    has_eq_ = seen & kHasEq;
    token_start_ = s;
    size_t i = s;
    while (i < e) {
      const char c = in_[i];
      const bool boundary = i == s || !IsAlnum(in_[i - 1]);
      size_t next = 0;
      if (boundary) {
        if (c == '"' || c == '\'') {
          next = TryQuote(s, i, &e);
        } else if (c == '/') {
          if (has_slash_) next = TryPath(i, e);
        } else if (IsAlnum(c)) {
          next = TryAlnumStart(i, &e);
        } else if ((c == '-' || c == '+') && i + 1 < e && IsDigit(in_[i + 1])) {
          next = TryNumber(i, i + 1, &e);
        } else if (c == '[' && i + 2 < e &&
                   ((in_[i + 1] == '-' && IsDigit(in_[i + 2])) || in_[i + 1] == '<')) {
          next = TryTenant(i, e);
        } else if (c == ':' && has_colon_ && i + 1 < e && in_[i + 1] == ':') {
          next = TryIpv6(i, e);
        } else if (c == '<') {
          // A placeholder (a masked text masked again). In a masked text one always starts a
          // token or follows punctuation, so looking at boundaries only is enough; a "<NUM>"
          // glued to a word in raw input stays text.
          next = TryPlaceholder(i, e);
        }
      }
      if (next > i) {
        i = next;
        continue;
      }
      if (IsAlnum(c)) {
        // Only reached in the middle of a run (a mask ended inside one): copy the run.
        size_t r = i;
        while (r < e && IsAlnum(in_[r])) ++r;
        ClassifyRun(i, r);
        i = r;
        continue;
      }
      Literal(c);
      ++i;
    }
    return e;
  }

  // The placeholder the input holds at `i` (a '<'), ending before `e`; null if none.
  struct Placeholder {
    std::string_view text;
    // The value it replaced ended in a letter or a digit: what follows was glued to it.
    bool glued_after;
    // ... and started with one: a quote right before it was glued to it.
    bool glued_before;
  };
  const Placeholder* PlaceholderAt(size_t i, size_t e) const {
    static constexpr Placeholder kNames[] = {
        {"<NUM>", true, true},      {"<HEX>", true, true},      {"<UUID>", true, true},
        {"<IP>", true, true},       {"<HOST>", true, true},     {"<URL>", true, true},
        {"<PATH>", true, false},    {"<API>", true, false},     {"<DUR>", true, true},
        {"<SIZE>", true, true},     {"<QUOTED>", false, false}, {"<USER>", true, true},
        {"<TENANT>", false, false}, {"<DATE>", true, true},     {"<ID>", true, true},
        {"<LONG>", false, false},   {"<...>", false, false}};
    size_t k = i + 1;
    while (k < e && k - i < 8 && in_[k] != '>') ++k;
    if (k >= e || in_[k] != '>') return nullptr;
    const std::string_view text = in_.substr(i, k + 1 - i);
    for (const Placeholder& p : kNames) {
      if (p.text == text) return &p;
    }
    return nullptr;
  }

  // A placeholder at `i` ("<NUM>"; "[<TENANT>]" is TryTenant's) is emitted as its mask emits
  // it, so that masking a masked text changes nothing (miner.h's Seed() masks templates).
  // The value a placeholder replaced ended in a letter or a digit (but for <QUOTED>, which
  // ends in a quote, and the whole-token ones), so the character after it was not at a
  // boundary: punctuation there is literal text here too ("<NUM>/ab/cd" is no path, "<ID>'s'"
  // no quote). TryQuote() and TryHost() look ahead at placeholders the same way.
  [[gnu::noinline, gnu::cold]] size_t TryPlaceholder(size_t i, size_t e) {
    const Placeholder* found = PlaceholderAt(i, e);
    if (found == nullptr) return 0;
    Append(found->text);
    const size_t k = i + found->text.size();
    if (!found->glued_after || k >= e) return k;
    // A letter or digit never follows a placeholder in a masked text: the scan goes on as
    // after a boundary. Nor does a '<' matter: no other mask starts there.
    const char c = in_[k];
    if (IsAlnum(c) || c == '<') return k;
    Literal(c);
    return k + 1;
  }

  // The token now runs on from `e` to `ne` (a unit or a quoted value took the next words):
  // room for the output, and what that part contains counts too (so that the rest of
  // "12 ms=db.example.com" is masked as it is after "12ms=", and the same again once the
  // number is "<DUR>").
  void Widen(size_t e, size_t ne) {
    Room(ne - e);
    uint16_t seen = 0;
    for (size_t k = e; k < ne; ++k) seen |= Cls(in_[k]);
    has_at_ |= (seen & kHasAt) != 0;
    has_colon_ |= (seen & kHasColon) != 0;
    has_dot_ |= (seen & kHasDot) != 0;
    has_slash_ |= (seen & kHasSlash) != 0;
    has_eq_ |= (seen & kHasEq) != 0;
  }

  // Every mask that can start at a letter or a digit after a boundary, in priority order.
  size_t TryAlnumStart(size_t i, size_t* token_end) {
    const size_t e = *token_end;
    size_t next;
    if (has_colon_ && IsAlpha(in_[i]) && (next = TryUrl(i, e))) return next;
    if (has_colon_ && IsAsciiLetter(in_[i]) && i + 2 < e && in_[i + 1] == ':' &&
        in_[i + 2] == '\\') {
      Append("<PATH>");
      return e;
    }
    if (in_[i] == '0' && i + 2 < e && (in_[i + 1] == 'x' || in_[i + 1] == 'X') &&
        IsHex(in_[i + 2])) {
      size_t k = i + 2;
      while (k < e && IsHex(in_[k])) ++k;
      if (k == e || !IsAlnum(in_[k])) {
        Append("<HEX>");
        return k;
      }
    }
    if (IsHex(in_[i]) && (next = TryUuid(i, e))) return next;
    if (IsDigit(in_[i]) && has_dot_ && (next = TryIpv4(i, e))) return next;
    if (has_colon_ && IsHex(in_[i]) && (next = TryIpv6(i, e))) return next;
    if (has_at_ && (next = TryUser(i, e))) return next;
    // A host name starts the token or follows punctuation other than '-' and '_' (so that the
    // tail of "MSRA-SA-41.corp.example.com" is not a host of its own).
    if (has_dot_ && (i == token_start_ || (in_[i - 1] != '-' && in_[i - 1] != '_')) &&
        (next = TryHost(i, e))) {
      return next;
    }
    if (IsDigit(in_[i])) return TryNumber(i, i, token_end);
    size_t r = i;
    int digits = 0;
    uint16_t all = kHex;
    while (r < e) {
      const uint16_t c = Cls(in_[r]);
      if (!(c & (kAlpha | kDigit))) break;
      digits += (c & kDigit) != 0;
      all &= c;
      ++r;
    }
    if (digits == 0 && r - i >= 3 && r - i <= 9 && (Cls(in_[i]) & kUpper) && StartsDate(r, e) &&
        IsDateWord(in_.substr(i, r - i))) {
      Append("<DATE>");
      return r;
    }
    ClassifyRun(i, r, digits, (all & kHex) != 0);
    return r;
  }

  // After a month or weekday name ending at `r`: the token ends (maybe after a ',') and the
  // next one is a number or another such name ("Fri Jun 17 07:07:00", "Sat, 16 Nov").
  bool StartsDate(size_t r, size_t e) const {
    if (r < e && in_[r] == ',') ++r;
    if (r != e) return false;
    size_t k = e;
    while (k < n_ && (in_[k] == ' ' || in_[k] == '\t')) ++k;
    if (k >= n_) return false;
    if (IsDigit(in_[k])) return true;
    size_t w = k;
    while (w < n_ && IsAsciiLetter(in_[w])) ++w;
    return w - k >= 3 && IsDateWord(in_.substr(k, w - k));
  }

  // An alphanumeric run [b, r) no mask claimed: a word, or an identifier holding digits.
  void ClassifyRun(size_t b, size_t r) {
    bool all_hex = true;
    int digits = 0;
    for (size_t k = b; k < r; ++k) {
      const uint16_t cl = Cls(in_[k]);
      digits += (cl & kDigit) != 0;
      all_hex &= (cl & kHex) != 0;
    }
    ClassifyRun(b, r, digits, all_hex);
  }
  void ClassifyRun(size_t b, size_t r, int digits, bool all_hex) {
    // A word with a single digit is a name (en0, IPV6, SOCKS5, log4j) more often than a value,
    // and telling such names apart is what tells two statements apart.
    if (digits == 0 || (digits == 1 && IsAlpha(in_[b]))) {
      LiteralRun(b, r);
    } else if (all_hex && r - b >= 6) {
      Append("<HEX>");
    } else {
      Append("<ID>");
    }
  }

  // A number at `digits` (`b` is the sign when there is one): digit groups joined by '.'
  // (decimals, versions) or by ',' before exactly three digits (95,113), then maybe a unit.
  size_t TryNumber(size_t b, size_t digits, size_t* token_end) {
    const size_t e = *token_end;
    size_t j = digits;
    while (j < e && IsDigit(in_[j])) ++j;
    const size_t first_group_end = j;
    while (j + 1 < e && IsDigit(in_[j + 1])) {
      if (in_[j] == '.') {
        size_t k = j + 1;
        while (k < e && IsDigit(in_[k])) ++k;
        j = k;
      } else if (in_[j] == ',') {
        size_t k = j + 1;
        while (k < e && IsDigit(in_[k])) ++k;
        if (k - (j + 1) != 3) break;
        j = k;
      } else {
        break;
      }
    }
    if (j < e && IsAlpha(in_[j])) {
      size_t u = j;
      while (u < e && IsAsciiLetter(in_[u])) ++u;
      if (u == e || !IsAlnum(in_[u])) {
        const std::string_view unit = in_.substr(j, u - j);
        if (IsDurationUnit(unit)) {
          Append("<DUR>");
          return u;
        }
        if (IsSizeUnit(unit)) {
          Append("<SIZE>");
          return u;
        }
      }
      // Letters glued to the digits (2nd, 64bit, 5a3f9c): one identifier, from the start.
      if (b != digits) Literal(in_[b]);
      size_t r = digits;
      while (r < e && IsAlnum(in_[r])) ++r;
      (void)first_group_end;
      ClassifyRun(digits, r);
      return r;
    }
    // A unit in the next token ("1.16 KB)", "30 sec", "451 bytes"): one value, one token.
    if (j == e) {
      size_t k = e;
      while (k < n_ && (in_[k] == ' ' || in_[k] == '\t')) ++k;
      size_t u = k;
      while (u < n_ && IsAsciiLetter(in_[u])) ++u;
      if (u > k && (u == n_ || !IsAlnum(in_[u]))) {
        const std::string_view unit = in_.substr(k, u - k);
        const bool duration = IsSpacedDurationUnit(unit);
        if (duration || IsSpacedSizeUnit(unit)) {
          Append(duration ? "<DUR>" : "<SIZE>");
          size_t ne = u;
          while (ne < n_ && !IsSpace(in_[ne])) ++ne;
          Widen(e, ne);
          *token_end = ne;
          return u;
        }
      }
    }
    Append("<NUM>");
    return j;
  }

  // 8-4-4-4-12 hex digits, not glued to more alphanumerics.
  size_t TryUuid(size_t i, size_t e) {
    static constexpr int kGroups[] = {8, 4, 4, 4, 12};
    size_t k = i;
    for (int g = 0; g < 5; ++g) {
      if (g > 0) {
        if (k >= e || in_[k] != '-') return 0;
        ++k;
      }
      for (int d = 0; d < kGroups[g]; ++d, ++k) {
        if (k >= e || !IsHex(in_[k])) return 0;
      }
    }
    if (k < e && IsAlnum(in_[k])) return 0;
    Append("<UUID>");
    return k;
  }

  // a.b.c.d, each 0-255, not followed by another digit group.
  size_t TryIpv4(size_t i, size_t e) {
    size_t k = i;
    for (int g = 0; g < 4; ++g) {
      if (g > 0) {
        if (k >= e || in_[k] != '.') return 0;
        ++k;
      }
      int value = 0, digits = 0;
      while (k < e && IsDigit(in_[k]) && digits < 4) {
        value = value * 10 + (in_[k] - '0');
        ++digits;
        ++k;
      }
      if (digits == 0 || digits > 3 || value > 255) return 0;
    }
    if (k < e && (IsAlnum(in_[k]) || (in_[k] == '.' && k + 1 < e && IsDigit(in_[k + 1])))) {
      return 0;
    }
    Append("<IP>");
    return k;
  }

  // Hex groups of at most four digits joined by ':', with "::" or at least seven ':', and at
  // least one decimal digit (so that "Foo::bar" and "12:34:56" are not addresses). A run that
  // ends glued to a word ("...:2181:FastLeader") is cut back to its last ':'.
  size_t TryIpv6(size_t i, size_t e) {
    size_t k = i;
    while (k < e && (IsHex(in_[k]) || in_[k] == ':')) ++k;
    if (k < e && IsAlnum(in_[k])) {
      while (k > i && in_[k - 1] != ':') --k;
      if (k > i) --k;  // Drop the ':' too; it stays a literal.
    }
    int colons = 0, group = 0;
    bool double_colon = false, digit = false;
    for (size_t m = i; m < k; ++m) {
      if (in_[m] == ':') {
        ++colons;
        if (m > i && in_[m - 1] == ':') double_colon = true;
        group = 0;
      } else {
        if (++group > 4) return 0;
        digit |= IsDigit(in_[m]);
      }
    }
    if (!digit || colons < 2 || !(double_colon || colons >= 7)) return 0;
    if (in_[k - 1] == ':' && !(k >= 2 && in_[k - 2] == ':')) return 0;
    Append("<IP>");
    return k;
  }

  // scheme://... (also chained schemes such as service:jmx:rmi://) to the end of the token,
  // less closing punctuation.
  size_t TryUrl(size_t i, size_t e) {
    size_t k = i;
    while (k < e &&
           (IsAlnum(in_[k]) || in_[k] == '+' || in_[k] == '.' || in_[k] == '-' || in_[k] == ':')) {
      if (in_[k] == ':' && k + 2 < e && in_[k + 1] == '/' && in_[k + 2] == '/') {
        Append("<URL>");
        return TrimClosing(k + 3, e);
      }
      ++k;
    }
    return 0;
  }

  // Where a value that runs to `e` ends once closing punctuation is left off.
  size_t TrimClosing(size_t b, size_t e) const {
    while (e > b && std::strchr(".,;:)]}>\"'", in_[e - 1]) != nullptr) --e;
    return e;
  }

  // /a/b... with at least two '/', up to the first character that cannot be in a path here.
  size_t TryPath(size_t i, size_t e) {
    size_t k = i + 1;
    int slashes = 1;
    bool version = false;
    size_t seg = k;
    auto end_segment = [&](size_t seg_end) {
      // A version segment: digits and dots with a digit first, optionally after a 'v'.
      size_t a = seg;
      if (a < seg_end && (in_[a] == 'v' || in_[a] == 'V')) ++a;
      if (a < seg_end && IsDigit(in_[a])) {
        bool ok = true;
        for (size_t m = a; m < seg_end; ++m) ok &= IsDigit(in_[m]) || in_[m] == '.';
        version |= ok;
      }
    };
    // A path ends at whitespace or a quote; other punctuation ends it only when the token ends
    // there ("/a/b)," and "/a/[x,y]/c" alike).
    while (k < e && in_[k] != '"' && in_[k] != '\'' && in_[k] != '<' && in_[k] != '>' &&
           in_[k] != '|') {
      if (std::strchr(",;)]}", in_[k]) != nullptr) {
        size_t t = k;
        while (t < e && std::strchr(",;)]}.:", in_[t]) != nullptr) ++t;
        if (t == e) break;
      }
      if (in_[k] == '/') {
        end_segment(k);
        ++slashes;
        seg = k + 1;
      }
      ++k;
    }
    while (k > i + 1 && (in_[k - 1] == '.' || in_[k - 1] == ':')) --k;
    end_segment(k);
    if (slashes < 2 || k - i < 3) return 0;
    Append(version ? "<API>" : "<PATH>");
    return k;
  }

  // A quote at a boundary. After '=' or ':' the value may hold spaces (key="a b"); elsewhere it
  // must close inside the token and not be glued to a word (so "don't" is no quote).
  size_t TryQuote(size_t s, size_t i, size_t* e) {
    const char q = in_[i];
    const bool keyed = i > s && (in_[i - 1] == '=' || in_[i - 1] == ':');
    if (keyed) {
      const size_t limit = std::min(n_, i + 1 + kMaxQuoted);
      for (size_t k = i + 1; k < limit; ++k) {
        if (in_[k] == '\n') return 0;
        if (in_[k] == q) {
          Append("<QUOTED>");
          if (k + 1 > *e) {
            size_t ne = k + 1;
            while (ne < n_ && !IsSpace(in_[ne])) ++ne;
            Widen(*e, ne);
            *e = ne;
          }
          return k + 1;
        }
      }
      return 0;
    }
    for (size_t k = i + 1; k < *e; ++k) {
      if (in_[k] == q && (k + 1 == *e || !(IsAlnum(in_[k + 1]) || GluedPlaceholderAt(k + 1, *e)))) {
        Append("<QUOTED>");
        return k + 1;
      }
    }
    return 0;
  }

  // A placeholder at `i` whose value started with a letter or a digit ("" + "<NUM>" was ""12).
  bool GluedPlaceholderAt(size_t i, size_t e) const {
    if (in_[i] != '<') return false;
    const Placeholder* p = PlaceholderAt(i, e);
    return p != nullptr && p->glued_before;
  }

  // [-1234]: WSO2's tenant id in brackets; also the placeholder itself, "[<TENANT>]".
  size_t TryTenant(size_t i, size_t e) {
    static constexpr std::string_view kTenant = "[<TENANT>]";
    if (in_[i + 1] == '<') {
      if (in_.substr(i, std::min(e - i, kTenant.size())) != kTenant) return 0;
      Append(kTenant);
      return i + kTenant.size();
    }
    size_t k = i + 2;
    while (k < e && IsDigit(in_[k])) ++k;
    if (k >= e || in_[k] != ']') return 0;
    Append("[<TENANT>]");
    return k + 1;
  }

  // local@domain, the domain starting with a letter (admin@carbon.super, a@b.com@tenant).
  size_t TryUser(size_t i, size_t e) {
    size_t k = i;
    while (k < e &&
           (IsAlnum(in_[k]) || in_[k] == '.' || in_[k] == '_' || in_[k] == '-' || in_[k] == '+')) {
      ++k;
    }
    if (k == i || k + 1 >= e || in_[k] != '@' || !IsAlpha(in_[k + 1])) return 0;
    ++k;
    while (k < e &&
           (IsAlnum(in_[k]) || in_[k] == '.' || in_[k] == '_' || in_[k] == '-' || in_[k] == '@')) {
      ++k;
    }
    while (k > i && in_[k - 1] == '.') --k;
    Append("<USER>");
    return k;
  }

  // A dotted name: host when a port follows, or when it is lower-case with a known top-level
  // domain and does not start like a Java package.
  size_t TryHost(size_t i, size_t e) {
    size_t k = i;
    int labels = 0;
    bool letter = false, upper = false, last_all_digits = true;
    size_t first_end = 0, last_begin = i;
    while (true) {
      const size_t lb = k;
      bool all_digits = true;
      while (k < e && (IsAlnum(in_[k]) || in_[k] == '-')) {
        const uint16_t cl = Cls(in_[k]);
        if (cl & kAlpha) {
          letter = true;
          all_digits = false;
        }
        if (cl & kUpper) upper = true;
        if (in_[k] == '-') all_digits = false;
        ++k;
      }
      if (k == lb) return 0;  // Empty label ("a..b", trailing dot handled below).
      ++labels;
      if (labels == 1) first_end = k;
      last_begin = lb;
      last_all_digits = all_digits;
      if (k + 1 < e && in_[k] == '.' && (IsAlnum(in_[k + 1]))) {
        ++k;
        continue;
      }
      break;
    }
    if (labels < 2 || !letter || last_all_digits) return 0;
    // A value for a last label ("a.b.com.<NUM>" was "a.b.com.12", no host name).
    if (k + 1 < e && in_[k] == '.' && GluedPlaceholderAt(k + 1, e)) return 0;
    if (k < e && (in_[k] == '@' || in_[k] == '_')) return 0;
    if (IsPackageRoot(in_.substr(i, first_end - i))) return 0;
    const bool tld = IsHostSuffix(in_.substr(last_begin, k - last_begin));
    if (k + 1 < e && in_[k] == ':' && IsDigit(in_[k + 1]) && (tld || !upper)) {
      // With a port, any lower-case dotted name; upper case only with a known domain, so
      // that "state.clipTopAmount:12" stays a field and a number.
      size_t d = k + 1;
      while (d < e && IsDigit(in_[d])) ++d;
      if (d - (k + 1) <= 5 && (d == e || (!IsAlnum(in_[d]) && in_[d] != '.'))) {
        Append("<HOST>");
        return k;
      }
    }
    if (!tld) return 0;
    Append("<HOST>");
    return k;
  }

  std::string_view in_;
  size_t n_;
  char* base_ = nullptr;   // out_->text.data() while scanning.
  char* w_ = nullptr;      // Where the next output byte goes.
  char* limit_ = nullptr;  // End of the buffer.
  const MaskOptions& options_;
  MaskedMessage* out_;
  size_t token_begin_ = 0;
  size_t token_start_ = 0;  // Where the current whitespace token starts in the input.
  bool had_letter_ = false;
  bool had_mask_ = false;
  uint64_t hash_ = kTokenSeed;        // The token so far (see Step()).
  uint64_t shape_hash_ = kTokenSeed;  // The same with every placeholder alike.
  bool has_eq_ = false;
  bool has_at_ = false, has_colon_ = false, has_dot_ = false, has_slash_ = false;
};

}  // namespace

void MaskMessage(std::string_view message, const MaskOptions& options, MaskedMessage* out) {
  out->text.clear();
  out->tokens.clear();
  out->truncated = false;
  if (message.size() > options.max_bytes) {
    message = message.substr(0, Utf8PrefixLength(message, options.max_bytes));
    out->truncated = true;
  }
  Scanner(message, options, out).Run();
  uint64_t h = kTokenSeed;
  for (const MaskedToken& t : out->tokens) h = Step(h ^ t.hash);
  out->hash = Finish(h, out->tokens.size());
}

void MaskKey(std::string_view message, std::string* key) {
  key->clear();
  const size_t n = message.size();
  size_t i = 0;
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  // Whether any byte of `x` is less than `k` (k <= 128): the classic SWAR test.
  auto any_below = [&](uint64_t x, uint64_t k) { return ((x - kOnes * k) & ~x & kHigh) != 0; };
  while (i < n) {
    // Copy up to the next digit (or \x01) in one go, eight bytes a step.
    size_t j = i;
    while (j + 8 <= n) {
      uint64_t x;
      std::memcpy(&x, message.data() + j, 8);
      if (any_below(x ^ (kOnes * '0'), 10) || any_below(x, 2)) break;
      j += 8;
    }
    while (j < n && !IsDigit(message[j]) && message[j] != '\x01') ++j;
    key->append(message.substr(i, j - i));
    if (j >= n) break;
    if (message[j] == '\x01') {  // Escaped, so that it cannot pose as a digit run.
      key->append("\x01\0\0", 3);
      i = j + 1;
      continue;
    }
    size_t r = j;
    while (r < n && IsDigit(message[r])) ++r;
    const size_t len = r - j;
    if (len == 1) {
      // Kept as it is: a single digit can stay in the masked text ("en0", "IPV6").
      key->push_back(message[j]);
    } else {
      // Every mask depends on a digit run only through its length, except the IPv4 octet
      // bound. The length is exact (two bytes; messages are cut far below 64 KiB).
      const bool above_255 = len == 3 && message.substr(j, 3) > "255";
      key->push_back('\x01');
      key->push_back(static_cast<char>(len & 0xff));
      key->push_back(static_cast<char>(((len >> 8) & 0x7f) | (above_255 ? 0x80 : 0)));
    }
    i = r;
  }
}

std::string MaskedText(std::string_view message) {
  MaskedMessage m;
  MaskMessage(message, MaskOptions{}, &m);
  return m.text;
}

}  // namespace cg
