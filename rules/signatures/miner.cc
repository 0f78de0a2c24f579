#include "rules/signatures/miner.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

#include "base/utf8.h"
#include "rules/signatures/hash.h"
#include "rules/signatures/message.h"

namespace cg {

namespace {

// Reserved slot hashes: "<*>" in a template, and an empty gap. A real text hashing to one of
// them is moved (SlotHash), so a template slot equal to a message slot means equal text.
constexpr uint64_t kWild = 0;
constexpr uint64_t kEmptyGap = 2;
constexpr std::string_view kWildText = "<*>";
constexpr uint32_t kNone = UINT32_MAX;

// Tokens of a message that pick its bucket: the statement's first words, as in Drain's
// fixed-depth tree. Two is Drain's published depth 4 (length, then two tokens); deeper trees
// split templates whose third token varies.
constexpr size_t kRouteTokens = 2;
// How many of a log's least recently seen signatures an eviction looks at for the rarest.
constexpr int kEvictionWindow = 8;
// Messages longer than this skip the memo (their MaskKey is compared whole).
constexpr size_t kMemoText = 1024;

// Cluster::words bits.
constexpr uint8_t kWordSlot = 1;       // The slot was a word (had a letter of its own).
constexpr uint8_t kExceptionSlot = 2;  // ... a Java exception class: it must match exactly.

inline uint64_t SlotHash(uint64_t h) { return h <= kEmptyGap ? h + 3 : h; }
// The slot hash of "key=<*>": a key=value token whose value generalised.
inline uint64_t KeyWild(uint64_t key) { return SlotHash(key ^ 0x6b65793d3c2a3eULL); }

inline uint64_t Mix(uint64_t h, uint64_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

// GroupOf()'s memo hash of a logger name: the length and a few eight-byte samples (both ends,
// the quarters) rather than every byte. Equality is then checked on the whole name, so a weak
// hash only costs a slower lookup. (Not for the memos: messages that differ in one word in
// the middle would share a slot and push each other out.)
uint64_t SampleHash(std::string_view s) {
  const size_t n = s.size();
  if (n <= 32) return FastHash64(s);
  auto at = [&](size_t i) {
    uint64_t v;
    std::memcpy(&v, s.data() + i, 8);
    return v;
  };
  uint64_t h = n * 0x9e3779b97f4a7c15ULL;
  for (size_t i : {size_t{0}, size_t{8}, n / 4, n / 2 - 4, 3 * n / 4 - 8, n - 16, n - 8}) {
    h = (h ^ at(i)) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
  }
  return h;
}

// The message as the miner compares it, in one of two forms:
//   tokens (BuildTokens): one slot per masked token, Drain's fixed-length view;
//   gaps (BuildGaps): words (tokens with a letter of their own) and the runs of other tokens
//     between them ("gaps", maybe empty), alternating gap, word, gap, ..., word, gap. Two
//     messages with the same words but a different number of variable tokens ("451 bytes
//     sent" and "451 bytes (1.16 KB) sent") have the same gap form.
struct Shape {
  struct Slot {
    uint64_t hash = 0;   // SlotHash of the text (typed placeholders), or kEmptyGap.
    uint64_t shape = 0;  // The same with every placeholder alike (MaskedToken::shape).
    uint64_t key = 0;    // MaskedToken::key: "key=" of a key=value token, else 0.
    uint32_t begin = 0;  // Text range in the MaskedMessage.
    uint32_t size = 0;
    bool word = false;       // Has a letter of its own.
    bool literal = false;    // A word without placeholders: it routes the message.
    bool exception = false;  // A Java exception class: never generalised.
  };
  std::vector<Slot> slots;
  size_t words() const { return slots.size() / 2; }  // Gap form only.
};

// Inlined: it runs for every masked message (Add()), and Seed() calls it too.
[[gnu::always_inline]] inline void BuildTokens(const MaskedMessage& m, Shape* shape) {
  shape->slots.clear();
  for (const MaskedToken& t : m.tokens) {
    shape->slots.push_back(Shape::Slot{.hash = SlotHash(t.hash),
                                       .shape = SlotHash(t.shape),
                                       .key = t.key,
                                       .begin = t.begin,
                                       .size = t.size,
                                       .word = !t.variable,
                                       .literal = !t.variable && !t.masked,
                                       .exception = t.exception});
  }
}

void BuildGaps(const MaskedMessage& m, Shape* shape) {
  shape->slots.clear();
  bool open = false;  // The current gap has a token.
  uint64_t h = 0, sh = 0;
  uint32_t begin = 0, end = 0;
  auto close_gap = [&] {
    if (open) {
      shape->slots.push_back(Shape::Slot{
          .hash = SlotHash(h), .shape = SlotHash(sh), .begin = begin, .size = end - begin});
    } else {
      shape->slots.push_back(Shape::Slot{.hash = kEmptyGap, .shape = kEmptyGap});
    }
    open = false;
  };
  for (const MaskedToken& t : m.tokens) {
    if (t.variable) {
      if (!open) {
        h = sh = kFnvOffset;
        begin = t.begin;
        open = true;
      }
      // The gap hash mixes the token slot hashes, exactly as MakeFlexible() does from a
      // template's token slots.
      h = Mix(h, SlotHash(t.hash));
      sh = Mix(sh, SlotHash(t.shape));
      end = t.begin + t.size;
    } else {
      close_gap();
      shape->slots.push_back(Shape::Slot{.hash = SlotHash(t.hash),
                                         .shape = SlotHash(t.shape),
                                         .key = t.key,
                                         .begin = t.begin,
                                         .size = t.size,
                                         .word = true,
                                         .literal = !t.masked,
                                         .exception = t.exception});
    }
  }
  close_gap();
}

// A name made of parts: an inner '.', '_', '/', '-' or ':' between alphanumerics
// ("com.apple.Safari.Update:"), as opposed to a plain word ("GET", "opened").
bool IsCompound(std::string_view t) {
  auto alnum = [](char c) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  for (size_t i = 1; i + 1 < t.size(); ++i) {
    if ((t[i] == '.' || t[i] == '_' || t[i] == '/' || t[i] == '-' || t[i] == ':') &&
        alnum(t[i - 1]) && alnum(t[i + 1])) {
      return true;
    }
  }
  return false;
}

}  // namespace

uint64_t SignatureId(Level level, std::string_view logger, std::string_view template_text) {
  uint64_t h = Fnv1a64(LevelName(level));
  h = Fnv1a64Byte(0x1f, h);
  h = Fnv1a64(logger, h);
  h = Fnv1a64Byte(0x1f, h);
  return Fnv1a64(template_text, h);
}

class SignatureMiner::Impl {
 public:
  explicit Impl(SignatureMinerOptions options) : options_(std::move(options)) {
    group_memo_.fill(kNone);
  }

