// LiteralPrefix: the literal text every match of a regular expression starts with.
//
// Why: to find where a capture rule's match starts, RE2 runs a reverse DFA back from the match
// end, which costs more than the forward search that found the end. When every match must start
// with a known literal, the leftmost match starts at one of the literal's occurrences: memmem
// finds them, and an anchored forward match from each, in order, finds the first that matches.
//
// The prefix is read conservatively off the pattern's source: plain characters and escaped
// punctuation up to the first operator, dropping a character that a quantifier applies to. A
// top-level alternation, a leading group or class, flags, or anything not plain ASCII ends it
// (empty prefix: use the unanchored search). Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace cg {

// The literal every match of `pattern` (RE2 syntax, case-sensitive) begins with; may be empty.
std::string LiteralPrefix(std::string_view pattern);

}  // namespace cg
