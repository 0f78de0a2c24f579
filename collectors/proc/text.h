// Allocation-free tokenizing helpers shared by the /proc parsers.
//
// /proc files are ASCII, one record per line, fields separated by runs of spaces or tabs. These
// helpers never throw and never allocate; every parse result says whether it consumed the whole
// token, so a parser can turn "not a number" into a precise error. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cg::proc {

// Returns the next token of `*rest` delimited by spaces/tabs and advances `*rest` past it.
// Returns "" when no token is left.
std::string_view NextToken(std::string_view* rest);

// Returns the next line of `*text` (without its '\n') and advances `*text`. Returns false once
// the text is exhausted (a final line without '\n' is still returned).
bool NextLine(std::string_view* text, std::string_view* line);

// Strips leading and trailing spaces, tabs, '\r' and '\n'.
std::string_view Trim(std::string_view s);

// Whole-token decimal parsers: false on empty input, trailing junk, a sign (for unsigned) or
// overflow.
bool ParseU64(std::string_view s, uint64_t* out);

// Parses the value part of a "Key:   123 kB" line (/proc/meminfo, /proc/PID/status): a number
// with an optional "kB" unit (KiB, returned as bytes); without a unit (a count) it is returned
// as is. On failure returns false, with `*what` = "expected a number", "expected unit kB" or
// "value too large" and `*bad` = the offending token.
bool ParseKbValue(std::string_view rest, uint64_t* out, std::string_view* what,
                  std::string_view* bad);
bool ParseI64(std::string_view s, int64_t* out);
// "12.34" as the kernel prints fixed-point values (no exponent, no sign required).
bool ParseDouble(std::string_view s, double* out);

// "file:line: message" prefix for parse errors ("stat:3: expected a number, got \"x\"").
std::string ParseErrorAt(std::string_view file, size_t line_no, std::string_view message);

// Quotes a token for an error message, shortened to 40 bytes with non-printable bytes escaped.
std::string QuoteToken(std::string_view token);

}  // namespace cg::proc
