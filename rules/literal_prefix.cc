#include "rules/literal_prefix.h"

#include <cctype>

namespace cg {
namespace {

bool IsMeta(char c) {
  switch (c) {
    case '\\':
    case '.':
    case '^':
    case '$':
    case '|':
    case '?':
    case '*':
    case '+':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
      return true;
    default:
      return false;
  }
}

bool IsQuantifier(char c) { return c == '?' || c == '*' || c == '+' || c == '{'; }

// True if `pattern` has a '|' outside any group and class: then a match may begin with the
// text of another branch.
bool HasTopLevelAlternation(std::string_view pattern) {
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      ++i;  // The escaped character, whatever it is (\Q...\E is refused by the caller).
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') ++i;  // "[]...]": ']' is literal.
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string LiteralPrefix(std::string_view pattern) {
  if (HasTopLevelAlternation(pattern) || pattern.find("\\Q") != std::string_view::npos) return {};
  std::string prefix;
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    size_t next = i + 1;
    if (c == '\\') {
      if (next >= pattern.size()) break;
      c = pattern[next];
      // \d, \s, \b, \x41, \n ...: a class, an assertion or an escape this reader does not
      // decode. Escaped punctuation is the character itself.
      if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
        break;
      }
      ++next;
    } else if (IsMeta(c) || static_cast<unsigned char>(c) >= 0x80 || c == '\n') {
      break;
    }
    // A quantifier after the character makes it optional or repeated: it is not a fixed part.
    if (next < pattern.size() && IsQuantifier(pattern[next])) break;
    prefix.push_back(c);
    i = next;
  }
  return prefix;
}

}  // namespace cg
