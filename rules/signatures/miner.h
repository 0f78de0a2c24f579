// SignatureMiner: online, one-pass template mining of log messages into signatures.
//
// A signature is a message template: the message masked (mask.h: typed placeholders for
// numbers, addresses, ids, paths, quoted values...), then generalised where messages of the
// same statement differ (a differing token becomes "<*>", a key=value token "key=<*>").
// Signatures are kept apart per key (log, level, logger). Every message is assigned to exactly
// one signature when it is added; later messages may generalise that signature or merge it
// into another, and its id then changes (see "Ids and lineage").
//
// Per message, the first step that answers wins (miner.cc has the reasons and the scores):
//   0. memo: a message that masks like one seen recently (MaskKey: the same but for the
//      digits of its numbers) gets that one's signature, without masking;
//   1. cache: the masked message was seen recently: its signature;
//   2. Drain's step: among the signatures with as many tokens and the same first two literal
//      words, the most similar one, if its similarity clears `similarity`;
//   3. the same among all signatures with as many tokens, when the first words that differ
//      are compound names ("com.apple.X.daily:"), not plain words ("GET" / "POST"), or
//      key=value tokens whose value the signature generalised already ("topActivity=<*>");
//   4. the skeleton: among signatures with the same words in the same order and another
//      number of variable tokens between them ("451 bytes sent" / "451 bytes (1.16 KB)
//      sent"), the most similar; that signature then compares words and "gaps" instead of
//      tokens from then on;
//   5. otherwise a new signature.
// Similarity compares token shapes (a value's type does not tell statements apart), counts
// key=value tokens with the same key as equal, ignores "<*>" that replaced values, and treats
// a word that stayed the same over constant_after messages as a constant (a message with
// another word there is another statement: a new signature, not a "<*>").
//
// Ids and lineage: a signature's id is FNV-1a 64 over its level, logger and template text
// (SignatureId), so the same template gets the same id in every process, on every host and
// after every restart, and the template (so the id) a set of messages ends with does not
// depend on their order. The log name is not part of it (ids are unique per log; the miner
// keeps logs apart). When a template generalises, or two signatures merge, the result has a
// new id and lists the ids it replaced in `parents` (oldest first, at most max_parents);
// Resolve() maps any of them to the current signature.
//
// Serials and marks: every signature also has a serial, from a per-miner counter at creation
// (1, 2, ...; never reused), which stays when its template generalises (its id changes) and,
// when two merge, is the surviving one's; and `marks`, bits the caller defines (e.g. "in the
// baseline", "seen before the cutover"), set by Seed() and Mark(), kept when the template
// generalises, OR-ed when two signatures merge. An evicted signature loses both: if its
// statement comes back it is a new signature (new serial, no marks).
//
// Seeds: Seed() adds a signature known in advance from its template text (a baseline
// snapshot learned from another environment), so that live messages of that statement join
// it through the steps above. The seeded template is rebuilt as the miner would hold it after
// mining messages that print it: "<*>" slots are wildcards, "key=<*>" keeps its key, other
// tokens go through MaskMessage() (which leaves its own placeholders as they are). Two things
// a text does not tell are guessed: a "<*>" counts as having replaced values, not words (the
// lenient choice: it never lowers a message's similarity), and a flexible template (one that
// took messages with a different number of variable tokens) is rebuilt in token form; the
// skeleton step makes it flexible again when a live message needs it. A live message whose
// words differ from a flexible seed's in number (a "<*>" that stood for a word, in a message
// of another length) therefore starts a signature of its own. A message that masks to a
// seeded template without "<*>" joins that seed first (the exact lookup), as it did in the
// miner that printed it; otherwise, of two seeds that take it equally well, the first seeded.
//
// Bounds: at most max_signatures_per_log per log; creating (or seeding) one more evicts the
// least recently seen signature of that log (among the 8 least recently seen, the one with
// the fewest messages; a seed counts as just seen), counted in stats().evicted. Messages are
// cut at MaskOptions::max_bytes and max_tokens, examples at max_example_bytes, parents at
// max_parents, the cache at cache_entries, the memo at memo_entries; the serial index holds
// live signatures only. Memory is therefore bounded whatever the input (bench/signatures
// measures ~40 MiB peak with 1M distinct messages and the defaults).
//
// Time is a parameter (the record's time): first_seen/last_seen are what the caller passes.
// Not thread-safe: one miner per thread (the daemon's loop owns it). Copying is disabled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "collectors/record.h"
#include "rules/signatures/mask.h"

