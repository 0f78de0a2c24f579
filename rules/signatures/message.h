// The message a record contributes to signature mining.
//
// For a WSO2 record this is what the rule patterns see, minus the parts that differ between
// two occurrences of the same failure:
//   - the text after the header (Record::message_start: timestamp, level and logger are read
//     by the log format and have fields of their own);
//   - the continuation lines up to the first stack frame: the rest of a multi-line exception
//     message (a JDBC driver's second paragraph), blank lines left out;
//   - no stack frames ("\tat ...", "\t... 12 more"): their line numbers and the depth at which
//     a trace is cut differ between two throws of the same exception;
//   - of the "Caused by:" chain only the first cause's exception class, appended as
//     " Caused by: <class>": it tells two errors with the same top message apart (a pool
//     timeout from a refused connection), while the cause's own message is as variable as
//     the top one and would split the signature.
// Lines are joined with '\n'; the result is cut at `max_bytes` (at a UTF-8 boundary) so a
// record of any size costs bounded work. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "collectors/record.h"

namespace cg {

// Default for `max_bytes`: the miner reads no more than this of a message either.
inline constexpr size_t kMaxMessageBytes = 4096;

// Writes the message of the record text `text` whose first line's message starts at
// `message_start` into `*out` (cleared first; its capacity is reused).
void ExtractMessage(std::string_view text, size_t message_start, std::string* out,
                    size_t max_bytes = kMaxMessageBytes);

// The same for a Record (its text and message_start).
void ExtractMessage(const Record& record, std::string* out, size_t max_bytes = kMaxMessageBytes);

// True for a Java stack frame line: after leading blanks, "at " or "... N more".
bool IsStackFrameLine(std::string_view line);

}  // namespace cg
