// Plain value types shared by the log tailer, the record assembler and `replay`.
//
// LogSpec is also the daemon's `logs[]` config entry (daemon/config.h): one type from the YAML
// to the tailer. Everything here is a copyable value with no synchronisation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/units.h"
#include "collectors/logs/envelope.h"
#include "collectors/logs/log_format.h"
#include "collectors/record.h"

namespace cg {

struct LogSpec {
  std::string name;  // Metric label and Record::log; unique per daemon.
  std::string path;  // A file, or a glob (metacharacters in the file name part).
  LogFormat format = LogFormat::kWso2Carbon;
  std::string entry_start;              // RE2 entry-start regex; used (and required) iff kCustom.
  Envelope envelope = Envelope::kAuto;  // Container runtime wrapping of each line.
  // For rules' `source:` lists, the WSO2 log this one is (a wso2carbon.log written in a
  // customised layout is `custom`, yet still the log the pack's wso2-carbon rules are for).
  // Unset: its own format.
  std::optional<LogFormat> source_as;
  StartAt start_at = StartAt::kEnd;       // Where to start in a file never seen before.
  TimeZone timezone = TimeZone::Local();  // Zone of the zone-less timestamps.
  std::vector<std::string> exclude;       // fnmatch(3) globs matched against the file name.
  uint64_t max_line = 64 * 1024;          // Bytes kept of an over-long line; the rest is dropped.
  std::chrono::milliseconds poll_interval{1000};  // Stat poll that backs up inotify.
  std::chrono::milliseconds flush_timeout{500};   // Idle time after which a pending record goes.
  // Early flush: a record whose file has been quiet this long after a complete line is handed
  // on before flush_timeout (log4j2 writes an event, stack trace included, in one write()).
  // Adaptive: a late continuation line doubles it for that file (at least twice the pause
  // seen, at most flush_timeout), and it halves back towards this value after
  // kEarlyFlushDecayRecords early flushes without one. 0: off (records wait for the next
  // entry or flush_timeout).
  std::chrono::milliseconds early_flush{3};
  // A log that always has traffic (an access log during a cutover) is a blind spot when it
  // yields no record for this long; unset for logs that may rightly stay quiet (errors log).
  // Used by the daemon's coverage tracker, not by the tailer.
  std::optional<std::chrono::milliseconds> max_silence;
  bool operator==(const LogSpec&) const = default;
};

// Receives each assembled record. Called synchronously on the caller's thread; the Record is
// only valid for the duration of the call (it is reused).
using RecordSink = std::function<void(const Record&)>;

// Counters of one ReadRecordsFromFile() call.
struct FileReadStats {
  uint64_t lines = 0;             // Physical lines read (a final line without newline counts).
  uint64_t records = 0;           // Records handed to the sink.
  uint64_t bytes = 0;             // Bytes read (decompressed bytes for .gz).
  uint64_t long_lines = 0;        // Lines longer than max_line (kept truncated).
  uint64_t recognised_lines = 0;  // Lines in records whose first line is in the layout.
};

// Operational messages from the tailer (file missing, rotation, gap...). The collectors layer
// has no logger of its own: the daemon routes these to its journal-aware log. Messages that
// could repeat are already de-duplicated by the tailer (one line per state change).
enum class NoticeLevel { kInfo, kWarning, kError };
using NoticeSink = std::function<void(NoticeLevel, std::string_view message)>;

// What one tailed file looks like right now (for /api/v1/status).
struct TailedFileStatus {
  std::string path;
  FileIdentity id;
  uint64_t offset = 0;   // Read position (bytes consumed).
  uint64_t size = 0;     // Size at the last stat.
  bool open = false;     // Holds a file descriptor.
  bool rotated = false;  // No longer at a path the spec matches (being drained).
};

struct LogStatus {
  std::string name;
  uint64_t lines = 0;          // Physical lines handed on inside records.
  uint64_t records = 0;        // Records handed on.
  uint64_t bytes = 0;          // Bytes read.
  uint64_t lag_bytes = 0;      // Bytes written but not yet read, over all tracked files.
  uint64_t rotations = 0;      // Files that left their path (rename or delete) while tailed.
  uint64_t truncations = 0;    // Files that shrank or were rewritten in place (copytruncate).
  uint64_t long_lines = 0;     // Lines cut at max_line.
  uint64_t gap_events = 0;     // Times certainty was lost (data possibly skipped or unreadable).
  uint64_t files_open = 0;     // File descriptors held.
  uint64_t files_matched = 0;  // Files the path (or glob) matched at the last scan.
  uint64_t recognised_records = 0;  // Records whose first line is in the log's layout.
  uint64_t recognised_lines = 0;    // Lines in those records.
  // Lines that arrived after their record was handed on early (Record::late): joined to its
  // evidence, counted in `lines`, never a record of their own.
  uint64_t late_lines = 0;
  std::chrono::microseconds early_flush{0};  // The current (adaptive) early flush, max of files.
  // What keeps the log from being read right now: the directory cannot be listed, no file
  // matches the path, or a matching file cannot be opened or read. "" when it is being read.
  std::string problem;
  WallTime last_record_time{};  // Record::time of the last record handed on (epoch if none).
  std::string last_error;       // Most recent problem ("" if none since the last success).
  std::vector<TailedFileStatus> files;
};

}  // namespace cg
