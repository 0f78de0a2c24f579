#include "rules/signatures/message.h"

#include <algorithm>

#include "base/utf8.h"

namespace cg {
namespace {

constexpr std::string_view kCausedBy = "Caused by:";

// Blank after trimming spaces, tabs and a CR (CRLF files).
bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

std::string_view TrimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// "Caused by: a.b.C: message" -> "a.b.C" (the class ends at ':' or a blank).
std::string_view CauseClass(std::string_view line) {
  std::string_view rest = TrimLeft(line.substr(kCausedBy.size()));
  size_t end = 0;
  while (end < rest.size() && rest[end] != ':' && rest[end] != ' ' && rest[end] != '\t' &&
         rest[end] != '\r') {
    ++end;
  }
  return rest.substr(0, end);
}

}  // namespace

bool IsStackFrameLine(std::string_view line) {
  const std::string_view t = TrimLeft(line);
  if (t.size() == line.size()) return false;  // Frames are always indented.
  return t.substr(0, 3) == "at " || t.substr(0, 4) == "... ";
}

void ExtractMessage(std::string_view text, size_t message_start, std::string* out,
                    size_t max_bytes) {
  out->clear();
  size_t nl = text.find('\n');
  std::string_view first = text.substr(0, nl);
  first.remove_prefix(std::min(message_start, first.size()));
  out->append(first.substr(0, std::min(first.size(), max_bytes + 4)));
  // Bounded work whatever the record holds: a record of a million lines is looked at no
  // further than a few times max_bytes past its first line.
  const size_t limit = std::min(
      text.size(), (nl == std::string_view::npos ? text.size() : nl) + max_bytes * 4 + 65536);
  size_t pos = nl == std::string_view::npos ? limit : nl + 1;
  std::string_view cause;
  // The rest of the message: the lines before the first frame (and before a cause).
  while (pos < limit) {
    nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos || nl > limit ? limit : nl;
    const std::string_view line = text.substr(pos, end - pos);
    if (TrimLeft(line).substr(0, kCausedBy.size()) == kCausedBy) {
      cause = CauseClass(TrimLeft(line));
      break;
    }
    if (IsStackFrameLine(line)) break;
    if (!IsBlank(line) && out->size() <= max_bytes) {
      out->push_back('\n');
      out->append(line.substr(0, max_bytes + 4));
    }
    pos = end + 1;
  }
  // The first cause, past the frames: one search instead of a look at every frame.
  if (cause.empty() && pos < limit) {
    const std::string_view rest = text.substr(pos, limit - pos);
    for (size_t at = rest.find(kCausedBy); at != std::string_view::npos;
         at = rest.find(kCausedBy, at + 1)) {
      // Only at the start of a line (after indentation).
      size_t b = at;
      while (b > 0 && (rest[b - 1] == ' ' || rest[b - 1] == '\t')) --b;
      if (b == 0 || rest[b - 1] == '\n') {
        cause = CauseClass(rest.substr(at));
        break;
      }
    }
  }
  if (!cause.empty() && out->size() < max_bytes) {
    out->append(" Caused by: ");
    out->append(cause.substr(0, 512));
  }
  // Trailing CR of a CRLF line, then the byte cap at a character boundary.
  while (!out->empty() && (out->back() == '\r' || out->back() == '\n')) out->pop_back();
  if (out->size() > max_bytes) out->resize(Utf8PrefixLength(*out, max_bytes));
}

void ExtractMessage(const Record& record, std::string* out, size_t max_bytes) {
  ExtractMessage(record.text, record.message_start, out, max_bytes);
}

}  // namespace cg
