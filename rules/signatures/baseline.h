// The baseline snapshot: what the old environment's logs said, as message signatures with
// counts and the traffic volume they came with, so that the new environment's messages can be
// judged against it ("new since the cutover", "ten times as frequent").
//
// A Baseline is learned from whole log files (LearnBaseline: the collectors' assembler, then
// one SignatureMiner), or merged from several (MergeBaseline), and saved as a portable JSON
// file (`cutover-guard baseline learn`). Signature ids are derived (SignatureId of level,
// logger and template: miner.h), so a baseline learned on one host matches the signatures
// mined on another.
//
// Snapshot file (version 1; BaselineToJson writes it, BaselineFromJson reads it):
//
//   {"format": "cutover-guard-baseline", "version": 1,
//    "learned_at": "2026-12-06T01:02:03.000Z",
//    "sources": ["/var/log/wso2/wso2carbon.log", ...],
//    "logs": [{"name": "carbon", "records": 123456,
//              "levels": {"INFO": 120000, "WARN": 3000, "ERROR": 456},
//              "first": "2026-12-03T00:00:00.123Z", "last": "2026-12-06T00:00:00.456Z",
//              "hours": 72.0}],
//    "signatures": [{"id": "9f3c0a1b2c3d4e5f", "log": "carbon", "level": "ERROR",
//                    "logger": "org.apache.synapse.transport.passthru.TargetHandler",
//                    "template": "Connection refused <IP>:<NUM>", "count": 17,
//                    "rate_per_hour": 0.236, "first_seen": "...", "last_seen": "...",
//                    "example": "Connection refused 10.0.0.5:8243"}]}
//
//   - Times are RFC 3339 UTC with milliseconds (FormatRfc3339); everything is kept at
//     millisecond precision, so a snapshot reads back equal to what was saved.
//   - Levels are "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", or "UNKNOWN" (records
//     without a level: lines before the first entry, plain logs). `levels` lists the levels
//     that have records; their counts add up to `records`.
//   - `hours` and `rate_per_hour` (count / its log's hours) are derived: written for readers,
//     ignored when loading. `id` is derived too: an id that does not equal SignatureId(level,
//     logger, template) is recomputed (the template is the truth; a missing id is computed),
//     and two entries that end with the same log and id are merged.
//   - Unknown keys are ignored (a later 1.x writer may add some); a `version` above 1 is
//     refused. One signature or log per line, so snapshots diff and grep well.
//
// Loading is bounded whatever the file holds: at most kMaxBaselineFileBytes, nesting depth
// kMaxBaselineJsonDepth, kMaxBaselineSignatures signatures, kMaxBaselineLogs logs,
// kMaxBaselineSources sources, strings within the caps below and valid UTF-8 (no NUL). Anything
// else is an error naming the origin and the JSON path ("baseline.json: signatures[3].count:
// expected a non-negative integer"), never an exception or a crash.
//
// Everything here is a plain value or a pure function (apart from reading and writing the
// files named); thread-safe as long as callers do not share a Baseline being modified.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "collectors/logs/log_spec.h"
#include "collectors/record.h"
#include "rules/signatures/miner.h"

