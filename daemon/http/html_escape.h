// Escaping for the status page (GET /): every string that comes from a log, a rule file or the
// config goes through here before it reaches HTML. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace cg {

// Appends `in` to `*out` so that it is inert in HTML text and in a double- or single-quoted
// attribute value: & < > " ' become character references; invalid UTF-8 and control characters
// other than tab, newline and carriage return (NUL included) become U+FFFD. Never fails.
void AppendHtmlEscaped(std::string_view in, std::string* out);
std::string HtmlEscape(std::string_view in);

// The first `max_bytes` of `in` without cutting a UTF-8 character in two, escaped; `*cut` (when
// not null) is set to the number of bytes left out.
std::string HtmlEscapePrefix(std::string_view in, size_t max_bytes, size_t* cut = nullptr);

}  // namespace cg
