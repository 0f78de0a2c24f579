// Receiver URLs: "http(s)://host[:port][/path][?query]". Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cg {

struct HttpUrl {
  std::string scheme;  // "http" | "https".
  std::string host;    // Without brackets for IPv6.
  uint16_t port = 0;   // Explicit or the scheme's default.
  std::string path;    // Starts with '/'; includes the query ("/hook?x=1"); "/" when absent.

  // "http://host:port" (brackets around IPv6 hosts).
  std::string Origin() const;
  // Origin() + path.
  std::string ToString() const;
  // This URL with `suffix` appended to its path, one '/' between ("http://am:9093/am" +
  // "/api/v2/alerts" -> "http://am:9093/am/api/v2/alerts").
  HttpUrl WithPath(std::string_view suffix) const;
};

// Errors name the URL and what is wrong (scheme, host, port). User info (user:pass@) is refused:
// credentials do not belong in a config value that is logged.
Result<HttpUrl> ParseHttpUrl(std::string_view text);

}  // namespace cg