  MineResult Add(const SignatureKey& key, std::string_view message, WallTime time);
  Result<MineResult> Seed(const SignatureKey& key, std::string_view template_text, uint64_t count,
                          WallTime first_seen, WallTime last_seen, uint32_t marks);
  void Mark(std::string_view log, uint64_t id, uint32_t bits);
  std::optional<uint64_t> Resolve(std::string_view log, uint64_t id) const;
  std::optional<Signature> Find(std::string_view log, uint64_t id) const;
  std::optional<Signature> FindSerial(std::string_view log, uint64_t serial) const;
  std::vector<Signature> Signatures() const;

  SignatureMinerStats stats_;
  SignatureMinerOptions options_;
  std::string scratch_;  // AddRecord's message buffer.

 private:
  using Index = std::unordered_map<uint64_t, std::vector<uint32_t>>;

  // One signature. Its template is a vector of slots (tokens, or gaps and words once
  // flexible), each with the hashes the comparisons use and its text.
  struct Cluster {
    bool live = false;
    // Slots are gaps and words rather than tokens: the signature took a message with the same
    // words and a different number of variable tokens.
    bool flexible = false;
    uint32_t group = 0;
    uint32_t generation = 0;  // Bumped when the slot is freed (the exact cache checks it).
    uint32_t marks = 0;       // The caller's bits.
    uint64_t id = 0;
    uint64_t serial = 0;
    uint64_t bucket = 0;            // Routing bucket (token form only).
    uint64_t length = 0;            // Length bucket (token form only).
    uint64_t skeleton = 0;          // Skeleton bucket (both forms).
    std::vector<uint64_t> slots;    // Typed text hash per slot; kWild for "<*>".
    std::vector<uint64_t> shapes;   // Shape hash per slot; kWild where slots has it.
    std::vector<uint64_t> keys;     // "key=" hash per slot (0: no key=value).
    std::vector<uint8_t> words;     // kWordSlot, kExceptionSlot: what the slot was when made.
    uint32_t wild_values = 0;       // Slots that are "<*>" and were not words.
    std::vector<uint32_t> offsets;  // Slot k's text is store[offsets[k], offsets[k + 1]).
    std::string store;              // Slot texts, sanitized, without separators.
    std::string text;               // The template: the non-empty slot texts joined by ' '.
    uint64_t count = 0;
    WallTime first_seen{};
    WallTime last_seen{};
    std::string example;
    std::vector<uint64_t> parents;
    uint32_t lru_prev = kNone, lru_next = kNone;  // Per log, most recent first.

    std::string_view SlotText(size_t k) const {
      return slots[k] == kWild
                 ? kWildText
                 : std::string_view(store).substr(offsets[k], offsets[k + 1] - offsets[k]);
    }
  };
  struct Group {
    std::string log;
    std::string logger;
    Level level = Level::kUnknown;
    uint32_t log_index = 0;
  };
  // The level first: the cheapest compare, and the one that differs most between neighbours.
  static bool SameKey(const Group& g, const SignatureKey& key) {
    return g.level == key.level && g.logger == key.logger && g.log == key.log;
  }
  struct LogState {
    size_t live = 0;
    uint32_t head = kNone, tail = kNone;
  };
  struct CacheEntry {
    uint32_t slot = kNone;
    uint32_t generation = 0;
  };
  struct MemoEntry {
    uint64_t hash = 0;
    uint32_t group = kNone;
    uint32_t slot = kNone;
    uint32_t generation = 0;
    std::string text;
  };

  uint32_t GroupOf(const SignatureKey& key);
  uint32_t GroupOfMemo(const SignatureKey& key);
  uint32_t GroupOfSlow(const SignatureKey& key);
  uint64_t BucketKey(uint32_t group, const Shape& tokens) const;
  uint64_t LengthKey(uint32_t group, const Shape& tokens) const;
  uint64_t SkeletonKey(uint32_t group, const Shape& gaps) const;
  // SkeletonKey() of the gap form of a token form.
  uint64_t SkeletonKeyOfTokens(uint32_t group, const Shape& tokens) const;

  // Similarity of a template with a message, in [0, 1], or -1 when it cannot reach `floor`
  // or the template must not take the message (see Add()).
  double Similarity(const Cluster& c, const Shape& tokens, double floor) const;
  double SkeletonSimilarity(const Cluster& c, const Shape& gaps, double floor) const;
  uint32_t Best(const Index& index, uint64_t key, const Shape& s, bool skeleton) const;
  bool RoutesCompatible(const Cluster& c, const Shape& tokens) const;

  uint32_t Create(uint32_t group, const Shape& tokens, uint64_t skeleton, std::string_view message,
                  WallTime time);
  // What a MineResult reports of the signature a message (or seed) ended in.
  static void Answer(const Cluster& c, MineResult* result) {
    result->id = c.id;
    result->serial = c.serial;
    result->marks = c.marks;
  }
  uint32_t Generalise(uint32_t slot, const Shape& s, bool* changed);
  void MakeFlexible(uint32_t slot);
  uint32_t MergeInto(uint32_t from, uint32_t into);
  void RebuildText(Cluster& c);
  void SetSlotText(Cluster& c, size_t k, std::string_view text);
  void AddParent(Cluster& c, uint64_t id);
  void Touch(uint32_t slot, WallTime time);
  void Evict(uint32_t log_index);
  void Unindex(uint32_t slot);
  void Free(uint32_t slot);
  void LruUnlink(uint32_t slot);
  void LruPushFront(uint32_t slot);
  Signature Export(const Cluster& c) const;
  uint32_t SlotOf(std::string_view log, uint64_t id) const;
  static void RemoveFrom(Index* index, uint64_t key, uint32_t slot);
  // by_id_ keys: ids are unique per log only.
  static uint64_t IdKey(uint32_t log_index, uint64_t id) { return Mix(id, log_index); }
  uint64_t IdKeyOf(const Cluster& c, uint64_t id) const {
    return IdKey(groups_[c.group].log_index, id);
  }

