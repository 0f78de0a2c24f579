#include "daemon/http/request_target.h"

#include <set>

namespace cg {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `digits` hex digits at s[at...], or -1.
int Hex(std::string_view s, size_t at, size_t digits) {
  if (at + digits > s.size()) return -1;
  int v = 0;
  for (size_t i = at; i < at + digits; ++i) {
    int d = HexValue(s[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

void AppendUtf8(int cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0xD800 || cp >= 0xE000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  // A lone surrogate encodes nothing, as in cpp-httplib's to_utf8().
}

// cpp-httplib's split(): pieces between `delim`, each trimmed of spaces and tabs; empty pieces
// are skipped.
template <typename Fn>
void Split(std::string_view s, char delim, Fn fn) {
  auto emit = [&](std::string_view piece) {
    while (!piece.empty() && (piece.front() == ' ' || piece.front() == '\t'))
      piece.remove_prefix(1);
    while (!piece.empty() && (piece.back() == ' ' || piece.back() == '\t')) piece.remove_suffix(1);
    if (!piece.empty()) fn(piece);
  };
  size_t begin = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == delim) {
      emit(s.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  if (!s.empty()) emit(s.substr(begin));
}

}  // namespace

std::string DecodeUrl(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 1 < s.size()) {
      if (s[i + 1] == 'u') {
        int cp = Hex(s, i + 2, 4);
        if (cp >= 0) {
          AppendUtf8(cp, &out);
          i += 5;
          continue;
        }
      } else {
        int v = Hex(s, i + 1, 2);
        if (v >= 0) {
          out.push_back(static_cast<char>(v));
          i += 2;
          continue;
        }
      }
      out.push_back(s[i]);
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<RequestTarget> ParseRequestTarget(std::string_view target) {
  RequestTarget t;
  int pieces = 0;
  Split(target, '?', [&](std::string_view piece) {
    if (pieces == 0) {
      t.path = DecodeUrl(piece, false);
    } else if (pieces == 1) {
      std::set<std::string_view> seen;  // cpp-httplib drops an exact repeat of an item.
      Split(piece, '&', [&](std::string_view item) {
        if (!seen.insert(item).second) return;
        std::string_view key;
        std::string_view value;
        Split(item, '=', [&](std::string_view part) {
          if (key.empty()) {
            key = part;
          } else {
            value = part;
          }
        });
        if (!key.empty()) t.params.emplace(DecodeUrl(key, true), DecodeUrl(value, true));
      });
    }
    ++pieces;
  });
  if (pieces > 2 || t.path.empty()) return std::nullopt;
  return t;
}

bool IsKnownMethod(std::string_view method) {
  for (std::string_view m :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI"}) {
    if (method == m) return true;
  }
  return false;
}

}  // namespace cg
