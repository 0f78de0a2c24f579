// The request line as this API reads it: the methods it knows, and the request target split into
// a percent-decoded path and query parameters.
//
// The rules are those of cpp-httplib 0.11.4, the server this API first ran on, so that a client
// sees exactly what it saw before: the target is split at '?' (at most one), '&' and '=' into
// non-empty, space-trimmed pieces; "%XX" and "%uXXXX" are decoded (the latter to UTF-8), and '+'
// is a space in the query only; an identical "key=value" item given twice counts once.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cg {

struct RequestTarget {
  std::string path;                                // Decoded; never empty.
  std::multimap<std::string, std::string> params;  // Decoded query parameters.
};

// nullopt for a target this server rejects as malformed: no path, or more than one '?'.
std::optional<RequestTarget> ParseRequestTarget(std::string_view target);

// GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH, PRI (case-sensitive). Any other
// method is a malformed request line (400), whatever the path.
bool IsKnownMethod(std::string_view method);

// decode_url(): "%41" -> "A", "%u00e9" -> "é"; malformed escapes are kept as they are.
std::string DecodeUrl(std::string_view s, bool plus_is_space);

}  // namespace cg