  std::vector<Cluster> clusters_;
  std::vector<uint32_t> free_slots_;
  std::vector<Group> groups_;
  std::vector<LogState> logs_;
  std::unordered_map<std::string, uint32_t> group_index_;
  std::unordered_map<std::string, uint32_t> log_index_;
  Index buckets_;    // (group, tokens, first words) -> token-form signatures.
  Index lengths_;    // (group, tokens) -> token-form signatures.
  Index skeletons_;  // (group, words, first words) -> signatures of both forms.
  std::unordered_map<uint64_t, uint32_t> by_id_;      // IdKey of current and former ids -> slot.
  std::unordered_map<uint64_t, uint32_t> by_serial_;  // Serial -> slot (live ones only).
  uint64_t last_serial_ = 0;
  std::unordered_map<uint64_t, CacheEntry> cache_;
  std::vector<MemoEntry> memo_;      // By MaskKey.
  std::vector<MemoEntry> raw_memo_;  // By the message itself.
  std::string memo_key_;
  std::string key_scratch_;
  std::string seed_text_;
  std::array<uint32_t, 64> group_memo_;  // GroupOf()'s memo: slot -> group (kNone: empty).
  uint32_t last_group_ = kNone;          // The previous call's group.
  MaskedMessage masked_;
  Shape tokens_;
  Shape gaps_;
};

uint32_t SignatureMiner::Impl::GroupOf(const SignatureKey& key) {
  if (last_group_ != kNone && SameKey(groups_[last_group_], key)) return last_group_;
  last_group_ = GroupOfMemo(key);
  return last_group_;
}

uint32_t SignatureMiner::Impl::GroupOfMemo(const SignatureKey& key) {
  // A small direct-mapped memo in front of the map: records of a few loggers interleave.
  const uint64_t h = Mix(SampleHash(key.logger) ^ static_cast<uint64_t>(key.level), key.log.size());
  uint32_t& memo = group_memo_[h & (group_memo_.size() - 1)];
  if (memo != kNone && SameKey(groups_[memo], key)) return memo;
  memo = GroupOfSlow(key);
  return memo;
}

uint32_t SignatureMiner::Impl::GroupOfSlow(const SignatureKey& key) {
  key_scratch_.assign(key.log);
  key_scratch_.push_back('\0');
  key_scratch_.push_back(static_cast<char>(key.level));
  key_scratch_.append(key.logger);
  auto it = group_index_.find(key_scratch_);
  if (it != group_index_.end()) return it->second;
  uint32_t log_index;
  auto lit = log_index_.find(std::string(key.log));
  if (lit == log_index_.end()) {
    log_index = static_cast<uint32_t>(logs_.size());
    logs_.emplace_back();
    log_index_.emplace(std::string(key.log), log_index);
  } else {
    log_index = lit->second;
  }
  const uint32_t g = static_cast<uint32_t>(groups_.size());
  groups_.push_back(Group{.log = std::string(key.log),
                          .logger = std::string(key.logger),
                          .level = key.level,
                          .log_index = log_index});
  group_index_.emplace(key_scratch_, g);
  return g;
}

uint64_t SignatureMiner::Impl::BucketKey(uint32_t group, const Shape& tokens) const {
  uint64_t h = Mix(Mix(group, 0x6275636b6574ULL), tokens.slots.size());
  // A token with a placeholder or without a letter routes as "*", like Drain's digit rule:
  // "blk_<NUM>" and "rdd_<NUM>" may be values of one field.
  for (size_t k = 0; k < tokens.slots.size() && k < kRouteTokens; ++k) {
    h = Mix(h, tokens.slots[k].literal ? tokens.slots[k].hash : 0x2a);
  }
  return h;
}

uint64_t SignatureMiner::Impl::LengthKey(uint32_t group, const Shape& tokens) const {
  return Mix(Mix(group, 0x6c656e677468ULL), tokens.slots.size());
}

uint64_t SignatureMiner::Impl::SkeletonKey(uint32_t group, const Shape& gaps) const {
  uint64_t h = Mix(Mix(group, 0x736b656c65746f6eULL), gaps.words());
  for (size_t w = 0; w < gaps.words() && w < kRouteTokens; ++w) {
    const Shape::Slot& x = gaps.slots[2 * w + 1];
    h = Mix(h, x.literal ? x.hash : 0x2a);
  }
  return h;
}

uint64_t SignatureMiner::Impl::SkeletonKeyOfTokens(uint32_t group, const Shape& tokens) const {
  // The gap form's words are the token form's word slots, with the same hashes and flags.
  const auto words = static_cast<size_t>(std::count_if(tokens.slots.begin(), tokens.slots.end(),
                                                       [](const auto& x) { return x.word; }));
  uint64_t h = Mix(Mix(group, 0x736b656c65746f6eULL), words);
  size_t w = 0;
  for (const Shape::Slot& x : tokens.slots) {
    if (w >= kRouteTokens) break;
    if (!x.word) continue;
    h = Mix(h, x.literal ? x.hash : 0x2a);
    ++w;
  }
  return h;
}

// The score is Drain's (equal slots over slots) with four changes, each worth several points
// of Loghub grouping accuracy without per-dataset settings:
//   - slots compare by shape: "iar <NUM>" and "iar <HEX>" are one statement (a value's type
//     is no evidence of another statement; the typed text still generalises to "<*>");
//   - key=value tokens with the same key count as equal ("name=android" and
//     "name=com.android.systemui");
//   - a "<*>" that replaced values is left out of the count, one that replaced a word counts
//     as a difference (Drain counts every "<*>" as a difference, so a template that absorbed
//     a few differently typed values stops matching its own messages);
//   - a word that stayed the same over constant_after messages is a constant: a message with
//     another word there is another statement ("initialized by client WindowsUpdateAgent"
//     600 times, then "by client SPP").
double SignatureMiner::Impl::Similarity(const Cluster& c, const Shape& tokens, double floor) const {
  const size_t n = tokens.slots.size();
  if (c.slots.size() != n) return -1;  // A bucket key collision.
  const size_t denominator = n - c.wild_values;
  if (denominator == 0) return 1.0;
  // Stop as soon as the slots left cannot bring the score up to `floor`.
  const double max_lost = (1.0 - floor) * static_cast<double>(denominator);
  const bool settled = c.count >= options_.constant_after;
  size_t lost = 0;
  for (size_t k = 0; k < n; ++k) {
    const uint64_t cs = c.slots[k];
    const Shape::Slot& m = tokens.slots[k];
    if (cs == kWild) {
      if (c.words[k]) ++lost;
    } else if (c.shapes[k] == m.shape) {
      continue;
    } else if (c.words[k] & kExceptionSlot) {
      return -1;  // Another exception class is another failure.
    } else if (c.keys[k] != 0 && c.keys[k] == m.key) {
      if (settled && cs != KeyWild(c.keys[k])) return -1;
      continue;
    } else {
      if (settled && m.word && c.words[k]) return -1;
      ++lost;
    }
    if (static_cast<double>(lost) > max_lost + 1e-9) return -1;
  }
  return static_cast<double>(denominator - lost) / static_cast<double>(denominator);
}

// The same over the words of the gap form (a token-form template's words are its slots that
// were words); gaps are not compared: differing gaps are what the skeleton match is for.
double SignatureMiner::Impl::SkeletonSimilarity(const Cluster& c, const Shape& gaps,
                                                double floor) const {
  const size_t words = gaps.words();
  if (words == 0) {
    // No words at all ("12 34 56"): any other message without words is the same statement.
    if (c.flexible) return c.slots.size() == 1 ? 1.0 : -1;
    return std::none_of(c.words.begin(), c.words.end(), [](uint8_t w) { return w != 0; }) ? 1.0
                                                                                          : -1;
  }
  const double max_lost = (1.0 - floor) * static_cast<double>(words);
  const bool settled = c.count >= options_.constant_after;
  size_t lost = 0, w = 0;
  const size_t step = c.flexible ? 2 : 1;
  if (c.flexible && c.slots.size() != gaps.slots.size()) return -1;
  for (size_t k = c.flexible ? 1 : 0; k < c.slots.size(); k += step) {
    if (!c.flexible && !c.words[k]) continue;
    if (w >= words) return -1;
    const Shape::Slot& m = gaps.slots[2 * w + 1];
    ++w;
    const uint64_t cs = c.slots[k];
    if (cs == kWild) {
      ++lost;
    } else if (c.shapes[k] == m.shape) {
      continue;
    } else if (c.words[k] & kExceptionSlot) {
      return -1;
    } else if (c.keys[k] != 0 && c.keys[k] == m.key) {
      if (settled && cs != KeyWild(c.keys[k])) return -1;
      continue;
    } else {
      if (settled) return -1;
      ++lost;
    }
    if (static_cast<double>(lost) > max_lost + 1e-9) return -1;
  }
  if (w != words) return -1;
  return static_cast<double>(words - lost) / static_cast<double>(words);
}

uint32_t SignatureMiner::Impl::Best(const Index& index, uint64_t key, const Shape& s,
                                    bool skeleton) const {
  auto it = index.find(key);
  if (it == index.end()) return kNone;
  uint32_t best = kNone;
  double best_sim = -1;
  for (uint32_t slot : it->second) {
    // A candidate must beat the best so far (ties keep the earlier), and the threshold.
    const double floor = std::max(options_.similarity, best_sim + 1e-9);
    const double sim = skeleton ? SkeletonSimilarity(clusters_[slot], s, floor)
                                : Similarity(clusters_[slot], s, floor);
    if (sim >= floor) {
      best_sim = sim;
      best = slot;
      if (sim >= 1.0) break;
    }
  }
  return best;
}

// The length-bucket fallback may only generalise routing tokens that are compound names: a
// first token that varies ("com.apple.X.daily: scheduler ... isn't for 439034 seconds") is
// Drain's blind spot, but two first words ("GET" and "POST") are two statements.
bool SignatureMiner::Impl::RoutesCompatible(const Cluster& c, const Shape& tokens) const {
  for (size_t k = 0; k < tokens.slots.size() && k < kRouteTokens; ++k) {
    const Shape::Slot& m = tokens.slots[k];
    if (!m.literal || c.slots[k] == m.hash || c.slots[k] == kWild) continue;
    // "key=<*>" took values of that key already (a seed's routes as a variable: its first
    // value is not known).
    if (c.keys[k] != 0 && c.keys[k] == m.key && c.slots[k] == KeyWild(c.keys[k])) continue;
    const std::string_view mt = std::string_view(masked_.text).substr(m.begin, m.size);
    if (!IsCompound(c.SlotText(k)) || !IsCompound(mt)) return false;
  }
  return true;
}

void SignatureMiner::Impl::RebuildText(Cluster& c) {
  c.text.clear();
  for (size_t k = 0; k < c.slots.size(); ++k) {
    const std::string_view t = c.SlotText(k);
    if (t.empty()) continue;
    if (!c.text.empty()) c.text.push_back(' ');
    c.text.append(t);
  }
}

void SignatureMiner::Impl::SetSlotText(Cluster& c, size_t k, std::string_view text) {
  const uint32_t old = c.offsets[k + 1] - c.offsets[k];
  c.store.replace(c.offsets[k], old, text);
  const int64_t delta = static_cast<int64_t>(text.size()) - static_cast<int64_t>(old);
  for (size_t j = k + 1; j < c.offsets.size(); ++j) {
    c.offsets[j] = static_cast<uint32_t>(static_cast<int64_t>(c.offsets[j]) + delta);
  }
}

void SignatureMiner::Impl::AddParent(Cluster& c, uint64_t id) {
  c.parents.push_back(id);
  if (c.parents.size() > options_.max_parents) {
    const uint64_t dropped = c.parents.front();
    c.parents.erase(c.parents.begin());
    auto it = by_id_.find(IdKeyOf(c, dropped));
    if (it != by_id_.end() && clusters_[it->second].id != dropped) by_id_.erase(it);
  }
}

uint32_t SignatureMiner::Impl::Create(uint32_t group, const Shape& tokens, uint64_t skeleton,
                                      std::string_view message, WallTime time) {
  const uint32_t log_index = groups_[group].log_index;
  while (logs_[log_index].live >= options_.max_signatures_per_log) Evict(log_index);
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(clusters_.size());
    clusters_.emplace_back();
  }
  Cluster& c = clusters_[slot];
  c.live = true;
  c.flexible = false;
  c.group = group;
  c.bucket = BucketKey(group, tokens);
  c.length = LengthKey(group, tokens);
  c.skeleton = skeleton;
  c.wild_values = 0;
  for (const Shape::Slot& x : tokens.slots) {
    // Only a seed has "<*>" slots here (a message's hashes are SlotHash()es).
    if (x.hash == kWild && !x.word) ++c.wild_values;
    c.slots.push_back(x.hash);
    c.shapes.push_back(x.shape);
    c.keys.push_back(x.key);
    c.words.push_back(
        static_cast<uint8_t>((x.word ? kWordSlot : 0) | (x.exception ? kExceptionSlot : 0)));
    c.offsets.push_back(static_cast<uint32_t>(c.store.size()));
    AppendSanitizedUtf8(std::string_view(masked_.text).substr(x.begin, x.size), &c.store);
  }
  c.offsets.push_back(static_cast<uint32_t>(c.store.size()));
  RebuildText(c);
  c.count = 0;
  c.first_seen = c.last_seen = time;
  AppendSanitizedUtf8(message.substr(0, Utf8PrefixLength(message, options_.max_example_bytes)),
                      &c.example);
  const Group& g = groups_[group];
  c.id = SignatureId(g.level, g.logger, c.text);
  c.serial = ++last_serial_;
  c.marks = 0;
  by_serial_[c.serial] = slot;
  // Add() looked for this template first, so an id taken here is another key's (another
  // logger or level in the same log) or a hash collision: the newest signature gets it.
  by_id_[IdKeyOf(c, c.id)] = slot;
  buckets_[c.bucket].push_back(slot);
  lengths_[c.length].push_back(slot);
  skeletons_[c.skeleton].push_back(slot);
  ++logs_[log_index].live;
  LruPushFront(slot);
  ++stats_.signatures;
  return slot;
}

uint32_t SignatureMiner::Impl::Generalise(uint32_t slot, const Shape& s, bool* changed) {
  Cluster& c = clusters_[slot];
  *changed = false;
  for (size_t k = 0; k < c.slots.size(); ++k) {
    if (c.slots[k] == kWild || c.slots[k] == s.slots[k].hash) continue;
    if (c.keys[k] != 0 && c.keys[k] == s.slots[k].key) {
      // Keep the key: "name=<*>".
      const uint64_t wild = KeyWild(c.keys[k]);
      if (c.slots[k] == wild) continue;
      c.slots[k] = c.shapes[k] = wild;
      const std::string_view t = c.SlotText(k);
      SetSlotText(c, k, std::string(t.substr(0, t.find('=') + 1)) + std::string(kWildText));
    } else {
      c.slots[k] = c.shapes[k] = kWild;
      if (!c.words[k]) ++c.wild_values;
    }
    *changed = true;
  }
  if (!*changed) return slot;
  RebuildText(c);
  const Group& g = groups_[c.group];
  const uint64_t new_id = SignatureId(g.level, g.logger, c.text);
  AddParent(c, c.id);
  c.id = new_id;
  ++stats_.generalised;
  // The new template may be one that exists already (two signatures that each generalised
  // towards the other): one signature, with both lineages.
  auto it = by_id_.find(IdKeyOf(c, new_id));
  if (it != by_id_.end() && it->second != slot) {
    const Cluster& other = clusters_[it->second];
    if (other.live && other.id == new_id && other.group == c.group) {
      return MergeInto(slot, it->second);
    }
  }
  by_id_[IdKeyOf(c, new_id)] = slot;
  return slot;
}

// Rewrites a token-form template in gap form: each run of non-word slots becomes one gap
// (its hash mixes the token hashes, as BuildGaps does; "<*>" if any was), and the signature
// leaves the token-form indexes. Its text, and so its id, do not change.
void SignatureMiner::Impl::MakeFlexible(uint32_t slot) {
  Cluster& c = clusters_[slot];
  Cluster f;
  bool open = false, wild = false;
  uint64_t h = 0, sh = 0;
  std::string gap;
  auto close_gap = [&] {
    f.slots.push_back(!open ? kEmptyGap : wild ? kWild : SlotHash(h));
    f.shapes.push_back(!open ? kEmptyGap : wild ? kWild : SlotHash(sh));
    f.keys.push_back(0);
    f.words.push_back(0);
    f.offsets.push_back(static_cast<uint32_t>(f.store.size()));
    if (open && !wild) f.store.append(gap);
    if (open && wild) ++f.wild_values;
    open = wild = false;
    gap.clear();
  };
  for (size_t k = 0; k < c.slots.size(); ++k) {
    if (c.words[k]) {
      close_gap();
      f.slots.push_back(c.slots[k]);
      f.shapes.push_back(c.shapes[k]);
      f.keys.push_back(c.keys[k]);
      f.words.push_back(c.words[k]);
      f.offsets.push_back(static_cast<uint32_t>(f.store.size()));
      if (c.slots[k] != kWild) f.store.append(c.SlotText(k));
      continue;
    }
    if (!open) {
      h = sh = kFnvOffset;
      open = true;
    } else {
      gap.push_back(' ');
    }
    wild |= c.slots[k] == kWild;
    h = Mix(h, c.slots[k]);
    sh = Mix(sh, c.shapes[k]);
    gap.append(c.SlotText(k));
  }
  close_gap();
  f.offsets.push_back(static_cast<uint32_t>(f.store.size()));
  c.slots = std::move(f.slots);
  c.shapes = std::move(f.shapes);
  c.keys = std::move(f.keys);
  c.words = std::move(f.words);
  c.offsets = std::move(f.offsets);
  c.store = std::move(f.store);
  c.wild_values = f.wild_values;
  RemoveFrom(&buckets_, c.bucket, slot);
  RemoveFrom(&lengths_, c.length, slot);
  c.flexible = true;
  RebuildText(c);
}

uint32_t SignatureMiner::Impl::MergeInto(uint32_t from, uint32_t into) {
  Cluster& f = clusters_[from];
  Cluster& t = clusters_[into];
  t.count += f.count;
  t.first_seen = std::min(t.first_seen, f.first_seen);
  t.last_seen = std::max(t.last_seen, f.last_seen);
  t.marks |= f.marks;
  for (uint64_t p : f.parents) {
    by_id_[IdKeyOf(f, p)] = into;
    AddParent(t, p);
  }
  ++stats_.merged;
  Free(from);
  return into;
}

void SignatureMiner::Impl::Touch(uint32_t slot, WallTime time) {
  Cluster& c = clusters_[slot];
  ++c.count;
  if (time < c.first_seen) c.first_seen = time;
  if (time > c.last_seen) c.last_seen = time;
  if (logs_[groups_[c.group].log_index].head != slot) {
    LruUnlink(slot);
    LruPushFront(slot);
  }
}

void SignatureMiner::Impl::LruUnlink(uint32_t slot) {
  Cluster& c = clusters_[slot];
  LogState& log = logs_[groups_[c.group].log_index];
  if (c.lru_prev != kNone) {
    clusters_[c.lru_prev].lru_next = c.lru_next;
  } else {
    log.head = c.lru_next;
  }
  if (c.lru_next != kNone) {
    clusters_[c.lru_next].lru_prev = c.lru_prev;
  } else {
    log.tail = c.lru_prev;
  }
  c.lru_prev = c.lru_next = kNone;
}

void SignatureMiner::Impl::LruPushFront(uint32_t slot) {
  Cluster& c = clusters_[slot];
  LogState& log = logs_[groups_[c.group].log_index];
  c.lru_prev = kNone;
  c.lru_next = log.head;
  if (log.head != kNone) clusters_[log.head].lru_prev = slot;
  log.head = slot;
  if (log.tail == kNone) log.tail = slot;
}

void SignatureMiner::Impl::Evict(uint32_t log_index) {
  // Among the few least recently seen, the one with the fewest messages: a signature seen
  // once long ago goes before a steady one that only paused.
  uint32_t victim = kNone;
  uint32_t slot = logs_[log_index].tail;
  for (int k = 0; k < kEvictionWindow && slot != kNone; ++k) {
    if (victim == kNone || clusters_[slot].count < clusters_[victim].count) victim = slot;
    slot = clusters_[slot].lru_prev;
  }
  if (victim == kNone) return;
  Unindex(victim);
  Free(victim);
  ++stats_.evicted;
}

void SignatureMiner::Impl::Unindex(uint32_t slot) {
  const Cluster& c = clusters_[slot];
  auto drop = [&](uint64_t id) {
    auto it = by_id_.find(IdKeyOf(c, id));
    if (it != by_id_.end() && it->second == slot) by_id_.erase(it);
  };
  drop(c.id);
  for (uint64_t p : c.parents) drop(p);
}

void SignatureMiner::Impl::RemoveFrom(Index* index, uint64_t key, uint32_t slot) {
  auto it = index->find(key);
  if (it == index->end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), slot), v.end());
  if (v.empty()) index->erase(it);
}

