// Record: one log entry as assembled from one or more physical lines. The value that crosses
// from collectors/ to rules/. Plain data; copyable; not synchronised.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace cg {

enum class Level : uint8_t { kUnknown = 0, kTrace, kDebug, kInfo, kWarn, kError, kFatal };

// "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "" for unknown.
std::string_view LevelName(Level level);
// Accepts the log4j names (and SEVERE/WARNING/FINE from JUL); kUnknown otherwise.
Level ParseLevel(std::string_view name);

// Identity of a log file independent of its name: survives rename, distinguishes re-creation.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t fingerprint = 0;  // Hash of the first bytes (0 until the file has enough of them).
  bool operator==(const FileIdentity&) const = default;
};

struct Record {
  std::string log;   // The configured `name` of the log.
  std::string file;  // Path of the file when the record was read.
  FileIdentity file_id;
  uint64_t offset = 0;      // Byte offset of the record's first line in that file.
  uint64_t end_offset = 0;  // Byte offset just past the record's last line (incl. newline).
  WallTime time{};          // From the log line when parsed, else the time it was read.
  bool time_from_log = false;
  Level level = Level::kUnknown;
  std::string logger;  // "{org.wso2...}" contents without braces; "" if none.
  std::string text;    // First line, then '\n' + each continuation line (no final '\n').
  // Offset in `text` where the message starts: past the first line's header (timestamp,
  // level, logger), which the fields above carry. 0 for logs without a header.
  uint32_t message_start = 0;
  uint32_t lines = 0;      // Physical lines joined.
  bool truncated = false;  // A line was cut at max_line, or continuation lines were dropped.
  // The first line is an entry line of the log's layout (header recognised). False for lines
  // before the first entry, or every line of a file read with the wrong layout.
  bool recognised = false;
  // Late continuation lines: lines that continue the previous record of the same file after it
  // was handed on early (its writer paused mid-record longer than the early flush; see
  // RecordAssembler). Such a Record is that record again, grown: `text` (and level, logger,
  // time, message_start, recognised) are the whole record so far, `text` from `late_start` on
  // are the late lines; `offset` is where the late lines start in the file, `continues` where
  // the record does, and `lines` counts the late lines only. It is not a new record: the rules
  // layer joins the late lines to the evidence of the record and matches what they add (a
  // `Caused by:` that came late still fires its rule, once).
  bool late = false;
  uint64_t continues = 0;   // Offset of the record continued (valid if `late`).
  uint32_t late_start = 0;  // Offset in `text` of the first late line (valid if `late`).

  // The first physical line of `text`.
  std::string_view FirstLine() const {
    std::string_view t = text;
    size_t nl = t.find('\n');
    return nl == std::string_view::npos ? t : t.substr(0, nl);
  }
  // The first line from the message on (the header left out).
  std::string_view FirstMessageLine() const {
    std::string_view first = FirstLine();
    return first.substr(std::min<size_t>(message_start, first.size()));
  }
  // Clears the contents but keeps string capacity, so a reused Record allocates nothing.
  void Clear() {
    file_id = {};
    offset = end_offset = 0;
    time = {};
    time_from_log = false;
    level = Level::kUnknown;
    logger.clear();
    text.clear();
    message_start = 0;
    lines = 0;
    truncated = false;
    recognised = false;
    late = false;
    continues = 0;
    late_start = 0;
  }
};

}  // namespace cg
