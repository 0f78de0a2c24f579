// LogTailer: follows one configured log (a file or a glob) so that every line written is
// handed on exactly once, across rotation, truncation and restarts.
//
// Identity. A file is known by device + inode + a fingerprint of its first bytes, never by its
// path: a rotated sibling matched by a glob (wso2carbon*.log) is recognised and not read again;
// a re-created file that reuses an inode number is recognised as new.
//
// Hazards handled (one integration test each in tests/logs/tailer_hazards_test.cc):
//   - rename rotation: the old inode is drained to its end (through the descriptor we hold,
//     even if it was renamed again or deleted), then the new file is read from 0;
//   - copytruncate: a size below the read position (or changed first bytes) means the file was
//     rewritten; the rest of the old content is read from the copy when one is found in the
//     directory (same fingerprint, same bytes before our position, .gz too), then the file is
//     read from 0. Without a copy, or with a copy shorter than what we saw, a gap is counted;
//   - delete + re-create, late files (one notice while waiting, not one per poll);
//   - restart: offsets come from the checkpoint; files rotated while the daemon was down are
//     found by identity in the directory and finished first, then unknown rotated siblings
//     (oldest first), then the live file;
//   - a partial last line is held until its newline; over-long lines are cut at max_line and
//     counted; memory stays bounded whatever the bytes.
// Where certainty is lost (a checkpointed file vanished, a truncation without a copy, a corrupt
// checkpoint) the tailer counts a gap event and says so through the notice sink.
//
// Delivery is at-least-once across crashes and exactly-once across clean stops: the checkpoint
// stores, per file, the offset just past the last record handed on; a pending multi-line record
// is re-read after a restart. Records are handed on in file order; files in discovery order.
//
// Threading: not thread-safe. Create, Poll, FlushIdle, Checkpoint and status are called from
// one thread (the daemon's event loop). The registry is only written through (thread-safe).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/clock.h"
#include "base/state_file.h"
#include "base/status.h"
#include "collectors/logs/checkpoint.h"
#include "collectors/logs/log_spec.h"
#include "collectors/logs/record_assembler.h"

namespace prometheus {
class Registry;
}

namespace cg {

class TrackedFile;
class RotatedNameMatcher;
class TailMetrics;
class RecordFormat;
struct DirEntry;
struct ReadEnv;

struct LogTailerOptions {
  LogSpec spec;
  // Checkpoints go to <state_dir>/logs/<name>.json. Empty: no checkpoints (every start is a
  // first start).
  std::filesystem::path state_dir;
  // When set, resume from this checkpoint instead of the file in state_dir (the daemon keeps
  // offsets together with its alert state, so that both are from the same moment).
  std::optional<CheckpointState> checkpoint;
  prometheus::Registry* registry = nullptr;     // Not owned; may be null (no metrics).
  const Clock* clock = &RealClock::Instance();  // Not owned; must outlive the tailer.
  NoticeSink notice;                            // May be empty.
  // A rotated (renamed or deleted) file stays open this long after its last growth, for
  // writers that still hold it; then its partial last line is handed on and it is closed.
  std::chrono::milliseconds rotate_wait{5000};
  // A live file idle this long is closed (and re-opened when it grows), bounding descriptors.
  std::chrono::milliseconds close_inactive{5 * 60 * 1000};
  // Bytes read per Poll() before yielding (backlog() then says more is waiting), so a large
  // backlog never stalls the event loop.
  uint64_t max_bytes_per_poll = 64ull << 20;
  // Identities of finished rotated files remembered (and checkpointed) so they are never read
  // again; oldest forgotten first.
  size_t max_retired = 256;
};

class LogTailer {
 public:
  // Compiles the format, creates <state_dir>/logs and restores the checkpoint. Errors: bad
  // format/regex/zone, state directory not creatable. A damaged checkpoint is not an error: it
  // is set aside (renamed *.corrupt) and the previous generation (<name>.json.prev, one write
  // older) is used; only when both are unusable does start_at apply, counted as a gap and
  // reported through the notice sink. See base/state_file.h.
  static Result<std::unique_ptr<LogTailer>> Create(LogTailerOptions options);
  ~LogTailer();
  LogTailer(const LogTailer&) = delete;
  LogTailer& operator=(const LogTailer&) = delete;

  // Looks for new, rotated and truncated files and reads what is available (up to
  // max_bytes_per_poll), handing records to `sink` in order. Never throws; problems are
  // counted, kept in status().last_error and reported through the notice sink.
  void Poll(const RecordSink& sink);
  // Reads what the files already followed hold, without looking for new or rotated files
  // (truncation is still detected). For bursts of "file modified" events; Poll() does the rest.
  void PollOpenFiles(const RecordSink& sink);
  // Hands on pending records whose last line is older than flush_timeout.
  void FlushIdle(const RecordSink& sink);
  // Persists the committed offsets atomically (temp + fsync + rename) if they changed since
  // the last successful write. Ok without a state_dir.
  [[nodiscard]] Status Checkpoint();
  // What Checkpoint() would write now (for callers that keep offsets with their own state).
  CheckpointState CurrentCheckpoint() const;
  LogStatus status() const;
  // Which checkpoint generation Create() resumed from, and why a newer one was refused.
  StateSource restored_from() const { return restored_from_; }
  const std::string& restore_problem() const { return restore_problem_; }

  // --- For LogWatcher. ---
  const LogSpec& spec() const { return options_.spec; }
  // Directories whose entries decide what this log reads (inotify watches).
  std::vector<std::filesystem::path> WatchDirectories() const;
  // Whether a change to `file_name` in a watched directory can matter to this log.
  bool Interested(std::string_view file_name) const;
  // When FlushIdle() next has something to do (nullopt: no pending record).
  std::optional<MonoTime> NextFlushDeadline() const;
  // The same, relative to the tailer's clock (<= 0: due now).
  std::optional<std::chrono::nanoseconds> TimeUntilFlush() const;
  // The last Poll() stopped at max_bytes_per_poll with data left to read.
  bool backlog() const { return backlog_; }

 private:
  struct Retired {
    FileIdentity id;
    uint32_t fp_len = 0;
    std::string path;
  };

  explicit LogTailer(LogTailerOptions options);
  Status Init();
  void Restore(const CheckpointState& state);

  // Poll phases.
  void Scan(ReadEnv& env);
  std::vector<DirEntry> MatchSpec();
  std::vector<DirEntry> ListMatches();
  std::vector<DirEntry> ListMatchesUncached();
  bool ListingStillValid();
  void Adopt(std::vector<DirEntry> fresh, ReadEnv& env);
  void RecoverRotatedWhileDown(ReadEnv& env);
  // Adds rotated names of `live_path` (mtime >= since_ns) we have never seen, oldest first: the
  // files its path held between two looks (restart, or two rotations between polls).
  // `rotated` (optional) is the file that left live_path: its new name is noted on the way.
  // `live_head` (copytruncate context): the live file's first bytes now; copies of them are
  // skipped.
  void DiscoverSiblings(const std::string& live_path, int64_t since_ns,
                        TrackedFile* rotated = nullptr, const std::string* live_head = nullptr);
  void ReadAll(ReadEnv& env);
  void ReadOne(TrackedFile& f, ReadEnv& env);
  // The file's content was replaced (truncated/rewritten): finish the old stream (from a copy
  // if one is found), restart at 0. True if the file moved to the end of the read order.
  bool HandleReplaced(TrackedFile& f, ReadEnv& env);
  // Copies of `f`'s path made since `since_ns` that we never saw (copytruncate while we were
  // not looking) are read first, oldest first; `f` moves to the end of the read order. True
  // if any was found.
  bool ReadUnseenCopiesFirst(TrackedFile& f, int64_t since_ns);
  bool ContinueFromCopy(TrackedFile& f, ReadEnv& env, uint64_t* copy_size);
  bool Locate(TrackedFile& f);
  void Maintain(ReadEnv& env);
  void MarkRotated(TrackedFile& f, std::string_view how);
  void Retire(TrackedFile& f);
  void AddRetired(Retired r);  // Replaces an entry with the same inode; keeps max_retired.
  void Forget(uint64_t seq);
  void UpdateStatus();
  void Count(const Record& r, const RecordSink& sink);  // Status counters, then the sink.
  uint64_t CheckpointSignature() const;

  TrackedFile* FindByInode(uint64_t device, uint64_t inode);
  bool IsRetired(const DirEntry& e);
  bool IsTrackedOrRetired(const DirEntry& e);
  // Reads the first fp_len bytes of `p` (decompressed if gz) and compares the fingerprint.
  bool SameHead(const FileIdentity& id, uint32_t fp_len, const std::filesystem::path& p, bool gz,
                std::string* head_out = nullptr);
  // For a new file under a glob: the established tracked file (files_[0, established)) it is a
  // copy of, or null. *defer: its first bytes so far are a prefix of one (copy in progress?).
  TrackedFile* CopyOriginal(const DirEntry& e, size_t established, bool* defer, std::string* head);
  std::unique_ptr<TrackedFile> NewFile(const std::string& path);
  uint64_t StartOffsetAtEnd(const std::string& path, uint64_t size);
  std::filesystem::path SpecDirectory() const;

  void Notice(NoticeLevel level, const std::string& message);
  void Error(TrackedFile* f, const std::string& key, const std::string& message);
  void Gap(const std::string& message);

  LogTailerOptions options_;
  std::shared_ptr<const RecordFormat> format_;
  AssemblerOptions assembler_options_;
  std::unique_ptr<TailMetrics> metrics_;
  bool glob_ = false;
  std::string live_name_;  // File name part of the spec path (a pattern for globs).
  std::unique_ptr<RotatedNameMatcher> rotated_names_;  // Of live_name_ (non-glob).

  std::vector<std::unique_ptr<TrackedFile>> files_;  // Sorted by seq.
  std::vector<Retired> retired_;
  uint64_t next_seq_ = 1;

  // Restart state.
  bool first_poll_ = true;
  bool had_checkpoint_ = false;
  std::string scan_problem_;  // Why the last scan could not see the files ("" if it could).
  uint64_t matched_files_ = 0;
  StateSource restored_from_ = StateSource::kNone;
  std::string restore_problem_;
  bool pattern_changed_ = false;
  int64_t checkpoint_max_mtime_ns_ = 0;
  int64_t max_mtime_ns_ = 0;
  // (path, mtime) of files live at the checkpoint that are gone: their rotated siblings are
  // looked for on the first poll.
  std::vector<std::tuple<std::string, int64_t>> restored_lost_live_;
  // New files whose first bytes so far equal a tracked file's (a copy in progress?), by
  // (device, inode) -> first seen.
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, MonoTime>> deferred_;

  // The last glob listing, reused while its directory's mtime is unchanged (idle CPU).
  std::vector<DirEntry> last_matches_;
  std::filesystem::path listing_dir_;
  int64_t listing_dir_mtime_ns_ = 0;
  bool listing_trusted_ = false;

  bool waiting_noticed_ = false;
  std::string last_error_key_;  // De-duplicates tailer-level error notices.
  bool scan_error_ = false;
  bool backlog_ = false;
  std::vector<char> buf_;
  std::string last_checkpoint_;  // Last text written (skip identical writes).
  uint64_t last_signature_ = 0;  // CheckpointSignature() of last_checkpoint_.

  LogStatus status_;
};

}  // namespace cg