void SignatureMiner::Impl::Free(uint32_t slot) {
  Cluster& c = clusters_[slot];
  LruUnlink(slot);
  if (!c.flexible) {
    RemoveFrom(&buckets_, c.bucket, slot);
    RemoveFrom(&lengths_, c.length, slot);
  }
  RemoveFrom(&skeletons_, c.skeleton, slot);
  --logs_[groups_[c.group].log_index].live;
  --stats_.signatures;
  by_serial_.erase(c.serial);
  const uint32_t generation = c.generation + 1;
  // A fresh value gives the memory back: an evicted signature may have been a long one.
  c = Cluster{};
  c.generation = generation;
  free_slots_.push_back(slot);
}

MineResult SignatureMiner::Impl::Add(const SignatureKey& key, std::string_view message,
                                     WallTime time) {
  ++stats_.messages;
  const uint32_t group = GroupOf(key);
  MineResult result;
  // 0. Memos, so that most records are answered without masking (what keeps mining cheap next
  // to the rule engine): a message seen recently byte for byte, then one that masks like one
  // seen recently (the same but for the digits of its numbers: MaskKey). A busy log repeats
  // its messages, or repeats them but for their numbers and ids.
  MemoEntry* raw = nullptr;
  MemoEntry* memo = nullptr;
  auto answered = [&](MemoEntry* e) {
    if (e->hash == 0 || e->slot == kNone) return false;
    const Cluster& c = clusters_[e->slot];
    return c.live && c.generation == e->generation;
  };
  if (message.size() <= kMemoText && options_.memo_entries > 0) {
    if (memo_.empty()) {
      memo_.resize(options_.memo_entries);
      raw_memo_.resize(options_.memo_entries);
    }
    const uint64_t hr = FastHash64(message) | 1;
    raw = &raw_memo_[Mix(hr, group) & (raw_memo_.size() - 1)];
    if (raw->hash == hr && raw->group == group && raw->text == message && answered(raw)) {
      ++stats_.memo_hits;
      Touch(raw->slot, time);
      Answer(clusters_[raw->slot], &result);
      result.previous_id = result.id;
      return result;
    }
    raw->hash = hr;
    raw->group = group;
    raw->slot = kNone;
    raw->text.assign(message);
    MaskKey(message, &memo_key_);
    const uint64_t h = FastHash64(memo_key_) | 1;
    memo = &memo_[Mix(h, group) & (memo_.size() - 1)];
    if (memo->hash == h && memo->group == group && memo->text == memo_key_ && answered(memo)) {
      ++stats_.memo_hits;
      raw->slot = memo->slot;
      raw->generation = memo->generation;
      Touch(memo->slot, time);
      Answer(clusters_[memo->slot], &result);
      result.previous_id = result.id;
      return result;
    }
    memo->hash = h;
    memo->group = group;
    memo->slot = kNone;
    memo->text.assign(memo_key_);
  }
  MaskMessage(message, options_.mask, &masked_);
  if (masked_.truncated) ++stats_.truncated;
  // 1. The exact lookup: this masked message was seen recently.
  const uint64_t cache_key = Mix(masked_.hash, group);
  if (auto cit = cache_.find(cache_key); cit != cache_.end()) {
    const CacheEntry& e = cit->second;
    if (clusters_[e.slot].live && clusters_[e.slot].generation == e.generation) {
      ++stats_.cache_hits;
      Touch(e.slot, time);
      for (MemoEntry* m : {raw, memo}) {
        if (m != nullptr) {
          m->slot = e.slot;
          m->generation = e.generation;
        }
      }
      Answer(clusters_[e.slot], &result);
      result.previous_id = result.id;
      return result;
    }
  }
  // 2. Drain's step: the templates with as many tokens and the same first words.
  BuildTokens(masked_, &tokens_);
  uint32_t slot = Best(buckets_, BucketKey(group, tokens_), tokens_, false);
  // 3. The same length whatever the first words, if those that differ are compound names.
  if (slot == kNone) {
    slot = Best(lengths_, LengthKey(group, tokens_), tokens_, false);
    if (slot != kNone && !RoutesCompatible(clusters_[slot], tokens_)) slot = kNone;
  }
  if (slot != kNone) {
    result.previous_id = clusters_[slot].id;
    slot = Generalise(slot, tokens_, &result.generalised);
  } else {
    // 4. The same words with another number of variable tokens in between.
    BuildGaps(masked_, &gaps_);
    const uint64_t skeleton = SkeletonKey(group, gaps_);
    slot = Best(skeletons_, skeleton, gaps_, true);
    if (slot != kNone) {
      result.previous_id = clusters_[slot].id;
      if (!clusters_[slot].flexible) MakeFlexible(slot);
      slot = Generalise(slot, gaps_, &result.generalised);
    } else {
      slot = Create(group, tokens_, skeleton, message, time);
      ++stats_.created;
      result.created = true;
    }
  }
  Touch(slot, time);
  Answer(clusters_[slot], &result);
  // Bounded: a full cache starts over (cheaper than an LRU per entry, and refills at once).
  if (cache_.size() >= options_.cache_entries) cache_.clear();
  cache_[cache_key] = CacheEntry{.slot = slot, .generation = clusters_[slot].generation};
  for (MemoEntry* m : {raw, memo}) {
    if (m != nullptr) {
      m->slot = slot;
      m->generation = clusters_[slot].generation;
    }
  }
  return result;
}

