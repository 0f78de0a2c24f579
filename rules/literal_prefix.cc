#include "rules/literal_prefix.h"

#include <cctype>
#include <vector>

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

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Length of a {n}, {n,} or {n,m} repetition at p[i] ('{'), or 0 if it is not one (then RE2
// reads the '{' as a character).
size_t RepetitionLength(std::string_view p, size_t i) {
  size_t j = i + 1;
  const size_t digits_at = j;
  while (j < p.size() && IsDigit(p[j])) ++j;
  if (j == digits_at) return 0;
  if (j < p.size() && p[j] == ',') {
    ++j;
    while (j < p.size() && IsDigit(p[j])) ++j;
  }
  if (j >= p.size() || p[j] != '}') return 0;
  return j + 1 - i;
}

// End of the class starting at p[i] ('['), just past its ']'; npos if unterminated.
size_t ClassEnd(std::string_view p, size_t i) {
  size_t j = i + 1;
  if (j < p.size() && p[j] == '^') ++j;
  if (j < p.size() && p[j] == ']') ++j;  // "[]...]": a leading ']' is a member.
  while (j < p.size() && p[j] != ']') j += p[j] == '\\' ? 2 : 1;
  return j < p.size() ? j + 1 : std::string_view::npos;
}

// End of the group starting at p[i] ('('), just past its ')'; npos if unterminated.
size_t GroupEnd(std::string_view p, size_t i) {
  int depth = 0;
  for (size_t j = i; j < p.size();) {
    const char c = p[j];
    if (c == '\\') {
      j += 2;
    } else if (c == '[') {
      j = ClassEnd(p, j);
      if (j == std::string_view::npos) return j;
    } else {
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) return j + 1;
      ++j;
    }
  }
  return std::string_view::npos;
}

// True if `pattern` has a '|' outside any group and class: then a match may consist of
// another branch only.
bool HasTopLevelAlternation(std::string_view p) {
  for (size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == '\\') {
      i += 2;
    } else if (c == '[') {
      i = ClassEnd(p, i);
      if (i == std::string_view::npos) return true;  // Malformed: no shortcut.
    } else if (c == '(') {
      i = GroupEnd(p, i);
      if (i == std::string_view::npos) return true;
    } else if (c == '|') {
      return true;
    } else {
      ++i;
    }
  }
  return false;
}

// Constructs this reader refuses: flags ((?i), (?s:...)), quoting, POSIX classes.
bool HasUnreadConstructs(std::string_view p) {
  if (p.find("\\Q") != std::string_view::npos || p.find("[:") != std::string_view::npos) {
    return true;
  }
  for (size_t at = p.find("(?"); at != std::string_view::npos; at = p.find("(?", at + 2)) {
    const char next = at + 2 < p.size() ? p[at + 2] : '\0';
    if (next != ':' && next != 'P') return true;
  }
  return false;
}

// The runs of consecutive required characters at the top level of `p`, in order. The first
// run's `at_start` tells whether it begins with the pattern's first atom. False if the pattern
// holds something this reader does not decode.
struct Run {
  std::string text;
  bool at_start = false;
};

bool LiteralRuns(std::string_view p, std::vector<Run>* runs) {
  if (HasUnreadConstructs(p) || HasTopLevelAlternation(p)) return false;
  Run run;
  bool first_atom = true;
  auto flush = [&] {
    if (!run.text.empty()) runs->push_back(run);
    run = Run{};
  };
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    bool literal = false;
    char ch = 0;
    size_t next = i + 1;
    if (c == '\\') {
      if (i + 1 >= p.size()) return false;
      const char e = p[i + 1];
      next = i + 2;
      if (static_cast<unsigned char>(e) >= 0x80) return false;
      if (std::isalnum(static_cast<unsigned char>(e))) {
        // Classes and assertions of one letter; \pN / \p{Greek}. Anything else (\x41, octal,
        // \C, \Q) is not decoded here.
        switch (e) {
          case 'd':
          case 'D':
          case 's':
          case 'S':
          case 'w':
          case 'W':
          case 'b':
          case 'B':
          case 'A':
          case 'z':
          case 'n':
          case 't':
          case 'r':
          case 'f':
          case 'v':
            break;
          case 'p':
          case 'P':
            if (next < p.size() && p[next] == '{') {
              const size_t close = p.find('}', next);
              if (close == std::string_view::npos) return false;
              next = close + 1;
            } else {
              ++next;
            }
            break;
          default:
            return false;
        }
      } else {
        literal = true;  // Escaped punctuation is the character itself.
        ch = e;
      }
    } else if (c == '[') {
      next = ClassEnd(p, i);
      if (next == std::string_view::npos) return false;
    } else if (c == '(') {
      next = GroupEnd(p, i);
      if (next == std::string_view::npos) return false;
    } else if (!IsMeta(c) && static_cast<unsigned char>(c) < 0x80 && c != '\n') {
      literal = true;
      ch = c;
    }
    // A quantifier after the atom makes it optional or repeated: not a fixed part.
    bool quantified = false;
    if (next < p.size()) {
      const char q = p[next];
      size_t qlen = 0;
      if (q == '?' || q == '*' || q == '+') qlen = 1;
      if (q == '{') qlen = RepetitionLength(p, next);
      if (qlen > 0) {
        quantified = true;
        next += qlen;
        if (next < p.size() && p[next] == '?') ++next;  // Non-greedy.
      }
    }
    if (literal && !quantified) {
      if (run.text.empty()) run.at_start = first_atom;
      run.text.push_back(ch);
    } else {
      flush();
    }
    first_atom = false;
    i = next;
  }
  flush();
  return true;
}

}  // namespace

std::string LiteralPrefix(std::string_view pattern) {
  std::vector<Run> runs;
  if (!LiteralRuns(pattern, &runs) || runs.empty() || !runs[0].at_start) return {};
  return runs[0].text;
}

std::string RequiredLiteral(std::string_view pattern) {
  std::vector<Run> runs;
  if (!LiteralRuns(pattern, &runs)) return {};
  std::string best;
  for (const auto& r : runs) {
    if (r.text.size() > best.size()) best = r.text;
  }
  return best;
}

}  // namespace cg
