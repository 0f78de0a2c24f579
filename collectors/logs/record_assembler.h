// RecordAssembler: joins physical lines into records, the same way for live tailing and for
// `replay` (ReadRecordsFromFile).
//
// A line that matches the format's entry start begins a new record and hands on the pending
// one. Any other line - stack frames, "Caused by:", blank lines and indented lines inside
// exception messages - joins the pending record (WSO2 fact sheet §5: blank lines are not
// separators). A continuation line with nothing pending (the file started mid-record, or the
// previous record was flushed by the idle timeout) starts a record of its own.
// A record also ends at Flush() (end of a file) or FlushIfIdle() (flush_timeout without a line).
//
// Early flush (AssemblerOptions::early_flush): log4j2 writes an event, stack trace included,
// in one write(), so a record whose file went quiet for a few milliseconds after a complete
// line is almost always complete: FlushIfIdle hands it on then, not after flush_timeout. When
// a continuation line does come after that (a writer that flushes a trace in pieces), within
// flush_timeout of the record's last line, it is not a record: the record is handed on again
// with the lines up to the next entry appended, `late` set, `continues` = its offset and
// `late_start` where the new lines begin (Record::late: the rules layer joins them to its
// evidence and matches what they add, counting the record once), and this file's early flush grows
// to at least twice the pause seen (at most flush_timeout). It shrinks back by halves after
// kEarlyFlushDecayRecords early flushes without a late line.
//
// Lines in a container runtime's envelope (LogSpec::envelope, collectors/logs/envelope.h) are
// unwrapped first; the pieces of a line the runtime split are joined back into one line, whose
// offset is that of its first piece. The runtime's time stands in for the read time.
//
// Record text is always valid UTF-8: invalid sequences and NUL bytes become U+FFFD, a trailing
// '\r' is dropped. Memory is bounded: the first line is kept whole (it is already cut at
// max_line by the splitter); continuation lines that would push the text beyond
// max_record_bytes are counted but not kept, and the record is marked truncated.
//
// Not thread-safe; one per file being read (a record never spans two files).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "base/units.h"
#include "collectors/logs/envelope.h"
#include "collectors/logs/line_splitter.h"
#include "collectors/logs/log_spec.h"
#include "collectors/logs/record_format.h"
#include "collectors/record.h"

namespace cg {

struct AssemblerOptions {
  std::string log_name;                          // Record::log.
  TimeZone zone = TimeZone::Local();             // For zone-less timestamps.
  uint64_t max_record_bytes = 1024 * 1024;       // Text kept per record (see above).
  Envelope envelope = Envelope::kNone;           // How lines are wrapped (see above).
  uint64_t max_line = 64 * 1024;                 // Bytes kept of a line joined from pieces.
  std::chrono::milliseconds early_flush{0};      // Base early flush (see above); 0: off.
  std::chrono::milliseconds flush_timeout{500};  // Its ceiling, and the late-line window.
};

// Early flushes without a late continuation line after which the early flush halves.
inline constexpr uint32_t kEarlyFlushDecayRecords = 256;

class RecordAssembler {
 public:
  // Compiles the spec's format and zone. Errors name the problem (bad regex, bad zone).
  static Result<std::unique_ptr<RecordAssembler>> Create(const LogSpec& spec);
  // The options a log's spec asks for (the live tailer and `replay` read a log alike).
  static AssemblerOptions OptionsFor(const LogSpec& spec);

  RecordAssembler(std::shared_ptr<const RecordFormat> format, AssemblerOptions options);

  // Where the following lines come from (copied into each Record).
  void SetSource(std::string_view file, const FileIdentity& id);
  void SetFileIdentity(const FileIdentity& id) { file_id_ = id; }

  // Adds one physical line. `read_time` becomes the record time when the line carries none;
  // `now` is remembered for FlushIfIdle().
  void AddLine(const Line& line, WallTime read_time, MonoTime now, const RecordSink& sink);

  // Hands on the pending record (and a held piece of a split line), if any. Returns true if a
  // record was handed on.
  bool Flush(const RecordSink& sink);
  // Flushes if the pending record has seen no line for `timeout`, or early (see above) if
  // it has seen none for the current early flush and `line_open` (the file ends in part of
  // a line) is false.
  bool FlushIfIdle(MonoTime now, std::chrono::milliseconds timeout, const RecordSink& sink,
                   bool line_open = false);
  // When FlushIfIdle will hand the pending record on (nullopt: nothing pending).
  std::optional<MonoTime> FlushDeadline(std::chrono::milliseconds timeout, bool line_open) const;
  // The current early flush (0: off), and the late continuation lines seen.
  std::chrono::nanoseconds early_flush() const { return early_; }
  uint64_t late_lines() const { return late_lines_; }
  // Drops the pending record without handing it on (its bytes will be read again).
  void Discard();

  // A record, or a piece of a split line, is held: its bytes are not yet handed on.
  bool has_pending() const { return pending_ || HoldsPiece(); }
  // Where the held bytes start (valid if has_pending()).
  uint64_t pending_offset() const;
  MonoTime last_line_time() const { return last_line_; }

  // Totals handed on since construction.
  uint64_t records() const { return records_; }
  // Lines in records whose first line is in the layout (Record::recognised).
  uint64_t recognised_lines() const { return recognised_lines_; }
  uint64_t lines() const { return lines_; }
  WallTime last_record_time() const { return last_record_time_; }

  const RecordFormat& format() const { return *format_; }

 private:
  // `physical_lines`: lines of the file the line stands for (more than one when joined).
  void AddUnwrapped(const Line& line, WallTime read_time, MonoTime now, const RecordSink& sink,
                    uint32_t physical_lines = 1);
  // Hands the joined pieces of a split line on as one line (`complete`: its last piece came).
  void AddPieces(int stream, bool complete, MonoTime now, const RecordSink& sink);
  bool HoldsPiece() const { return pieces_[0].held || pieces_[1].held; }
  void Start(const Line& line, const EntryHeader& h, bool is_entry, WallTime read_time);
  void Emit(const RecordSink& sink);

  std::shared_ptr<const RecordFormat> format_;
  AssemblerOptions options_;
  TimeConverter time_;
  std::string file_;
  FileIdentity file_id_;
  Record record_;
  bool pending_ = false;
  MonoTime last_line_{};
  uint64_t records_ = 0;
  uint64_t recognised_lines_ = 0;
  uint64_t lines_ = 0;
  WallTime last_record_time_{};
  // Envelopes: the unescaped text of the current Docker line, and per stream (stdout,
  // stderr: the runtime splits each on its own) the pieces of a split line.
  struct Piece {
    std::string text;
    bool held = false;
    bool truncated = false;
    bool has_time = false;
    uint64_t offset = 0;  // Of the first piece's line.
    uint64_t end = 0;     // Just past the last piece's line.
    uint32_t lines = 0;   // Physical lines in `text`, all counted into the record's lines.
    WallTime time{};
  };
  std::string scratch_;
  Piece pieces_[2];
  bool read_time_in_log_ = false;  // The current line's read_time is its envelope's time.
  // Early flush state: the current timeout, early flushes since the last late line, and the
  // record last handed on early (its offset, and until when a continuation line is late).
  bool EarlyAllowed(bool line_open) const;
  std::chrono::nanoseconds early_{0};
  uint32_t early_streak_ = 0;
  bool early_open_ = false;
  uint64_t early_offset_ = 0;
  MonoTime late_until_{};
  uint64_t late_lines_ = 0;
};

}  // namespace cg
