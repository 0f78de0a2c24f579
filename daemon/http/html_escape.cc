#include "daemon/http/html_escape.h"

#include "base/utf8.h"

namespace cg {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void AppendValid(std::string_view in, std::string* out) {
  size_t start = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::string_view ref;
    switch (c) {
      case '&':
        ref = "&amp;";
        break;
      case '<':
        ref = "&lt;";
        break;
      case '>':
        ref = "&gt;";
        break;
      case '"':
        ref = "&quot;";
        break;
      case '\'':
        ref = "&#39;";
        break;
      case '\t':
      case '\n':
      case '\r':
        continue;
      default:
        if (c >= 0x20 && c != 0x7F) continue;
        ref = kReplacement;  // C0 controls and DEL are not allowed in HTML text.
    }
    out->append(in.substr(start, i - start));
    out->append(ref);
    start = i + 1;
  }
  out->append(in.substr(start));
}

}  // namespace

void AppendHtmlEscaped(std::string_view in, std::string* out) {
  if (IsValidUtf8(in)) return AppendValid(in, out);
  AppendValid(SanitizedUtf8(in), out);
}

std::string HtmlEscape(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 8);
  AppendHtmlEscaped(in, &out);
  return out;
}

std::string HtmlEscapePrefix(std::string_view in, size_t max_bytes, size_t* cut) {
  size_t keep = in.size() <= max_bytes ? in.size() : Utf8PrefixLength(in, max_bytes);
  if (cut != nullptr) *cut = in.size() - keep;
  return HtmlEscape(in.substr(0, keep));
}

}  // namespace cg
