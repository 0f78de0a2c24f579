// Literals a regular expression's matches must contain, read off its source.
//
// LiteralPrefix: the text every match starts with. To find where a capture rule's match starts,
// RE2 runs a reverse DFA back from the match end, which costs more than the forward search that
// found the end. When every match starts with a known literal, the leftmost match starts at one
// of its occurrences: memmem finds them, and an anchored forward match from each, in order,
// finds the first that matches (CaptureCache).
//
// RequiredLiteral: the longest text every match contains. A RE2::Set of a few patterns that
// all have one cannot match a message that contains none of them (two memmem calls instead of
// a DFA scan: RecordMatcher's prefilter for small sets).
//
// Both are read conservatively: only unquantified plain ASCII characters and escaped
// punctuation outside groups and classes count; a character a quantifier applies to is dropped.
// A top-level alternation, flags such as (?i), \Q...\E, POSIX classes and escapes this reader
// does not decode (\x41, \123, \C ...) give an empty result (no shortcut). Callers must also
// check that the RE2 is case-sensitive. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace cg {

// The literal every match of `pattern` (RE2 syntax, case-sensitive) begins with; may be empty.
std::string LiteralPrefix(std::string_view pattern);

// The longest literal every match of `pattern` contains; may be empty.
std::string RequiredLiteral(std::string_view pattern);

}  // namespace cg
