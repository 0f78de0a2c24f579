// UTF-8 helpers: everything that reaches JSON (evidence, file names, labels, messages) must be
// valid UTF-8, or nlohmann::json::dump() throws. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cg {

// Appends `in` to `*out` as valid UTF-8 (RFC 3629: no overlongs, surrogates, or code points
// above U+10FFFF): invalid sequences and NUL become U+FFFD. Fast on ASCII (16 bytes a step).
void AppendSanitizedUtf8(std::string_view in, std::string* out);
std::string SanitizedUtf8(std::string_view in);

// True if `in` is valid UTF-8 without NUL bytes (what AppendSanitizedUtf8 would copy as is).
bool IsValidUtf8(std::string_view in);

// The length of the longest prefix of `s` that is at most `max_bytes` long and does not cut a
// character of valid UTF-8 in two (for truncating text that must stay valid).
size_t Utf8PrefixLength(std::string_view s, size_t max_bytes);

}  // namespace cg
