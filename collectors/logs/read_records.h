// ReadRecordsFromFile: a whole file (plain or gzip) through the same LineSplitter and
// RecordAssembler the live tailer uses. This is what `replay` calls.
//
// Records are handed to `sink` in file order; at the end the partial last line (no newline)
// and the pending record are handed on too (the file is complete). Memory is bounded by
// max_line and the assembler's record cap, whatever the file holds. Thread-safe as long as
// the sink is (each call has its own state).
#pragma once

#include <filesystem>

#include "base/status.h"
#include "collectors/logs/log_spec.h"

namespace cg {

// Uses spec.name, format, entry_start, timezone and max_line (start_at, exclude and the
// intervals do not apply). Record::time is the log's timestamp when the line has one (or its
// container runtime envelope's), else the time of the dated record before it (the first dated
// record's for up to 256 records before it), else the file's mtime. `stats` may be null. Errors:
// bad format/zone/regex (nothing read), file unreadable, corrupt gzip (records before the damage
// have been handed on).
[[nodiscard]] Status ReadRecordsFromFile(const std::filesystem::path& path, const LogSpec& spec,
                                         const RecordSink& sink, FileReadStats* stats);

}  // namespace cg