uint32_t SignatureMiner::Impl::SlotOf(std::string_view log, uint64_t id) const {
  auto lit = log_index_.find(std::string(log));
  if (lit == log_index_.end()) return kNone;
  auto it = by_id_.find(IdKey(lit->second, id));
  return it == by_id_.end() ? kNone : it->second;
}

std::optional<uint64_t> SignatureMiner::Impl::Resolve(std::string_view log, uint64_t id) const {
  const uint32_t slot = SlotOf(log, id);
  if (slot == kNone) return std::nullopt;
  return clusters_[slot].id;
}

Signature SignatureMiner::Impl::Export(const Cluster& c) const {
  const Group& g = groups_[c.group];
  return Signature{.id = c.id,
                   .template_text = c.text,
                   .log = g.log,
                   .level = g.level,
                   .logger = g.logger,
                   .count = c.count,
                   .first_seen = c.first_seen,
                   .last_seen = c.last_seen,
                   .example = c.example,
                   .parents = c.parents,
                   .serial = c.serial,
                   .marks = c.marks};
}

std::optional<Signature> SignatureMiner::Impl::Find(std::string_view log, uint64_t id) const {
  const uint32_t slot = SlotOf(log, id);
  if (slot == kNone) return std::nullopt;
  return Export(clusters_[slot]);
}