namespace cg {

// Identifies the file format (`format`) and the version this code writes and reads.
inline constexpr std::string_view kBaselineFormat = "cutover-guard-baseline";
inline constexpr int kBaselineVersion = 1;

// Bounds of a snapshot (loading refuses more; learning and merging keep within them).
inline constexpr uint64_t kMaxBaselineFileBytes = 64ull << 20;
inline constexpr size_t kMaxBaselineJsonDepth = 8;
inline constexpr size_t kMaxBaselineSignatures = 200000;
inline constexpr size_t kMaxBaselineLogs = 64;
inline constexpr size_t kMaxBaselineSources = 100000;
inline constexpr size_t kMaxBaselineTextBytes = 8192;  // template, logger, example.
inline constexpr size_t kMaxBaselineNameBytes = 1024;  // log names.
inline constexpr size_t kMaxBaselinePathBytes = 4096;  // sources.
// Bytes of a signature's example kept by LearnBaseline (cut at a UTF-8 boundary).
inline constexpr size_t kBaselineExampleBytes = 256;

// Levels are indexed by their cg::Level value (kUnknown = 0 ... kFatal).
inline constexpr size_t kBaselineLevelCount = static_cast<size_t>(Level::kFatal) + 1;

// The snapshot's name of a level: LevelName(), and "UNKNOWN" for Level::kUnknown.
std::string_view BaselineLevelName(Level level);

struct BaselineSignature {
  uint64_t id = 0;  // SignatureId(level, logger, template_text).
  std::string log;  // Log name (the config's logs[].name: carbon, gw-errors, ...).
  Level level = Level::kUnknown;
  std::string logger;
  std::string template_text;
  uint64_t count = 0;  // Messages seen.
  WallTime first_seen{}, last_seen{};
  std::string example;  // The first message, at most kBaselineExampleBytes when learned.
  bool operator==(const BaselineSignature&) const = default;
};

struct BaselineLog {
  std::string name;
  uint64_t records = 0;  // All records of the log, every level: the traffic volume.
  std::array<uint64_t, kBaselineLevelCount> by_level{};  // Records per level.
  WallTime first{}, last{};                              // Time span covered (record timestamps).
  // (last - first) in hours, at least 1/60 (one minute), so rates stay finite.
  double Hours() const;
  bool operator==(const BaselineLog&) const = default;
};

struct Baseline {
  // Files it was learned from (or a description such as "pre-cutover records").
  std::vector<std::string> sources;
  WallTime learned_at{};
  std::vector<BaselineLog> logs;              // Sorted by name; names unique.
  std::vector<BaselineSignature> signatures;  // Most messages first (ties: log, then id).
  // The log named `name`, or null. The pointer is valid until `logs` changes.
  const BaselineLog* FindLog(std::string_view name) const;
  bool operator==(const Baseline&) const = default;
};

struct LearnOptions {
  SignatureMinerOptions miner{};
  // Records mined into signatures: this level and above (INFO never matters for "new"). Every
  // record, whatever its level, is counted in its log's volume. Level::kUnknown mines all.
  Level min_level = Level::kWarn;
};

struct LearnInput {
  std::filesystem::path path;
  LogSpec spec;  // name, format, entry_start, timezone, max_line are used.
};

// Reads every file in order (ReadRecordsFromFile: plain or gzip, the assembler of live
// tailing), counts every record per log and level with the time span, and mines the records
// at min_level and above with one SignatureMiner (key: log, level, logger). The span is that
// of the records with a timestamp of their own; a log where none has one (plain text) gets
// the span of the times it was read with (the file's mtime). `now` becomes learned_at.
// Signatures whose logger or template is over kMaxBaselineTextBytes are left out, then the
// rarest beyond kMaxBaselineSignatures or beyond what fits in kMaxBaselineFileBytes (with
// templates and examples of a few hundred bytes that is ~100,000), and sources beyond their
// cap, so the result can always be saved and loaded.
// Errors: invalid miner options, an unreadable or corrupt file (nothing partial is returned),
// more than kMaxBaselineLogs log names.
[[nodiscard]] Result<Baseline> LearnBaseline(const std::vector<LearnInput>& inputs,
                                             const LearnOptions& options, WallTime now);

// Adds `from` into `*into`: sources are appended (those not already listed), logs of the same
// name add their records and levels and widen their span, signatures with the same log and id
// add their counts (saturating) and widen their span (the example of the earlier one is
// kept); learned_at becomes the later of the two. The result is sorted and capped as
// LearnBaseline's. `into` must not be `&from`.
void MergeBaseline(const Baseline& from, Baseline* into);

// A mined signature as a snapshot entry, as LearnBaseline writes it: logger and template
// sanitised to UTF-8 (the id recomputed if that changed them), times to the millisecond, the
// example cut at kBaselineExampleBytes; `count` is the entry's count.
BaselineSignature ToBaselineSignature(const Signature& s, uint64_t count);
// What LearnBaseline does last, for a Baseline built another way (ChangeTracker's records
// before the cutover): times to the millisecond, then sorted and capped like a learned one
// (entries that could not be loaded back dropped, the rarest beyond the caps left out), so
// that SaveBaseline accepts it.
void FinishBaseline(Baseline* b);

// The snapshot file's text (see the top of this file). Strings that are not valid UTF-8 are
// written with U+FFFD in place of the bad bytes.
std::string BaselineToJson(const Baseline& b);

// Parses a snapshot. `origin` (a file name) starts every error message.
[[nodiscard]] Result<Baseline> BaselineFromJson(std::string_view text, std::string_view origin);

// Writes BaselineToJson(b) atomically (temp file, fsync, rename). Errors: I/O, or a baseline
// over the bounds LoadBaseline enforces (more than kMaxBaselineLogs logs...), so that a saved
// snapshot can always be loaded.
[[nodiscard]] Status SaveBaseline(const Baseline& b, const std::filesystem::path& path);

// Reads (at most kMaxBaselineFileBytes) and parses a snapshot; errors start with the path.
[[nodiscard]] Result<Baseline> LoadBaseline(const std::filesystem::path& path);

// Whether `path` looks like a snapshot rather than a log: its first 4 KiB (at most; nothing
// more is read) are the start of a JSON object with "format": "cutover-guard-baseline". False
// for unreadable files. Loading may still fail (a damaged snapshot).
bool LooksLikeBaselineSnapshot(const std::filesystem::path& path);

}  // namespace cg
