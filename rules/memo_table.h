// MemoTable: a fixed-size memo of "this exact text gave this result", for pure functions of a
// text (which patterns of one RE2::Set match it; where a pattern's groups lie in it).
//
// Why: in a bad hour WSO2 writes the same message thousands of times ("API authentication
// failure due to Invalid Credentials", the fault-sequence line of one API, "Connection refused
// or failed for : host"); each costs RE2 one or more DFA scans. Looking the text up costs one
// hash and, on a hit, one memcmp.
//
// Exactness: an entry matches only if its tag and its text are byte-for-byte equal to the
// query's; the hash only picks the slot. So a hit returns what the function computed for this
// very input.
//
// Layout and eviction: `slots` direct-mapped slots (a power of two), each holding one text (its
// capacity reused). A text is kept only when it comes a second time while its hash is still
// in a small table of recently seen hashes (the "doorkeeper"), so one-off texts (messages with
// correlation ids) are never copied. Each slot has a small use counter: a hit raises it, an
// insert that lands on a used slot lowers it instead of evicting, so a stream of new texts
// does not wash out the repeated ones. Texts longer than `max_text` bytes are not kept.
// Memory: at most slots * (max_text + sizeof(Value) + 48) bytes, reached only when full.
// Single-threaded; owned by its user.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace cg {

// 64-bit FNV-1a over 8-byte words, then a final mix. Texts longer than 64 bytes are hashed by
// their length and samples (the first and last 24 bytes, 16 from the middle): the hash only
// picks a slot, exactness comes from the full compare, and messages that differ only between
// the samples are near-copies that may share a slot. This keeps a lookup's cost flat.
inline uint64_t MemoHashBytes(const char* p, size_t n, uint64_t h) {
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  return (h ^ w) * 0x100000001b3ull;
}

inline uint64_t MemoHash(std::string_view text, uint64_t seed = 0) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed ^ (text.size() * 0x9e3779b97f4a7c15ull);
  const char* p = text.data();
  const size_t n = text.size();
  if (n <= 64) {
    h = MemoHashBytes(p, n, h);
  } else {
    h = MemoHashBytes(p, 24, h);
    h = MemoHashBytes(p + n / 2 - 8, 16, h);
    h = MemoHashBytes(p + n - 24, 24, h);
  }
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

template <typename Value>
class MemoTable {
 public:
  // `slots` is rounded up to a power of two.
  explicit MemoTable(size_t slots = 4096, size_t max_text = 1024) : max_text_(max_text) {
    size_t n = 1;
    while (n < slots) n <<= 1;
    slots_.resize(n);
    seen_.assign(n, 0);
    mask_ = n - 1;
  }

  // The value stored for (tag, text), or null. `hash` must be MemoHash(text) (callers that
  // look one text up in several tables hash it once).
  const Value* Find(uint64_t hash, uint32_t tag, std::string_view text) {
    Slot& s = slots_[Index(hash, tag)];
    if (s.used && s.hash == hash && s.tag == tag && s.text.size() == text.size() &&
        std::memcmp(s.text.data(), text.data(), text.size()) == 0) {
      if (s.uses < kMaxUses) ++s.uses;
      ++hits_;
      return &s.value;
    }
    ++misses_;
    return nullptr;
  }

  // Remembers (tag, text) -> value on its second sighting, unless the text is too long or the
  // slot holds an entry that was used since it last lost a turn (then it only loses one use).
  void Insert(uint64_t hash, uint32_t tag, std::string_view text, const Value& value) {
    if (text.size() > max_text_) return;
    const size_t index = Index(hash, tag);
    const uint64_t sighting = hash ^ tag;
    if (seen_[index] != sighting) {
      seen_[index] = sighting;  // First sighting (as far as the doorkeeper remembers).
      return;
    }
    Slot& s = slots_[index];
    if (s.used && s.uses > 0) {
      --s.uses;
      return;
    }
    s.used = true;
    s.uses = 0;
    s.hash = hash;
    s.tag = tag;
    s.text.assign(text.data(), text.size());
    s.value = value;
  }

  void Clear() {
    for (auto& s : slots_) s.used = false;
    std::fill(seen_.begin(), seen_.end(), 0);
  }

  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  static constexpr uint8_t kMaxUses = 3;
  struct Slot {
    bool used = false;
    uint8_t uses = 0;
    uint32_t tag = 0;
    uint64_t hash = 0;
    std::string text;
    Value value{};
  };
  size_t Index(uint64_t hash, uint32_t tag) const {
    return static_cast<size_t>((hash ^ (tag * 0x9e3779b97f4a7c15ull)) >> 7) & mask_;
  }

  size_t max_text_;
  size_t mask_ = 0;
  std::vector<Slot> slots_;
  std::vector<uint64_t> seen_;  // Per slot: the hash of the latest text not kept.
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace cg