std::optional<Signature> SignatureMiner::Impl::FindSerial(std::string_view log,
                                                          uint64_t serial) const {
  auto it = by_serial_.find(serial);
  if (it == by_serial_.end()) return std::nullopt;
  const Cluster& c = clusters_[it->second];
  if (!c.live || c.serial != serial || groups_[c.group].log != log) return std::nullopt;
  return Export(c);
}

void SignatureMiner::Impl::Mark(std::string_view log, uint64_t id, uint32_t bits) {
  const uint32_t slot = SlotOf(log, id);
  if (slot != kNone) clusters_[slot].marks |= bits;
}

// A seed is rebuilt as Add() would have built its cluster from messages that print it: the
// template masked again (MaskMessage() leaves its placeholders as they are, so the typed
// hashes and shapes are those of masked values), then "<*>" and "key=<*>" turned back into the
// slot hashes Generalise() writes. What the text does not tell is guessed leniently (miner.h,
// "Seeds"): every "<*>" is a value's (not counted against a message, and a gap for the
// skeleton), and a routing slot that generalised routes as a variable.
Result<MineResult> SignatureMiner::Impl::Seed(const SignatureKey& key,
                                              std::string_view template_text, uint64_t count,
                                              WallTime first_seen, WallTime last_seen,
                                              uint32_t marks) {
  // The caps that cut messages must not cut a template: masking made it longer than the
  // message it came from ("1,2,3" -> "<NUM>,<NUM>,<NUM>"). The token cap stays: a template
  // has at most max_tokens tokens, the last maybe "<...>".
  MaskOptions mask = options_.mask;
  mask.max_bytes = std::max(mask.max_bytes, template_text.size());
  mask.max_token_bytes = std::max(mask.max_token_bytes, template_text.size());
  MaskMessage(template_text, mask, &masked_);
  if (masked_.tokens.empty()) return Status::Error("empty template");
  const uint32_t group = GroupOf(key);
  BuildTokens(masked_, &tokens_);
  bool exact = true;  // No "<*>": the template is a masked message.
  for (size_t k = 0; k < tokens_.slots.size(); ++k) {
    Shape::Slot& x = tokens_.slots[k];
    const std::string_view t = masked_.Token(k);
    if (t == kWildText) {
      x.hash = x.shape = kWild;  // No letter: not a word, not literal.
      exact = false;
    } else if (x.key != 0 && t.size() == t.find('=') + 1 + kWildText.size() &&
               t.ends_with(kWildText)) {
      x.hash = x.shape = KeyWild(x.key);
      x.literal = false;
      exact = false;
    }
  }
  // The id of the text as rebuilt: Create() joins the sanitized token texts the same way.
  std::string& text = seed_text_;
  text.clear();
  for (size_t k = 0; k < masked_.tokens.size(); ++k) {
    if (k > 0) text.push_back(' ');
    AppendSanitizedUtf8(masked_.Token(k), &text);
  }
  const Group& g = groups_[group];
  const uint64_t id = SignatureId(g.level, g.logger, text);
  // A template given in another form than the miner's ("took 5 ms") is also found under the
  // id of that form, unless something else has it.
  auto keep_given_id = [&](uint32_t slot) {
    if (text == template_text) return;
    Cluster& c = clusters_[slot];
    const uint64_t given = SignatureId(g.level, g.logger, template_text);
    if (given == c.id || by_id_.count(IdKeyOf(c, given)) != 0) return;
    AddParent(c, given);
    by_id_[IdKeyOf(c, given)] = slot;
  };
  MineResult result;
  if (auto it = by_id_.find(IdKey(g.log_index, id)); it != by_id_.end()) {
    const uint32_t slot = it->second;
    Cluster& c = clusters_[slot];
    if (c.live && c.group == group) {
      result.previous_id = c.id;
      c.count += count;
      c.first_seen = std::min(c.first_seen, first_seen);
      c.last_seen = std::max(c.last_seen, last_seen);
      c.marks |= marks;
      keep_given_id(slot);
      Answer(c, &result);
      return result;
    }
  }
  const uint32_t slot =
      Create(group, tokens_, SkeletonKeyOfTokens(group, tokens_), template_text, first_seen);
  Cluster& c = clusters_[slot];
  c.count = count;
  c.first_seen = first_seen;
  c.last_seen = last_seen;
  c.marks = marks;
  keep_given_id(slot);
  if (exact) {
    // Messages that mask to it take it at once through the exact lookup (their masked hash is
    // the template's), as they would in the miner that printed it, rather than another seed
    // that generalised further and takes them as well (Best() keeps the first of a tie).
    if (cache_.size() >= options_.cache_entries) cache_.clear();
    cache_.insert_or_assign(Mix(masked_.hash, group),
                            CacheEntry{.slot = slot, .generation = c.generation});
  }
  ++stats_.seeded;
  result.created = true;
  Answer(c, &result);
  return result;
}

