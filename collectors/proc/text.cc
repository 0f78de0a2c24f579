#include "collectors/proc/text.h"

#include <charconv>
#include <cstdio>

namespace cg::proc {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::string_view NextToken(std::string_view* rest) {
  size_t i = 0;
  while (i < rest->size() && IsBlank((*rest)[i])) ++i;
  size_t j = i;
  while (j < rest->size() && !IsBlank((*rest)[j])) ++j;
  std::string_view token = rest->substr(i, j - i);
  rest->remove_prefix(j);
  return token;
}

bool NextLine(std::string_view* text, std::string_view* line) {
  if (text->empty()) return false;
  size_t nl = text->find('\n');
  if (nl == std::string_view::npos) {
    *line = *text;
    *text = {};
  } else {
    *line = text->substr(0, nl);
    text->remove_prefix(nl + 1);
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  // from_chars accepts no '+' and, for unsigned types, no '-': exactly the kernel's output.
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseI64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, std::chars_format::fixed);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string ParseErrorAt(std::string_view file, size_t line_no, std::string_view message) {
  std::string out(file);
  out += ':';
  out += std::to_string(line_no);
  out += ": ";
  out += message;
  return out;
}

std::string QuoteToken(std::string_view token) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  for (size_t i = 0; i < token.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(token[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (token.size() > kMax) out += "...";
  out += '"';
  return out;
}

bool ParseKbValue(std::string_view rest, uint64_t* out, std::string_view* what,
                  std::string_view* bad) {
  std::string_view value = NextToken(&rest);
  std::string_view unit = NextToken(&rest);
  uint64_t v = 0;
  if (!ParseU64(value, &v)) {
    *what = "expected a number";
    *bad = value;
    return false;
  }
  if (unit == "kB") {
    if (v > UINT64_MAX / 1024) {
      *what = "value too large";
      *bad = value;
      return false;
    }
    v *= 1024;
  } else if (!unit.empty()) {
    *what = "expected unit kB";
    *bad = unit;
    return false;
  }
  *out = v;
  return true;
}

}  // namespace cg::proc
