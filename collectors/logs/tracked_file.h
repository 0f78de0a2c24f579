// TrackedFile: one file identity the tailer follows - its descriptor, read position, line
// splitter and record assembler. The mechanics of reading live here; the policy (which files,
// in which order, when a file counts as rotated) lives in LogTailer.
//
// Internal to cg_logs. Not thread-safe; owned by one LogTailer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "collectors/logs/file_io.h"
#include "collectors/logs/line_splitter.h"
#include "collectors/logs/log_spec.h"
#include "collectors/logs/record_assembler.h"

namespace cg {

// Per-Poll reading context shared by all files of one tailer.
struct ReadEnv {
  const RecordSink& sink;
  WallTime wall;
  MonoTime mono;
  std::vector<char>& buf;
  uint64_t budget;          // Bytes still allowed this Poll (decremented).
  uint64_t bytes_read = 0;  // Added to as bytes are read.
  uint64_t long_lines = 0;  // Added to as lines overflow max_line.
};

class TrackedFile {
 public:
  static constexpr size_t kGuardBytes = 32;

  TrackedFile(uint64_t seq, std::unique_ptr<RecordAssembler> assembler, uint64_t max_line);
  ~TrackedFile();
  TrackedFile(const TrackedFile&) = delete;
  TrackedFile& operator=(const TrackedFile&) = delete;

  // --- Identity and policy state (read and written by LogTailer). ---
  uint64_t seq;          // Discovery order = read order.
  std::string path;      // Last known path.
  FileIdentity id;       // device, inode, fingerprint (0 = none yet).
  uint32_t fp_len = 0;   // Bytes covered by id.fingerprint.
  std::string head;      // The first fp_len bytes (for copy detection).
  FileStat stat;         // Last stat/fstat.
  bool gz = false;       // Read through gzip; never grows.
  bool live = false;     // Was at a path the spec matches (not rotated away).
  bool matched = false;  // Matched by the latest scan.
  bool rotated = false;  // Left its path (rename/delete) after being live.
  bool rotation_counted = false;
  bool finished = false;          // Nothing more will be read (gz done, or a drained copy).
  int64_t copy_of = -1;           // seq of the file this is a copy of (copytruncate), or -1.
  MonoTime last_growth{};         // When bytes were last read (or the file was adopted).
  int64_t checked_mtime_ns = -1;  // (size, mtime) at the last replacement check.
  uint64_t checked_size = 0;
  std::string last_error_key;  // De-duplicates repeated error notices.
  std::string problem;         // Why it cannot be opened or read now ("" once it can).
  bool at_eof = false;         // The last read reached the end of the file.
  // What the checkpoint this file was restored from said (for rotated-while-down recovery).
  bool restored = false;
  bool checkpoint_live = false;
  std::string checkpoint_path;
  int64_t checkpoint_mtime_ns = 0;
  uint64_t checkpoint_size = 0;
  // The checkpoint had this live file empty (offset 0, no fingerprint): its next content may
  // follow copytruncates made while the daemon was down. One-shot, cleared when checked.
  bool empty_at_checkpoint = false;

  // --- Mechanics. ---
  // Updates the path (after a rename) for status and the records that follow.
  void SetPath(std::string p);
  bool is_open() const { return fd_ >= 0 || gz_reader_ != nullptr; }
  // Opens `path` and checks it is still this identity (when id.inode is set). Returns errno,
  // or ESTALE if the path now holds a different file.
  int Open();
  // Opens a gzip file for reading from position() (decompresses up to it).
  Status OpenGzip();
  void Close();

  // Position to start or resume at; forgets any partial line and pending record.
  void StartAt(uint64_t position);
  uint64_t position() const { return splitter_.offset(); }
  // Just past the last record handed on: the offset a checkpoint stores.
  uint64_t committed() const;
  bool has_pending() const { return assembler_->has_pending(); }
  MonoTime last_line_time() const { return assembler_->last_line_time(); }
  // When FlushIfIdle() hands the pending record on (early or at `timeout`; nullopt: none).
  std::optional<MonoTime> FlushDeadline(std::chrono::milliseconds timeout) const {
    return assembler_->FlushDeadline(timeout, splitter_.has_partial());
  }
  std::chrono::nanoseconds early_flush() const { return assembler_->early_flush(); }

  // fstat of the open descriptor into `stat`; returns errno.
  int Refresh();
  // True if the bytes already read are no longer what the file holds: it shrank below the
  // read position, its first bytes changed, or the bytes just before the position changed.
  bool ContentReplaced();
  // Reads from position() to end of file (or until env.budget is spent). Returns errno or 0.
  int ReadAvailable(ReadEnv& env);
  // Feeds bytes from another file (a copy of this one's old content) as the continuation of
  // this stream, reporting `source` as the records' file.
  void FeedFrom(std::string_view source, std::string_view data, ReadEnv& env);
  // The stream is complete: hands on the partial last line and the pending record.
  void FinishStream(ReadEnv& env);
  bool FlushIfIdle(MonoTime now, std::chrono::milliseconds timeout, const RecordSink& sink);
  void FlushPending(const RecordSink& sink) { assembler_->Flush(sink); }
  // Extends the fingerprint towards kFingerprintBytes once the file has grown. Returns false if
  // the bytes already fingerprinted changed (the content was replaced).
  bool ExtendFingerprint();
  // Reads the first `len` bytes (for verification). Returns errno.
  int ReadHead(size_t len, std::string* out);
  // The bytes just before `offset` (up to kGuardBytes), read from the open file when needed.
  std::string GuardAt(uint64_t offset);
  // Sets what a restored checkpoint knew about the bytes before the position.
  void SetGuard(std::string guard) { guard_ = std::move(guard); }
  const std::string& guard() const { return guard_; }
  uint64_t long_lines() const { return splitter_.long_lines(); }

 private:
  void Feed(std::string_view data, ReadEnv& env);

  int fd_ = -1;
  std::unique_ptr<GzipReader> gz_reader_;
  std::unique_ptr<RecordAssembler> assembler_;
  LineSplitter splitter_;
  std::string guard_;  // The last kGuardBytes bytes consumed before position().
  std::string scratch_;
};

}  // namespace cg