std::vector<Signature> SignatureMiner::Impl::Signatures() const {
  std::vector<Signature> out;
  out.reserve(stats_.signatures);
  for (const Cluster& c : clusters_) {
    if (c.live) out.push_back(Export(c));
  }
  std::sort(out.begin(), out.end(), [](const Signature& a, const Signature& b) {
    return a.count != b.count ? a.count > b.count : a.id < b.id;
  });
  return out;
}

Status SignatureMiner::CheckOptions(const SignatureMinerOptions& options) {
  if (options.max_signatures_per_log == 0) {
    return Status::Error("max_signatures_per_log must be at least 1");
  }
  if (options.mask.max_tokens == 0 || options.mask.max_bytes == 0) {
    return Status::Error("the message byte and token caps must be at least 1");
  }
  if (!(options.similarity > 0.0 && options.similarity <= 1.0)) {
    return Status::Error("similarity must be in (0, 1]");
  }
  return Status::Ok();
}

Result<std::unique_ptr<SignatureMiner>> SignatureMiner::Create(SignatureMinerOptions options) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  if (options.cache_entries == 0) options.cache_entries = 1;
  // A power of two, so that a slot is a mask of the hash.
  if (options.memo_entries > 0) options.memo_entries = std::bit_ceil(options.memo_entries);
  return std::unique_ptr<SignatureMiner>(
      new SignatureMiner(std::make_unique<Impl>(std::move(options))));
}