namespace cg {

struct SignatureMinerOptions {
  MaskOptions mask{};
  // Signatures kept per log (all levels and loggers of it together); 0 is refused.
  size_t max_signatures_per_log = 10000;
  size_t max_example_bytes = 256;  // Bytes kept of a signature's example message.
  size_t max_parents = 32;         // Former ids kept per signature (oldest dropped).
  size_t cache_entries = 1 << 16;  // Masked messages remembered for the exact lookup.
  // Slots of each of the two memos in front of masking (a message seen recently byte for
  // byte; one that masks like one seen recently, by MaskKey), for messages up to 1 KiB; 0
  // turns them off. Rounded up to a power of two. Each slot keeps its text: at most ~1 KiB,
  // about 100 bytes for typical messages.
  size_t memo_entries = 4096;
  // Similarity a message needs to join a signature (0 < s <= 1): the share of its slots that
  // are equal to the template's (miner.cc has the exact score).
  double similarity = 0.8;
  // Messages after which a word that never varied counts as part of the statement: a message
  // with another word there starts a signature of its own instead of generalising this one.
  uint64_t constant_after = 100;
};

// Which signatures a message is compared with. The views must stay valid during the call.
struct SignatureKey {
  std::string_view log;
  Level level = Level::kUnknown;
  std::string_view logger;
};

// A copy of one signature's state.
struct Signature {
  uint64_t id = 0;            // SignatureId(level, logger, template_text).
  std::string template_text;  // Masked tokens and "<*>", separated by one space; valid UTF-8.
  std::string log;
  Level level = Level::kUnknown;
  std::string logger;
  uint64_t count = 0;     // Messages assigned to it (including those of signatures merged in).
  WallTime first_seen{};  // Earliest and latest time passed with one of its messages.
  WallTime last_seen{};
  // The first message, cut at max_example_bytes; valid UTF-8. A seeded signature's is its
  // template as seeded.
  std::string example;
  std::vector<uint64_t> parents;  // Ids it replaced, oldest first.
  uint64_t serial = 0;            // Per miner, from 1; kept when the template generalises.
  uint32_t marks = 0;             // The caller's bits (Seed(), Mark()).
};

// What Add() did with a message (or Seed() with a template).
struct MineResult {
  uint64_t id = 0;  // The signature the message now belongs to (its current id).
  // The id that signature had before this call; 0 if it was created. It differs from `id`
  // when the template generalised or merged into another: a caller keyed by id re-keys.
  uint64_t previous_id = 0;
  uint64_t serial = 0;       // The signature's serial (stays when the id changes).
  uint32_t marks = 0;        // The signature's marks, after this call.
  bool created = false;      // A new signature was started for it.
  bool generalised = false;  // It changed the template of an existing signature (new id).
};

struct SignatureMinerStats {
  uint64_t messages = 0;     // Add() calls.
  uint64_t memo_hits = 0;    // Answered by the memo (no masking).
  uint64_t cache_hits = 0;   // Answered by the exact lookup of the masked message.
  uint64_t created = 0;      // Signatures started by Add().
  uint64_t seeded = 0;       // Signatures started by Seed().
  uint64_t generalised = 0;  // Templates that gained a "<*>".
  uint64_t merged = 0;       // Signatures merged into another.
  uint64_t evicted = 0;      // Signatures dropped by the per-log cap.
  uint64_t truncated = 0;    // Messages cut at the byte or token cap.
  uint64_t signatures = 0;   // Signatures alive now.
};

// The id of a template: FNV-1a 64 of "<level name>\x1f<logger>\x1f<template>".
uint64_t SignatureId(Level level, std::string_view logger, std::string_view template_text);

class SignatureMiner {
 public:
  // Errors: max_signatures_per_log, mask.max_tokens or max_bytes 0; similarity outside (0, 1].
  static Result<std::unique_ptr<SignatureMiner>> Create(SignatureMinerOptions options);
  // The same checks, without building a miner (for a caller that builds one later).
  static Status CheckOptions(const SignatureMinerOptions& options);
  ~SignatureMiner();
  SignatureMiner(const SignatureMiner&) = delete;
  SignatureMiner& operator=(const SignatureMiner&) = delete;

  // Mines one message (already extracted: message.h) seen at `time`.
  MineResult Add(const SignatureKey& key, std::string_view message, WallTime time);
  // Mines a record: its log, level, logger, time and ExtractMessage() text.
  MineResult AddRecord(const Record& record);

  // Adds a signature known in advance (a baseline snapshot's) to key.log: `template_text` as
  // Signature::template_text printed it (masked tokens and "<*>", one space apart). The
  // signature starts with `count` messages (so its words are constants once count reaches
  // constant_after, as if it had seen them), first/last seen as given, and mark bits
  // `marks`; its example is the template. Its id is SignatureId(key.level, key.logger, text)
  // of the text as rebuilt (see "Seeds" above): that of `template_text` for any template the
  // miner printed; otherwise (a hand-written "took 5 ms" becomes "took <DUR>") the id of
  // `template_text` is kept as a parent, so Resolve() and Mark() find it under both. If a
  // signature known under that id exists (current or former id), it gains the count, marks
  // and times instead (`created` false). Seeds obey the per-log cap like any signature (one
  // more than the cap evicts). The result's `generalised` is false. Errors: an empty (or
  // all-blank) template.
  Result<MineResult> Seed(const SignatureKey& key, std::string_view template_text, uint64_t count,
                          WallTime first_seen, WallTime last_seen, uint32_t marks);

  // ORs `bits` into the marks of the signature of `log` known under `id` (current or former
  // id); nothing if there is none (evicted, never seen).
  void Mark(std::string_view log, uint64_t id, uint32_t bits);

  // The current id of the signature of `log` known under `id` now or earlier (a parent id),
  // if it is still kept.
  std::optional<uint64_t> Resolve(std::string_view log, uint64_t id) const;
  // A copy of the signature of `log` known under `id` (current or former id).
  std::optional<Signature> Find(std::string_view log, uint64_t id) const;
  // A copy of the signature of `log` with this serial, if it is still kept (an index: O(1)).
  std::optional<Signature> FindSerial(std::string_view log, uint64_t serial) const;
  // Copies of every signature, most messages first (ties: by id).
  std::vector<Signature> Signatures() const;

  const SignatureMinerStats& stats() const;
  const SignatureMinerOptions& options() const;

 private:
  class Impl;
  explicit SignatureMiner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg
