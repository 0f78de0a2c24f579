// ChangeTracker: what is new or growing since the cutover, per message signature.
//
// The engine hands it every record of the logs its change detectors read (rules with
// condition new_signature, signature_rate or error_storm; see rule_spec.h). It keeps:
//   - a SignatureMiner (rules/signatures/miner.h) seeded with the baseline snapshot's
//     templates (marked kMarkBaseline), so that live messages of a statement the old
//     environment also printed join its signature;
//   - per log, the traffic: records of every level, before the cutover (part of the baseline)
//     and per minute after it;
//   - per signature at WARN and above (the only ones mined: INFO never raises anything, and
//     mining only those keeps replay at ripgrep's speed): its baseline count (the snapshot's
//     plus the records before the cutover), its records per minute since the cutover, whether
//     a log rule matched it (an error storm is only reported for errors no rule covers), and
//     its first record since the cutover as evidence.
// Records before the cutover mark are the baseline when no snapshot covers their log (their
// signatures are marked kMarkPreCutover): that is what "before" means without a snapshot.
//
// What "known" means: the signature carries a mark (baseline snapshot or before the cutover).
// A log "has a baseline" when the snapshot lists it or records of it were seen before the
// cutover; without one, the detectors that compare with a baseline stay quiet.
//
// Ids follow the miner: when a template generalises its id changes (OnRecord reports the
// previous one so that callers keyed by id can follow); when two signatures merge their
// statistics add up.
//
// Bounds: the miner's (max_signatures_per_log per log); at most `max_tracked` signatures with
// statistics (the least recently seen one is dropped first), ~400 bytes each plus the first
// evidence (<= kEvidenceMaxBytes). Not thread-safe: the engine's loop owns it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "collectors/record.h"
#include "rules/alert.h"
#include "rules/change/minute_ring.h"
#include "rules/signatures/baseline.h"
#include "rules/signatures/miner.h"

namespace cg {

// Mark bits on miner signatures.
inline constexpr uint32_t kMarkBaseline = 1;    // From the baseline snapshot.
inline constexpr uint32_t kMarkPreCutover = 2;  // Seen before the cutover mark.

// Statistics of one signature (WARN and above).
struct ChangeSignature {
  uint64_t id = 0;  // Current signature id (follows generalisation).
  std::string hex;  // HexId(id).
  std::string log;
  size_t log_index = 0;  // Into the tracker's logs.
  Level level = Level::kUnknown;
  std::string logger;
  uint32_t marks = 0;            // kMark* bits: known when non-zero.
  uint64_t baseline_count = 0;   // Snapshot count + records before the cutover.
  uint64_t before_count = 0;     // Of which records before the cutover.
  std::string baseline_example;  // The snapshot's example message, if seeded.
  uint64_t count = 0;            // Records since the cutover.
  WallTime first_seen{};         // First and latest record since the cutover.
  WallTime last_seen{};
  MinuteRing recent;     // Records since the cutover, per minute.
  bool covered = false;  // A log rule matched one of its records.
  bool has_first = false;
  Evidence first;      // Its first record since the cutover.
  bool dirty = false;  // Had a record since the last TakeDirty().
  // The engine's scratch: its log slot, computed at evaluation `slot_tick`.
  size_t slot = 0;
  uint64_t slot_tick = 0;
  // ... and the window counts it computed then: for `window_minutes`, k records in `busy`
  // minutes (rules with the same window share them).
  struct WindowCount {
    int minutes = 0;
    uint64_t k = 0, busy = 0;
  };
  WindowCount windows[2];
  WallTime at{};  // Where its windows end at that evaluation (engine_change.cc).
  // Set by the engine's signature_rate evaluation (the last one).
  bool regressed = false;
  double ratio = 0, p_value = 1;
  bool known() const { return marks != 0; }
};

// Per log: the traffic.
struct ChangeLog {
  std::string name;
  uint64_t snapshot_records = 0;  // From the baseline snapshot.
  double snapshot_hours = 0;
  uint64_t before_records = 0;  // Records before the cutover mark ...
  std::array<uint64_t, kBaselineLevelCount> before_by_level{};  // ... by level.
  std::optional<WallTime> before_first, before_last;
  uint64_t records = 0;                    // Records since the cutover.
  MinuteRing recent;                       // Records since the cutover, per minute.
  uint64_t new_signatures[3] = {0, 0, 0};  // New since the cutover: WARN, ERROR, FATAL.
  uint64_t BaselineRecords() const { return snapshot_records + before_records; }
  bool HasBaseline() const { return snapshot_records > 0 || before_records > 0; }
  // Hours the baseline covers (snapshot span + pre-cutover span); at least one minute.
  double BaselineHours() const;
};

struct ChangeTrackerOptions {
  SignatureMinerOptions miner{};
  size_t max_tracked = 4096;  // Signatures with statistics.
};

// Where "before" comes from, for the status.
struct BaselineStatus {
  std::string source;                // "snapshot", "pre-cutover", "snapshot+pre-cutover" or "none".
  uint64_t signatures = 0;           // Signatures seeded from the snapshot.
  std::vector<std::string> sources;  // The snapshot's own sources (files it was learned from).
  std::vector<std::string> logs;     // Logs with a baseline.
};

class ChangeTracker {
 public:
  // Seeds the miner with `baseline` (may be null). Errors: invalid miner options.
  static Result<std::unique_ptr<ChangeTracker>> Create(ChangeTrackerOptions options,
                                                       std::shared_ptr<const Baseline> baseline);
  ~ChangeTracker();
  ChangeTracker(const ChangeTracker&) = delete;
  ChangeTracker& operator=(const ChangeTracker&) = delete;

  // One record of a watched log, at `now` (its own time in replay). `observing`: at or after
  // the cutover mark. `covered`: a log rule matched it. Returns the signature's statistics if
  // the record was mined (WARN and above), else null; *previous_id is set to the id the
  // signature had before this record when it changed (generalised or merged), else 0. The
  // pointer stays valid until the next call.
  ChangeSignature* OnRecord(const Record& record, WallTime now, bool observing, bool covered,
                            uint64_t* previous_id);
  // The index of a log's traffic counters (stable for the tracker's life), and the fast path
  // for a record below WARN: only counted as traffic (OnRecord does the same and mines).
  size_t LogIndex(std::string_view name);
  void CountTraffic(size_t log_index, WallTime now, bool observing, Level level) {
    ChangeLog& log = logs_[log_index];
    if (observing) {
      ++log.records;
      log.recent.Add(now);
    } else {
      CountBefore(log, now, level);
    }
  }

  // What the records before the cutover mark looked like, as a snapshot (the daemon keeps it
  // in its state directory, so that a restart after the cutover still has a baseline): every
  // log with records before the mark (records by level, span) and the WARN+ signatures seen
  // then, with their counts before the mark. `sources` names where it came from.
  Baseline PreCutoverBaseline(WallTime now, std::vector<std::string> sources) const;

  const ChangeLog* FindLog(std::string_view name) const;
  const std::vector<ChangeLog>& logs() const { return logs_; }
  bool HasBaseline(std::string_view log) const;
  // Signatures with a record since the cutover within the last hour at `now` (clears the
  // dirty list: everything that could have changed is in it).
  std::vector<ChangeSignature*> Active(WallTime now);
  // Signatures with a record since the cutover since the last call (or Active()): the only
  // ones whose counts changed while the minute did not.
  std::vector<ChangeSignature*> TakeDirty();
  bool has_dirty() const { return !dirty_.empty(); }
  // Every tracked signature with records since the cutover.
  std::vector<const ChangeSignature*> Tracked() const;
  // The current template of a signature ("" if the miner evicted it).
  std::string Template(const ChangeSignature& s) const;
  std::string Example(const ChangeSignature& s) const;
  BaselineStatus baseline_status() const;
  const SignatureMinerStats& miner_stats() const;

 private:
  ChangeTracker(ChangeTrackerOptions options, std::unique_ptr<SignatureMiner> miner,
                std::shared_ptr<const Baseline> baseline);
  static void CountBefore(ChangeLog& log, WallTime now, Level level);
  void DropOldest();

  ChangeTrackerOptions options_;
  std::unique_ptr<SignatureMiner> miner_;
  std::shared_ptr<const Baseline> baseline_;
  uint64_t seeded_ = 0;
  std::vector<ChangeLog> logs_;
  size_t last_log_ = 0;
  // Keyed by Key(log index, current id) (ids are unique per log only; 64-bit ids make a
  // collision between logs negligible).
  static uint64_t Key(size_t log_index, uint64_t id) {
    return id ^ ((log_index + 1) * 0x9e3779b97f4a7c15ULL);
  }
  std::unordered_map<uint64_t, std::unique_ptr<ChangeSignature>> sigs_;
  // Snapshot signatures not tracked yet: Key(log, seeded id) -> indices into
  // baseline_->signatures (two snapshot entries can seed one signature).
  std::unordered_map<uint64_t, std::vector<uint32_t>> seeds_;
  void AddSeeds(size_t li, uint64_t id, ChangeSignature* s);
  std::vector<uint64_t> dirty_;  // Keys of signatures with records since the last take.
};

}  // namespace cg