SignatureMiner::SignatureMiner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SignatureMiner::~SignatureMiner() = default;

MineResult SignatureMiner::Add(const SignatureKey& key, std::string_view message, WallTime time) {
  return impl_->Add(key, message, time);
}

MineResult SignatureMiner::AddRecord(const Record& record) {
  const SignatureKey key{.log = record.log, .level = record.level, .logger = record.logger};
  const std::string_view text = record.text;
  const size_t max_bytes = impl_->options_.mask.max_bytes;
  // A record of one line (most of them) is its message: no copy.
  const bool one_line =
      record.lines == 1 || (record.lines == 0 && text.find('\n') == std::string_view::npos);
  if (one_line && text.size() - std::min<size_t>(record.message_start, text.size()) <= max_bytes &&
      (text.empty() || text.back() != '\r')) {
    return impl_->Add(key, text.substr(std::min<size_t>(record.message_start, text.size())),
                      record.time);
  }
  ExtractMessage(record, &impl_->scratch_, max_bytes);
  return impl_->Add(key, impl_->scratch_, record.time);
}

Result<MineResult> SignatureMiner::Seed(const SignatureKey& key, std::string_view template_text,
                                        uint64_t count, WallTime first_seen, WallTime last_seen,
                                        uint32_t marks) {
  return impl_->Seed(key, template_text, count, first_seen, last_seen, marks);
}

void SignatureMiner::Mark(std::string_view log, uint64_t id, uint32_t bits) {
  impl_->Mark(log, id, bits);
}

std::optional<uint64_t> SignatureMiner::Resolve(std::string_view log, uint64_t id) const {
  return impl_->Resolve(log, id);
}
std::optional<Signature> SignatureMiner::Find(std::string_view log, uint64_t id) const {
  return impl_->Find(log, id);
}
std::optional<Signature> SignatureMiner::FindSerial(std::string_view log, uint64_t serial) const {
  return impl_->FindSerial(log, serial);
}
std::vector<Signature> SignatureMiner::Signatures() const { return impl_->Signatures(); }
const SignatureMinerStats& SignatureMiner::stats() const { return impl_->stats_; }
const SignatureMinerOptions& SignatureMiner::options() const { return impl_->options_; }

}  // namespace cg
