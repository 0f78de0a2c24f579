#include "daemon/notify/url.h"

#include <charconv>

namespace cg {

std::string HttpUrl::Origin() const {
  bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string HttpUrl::ToString() const { return Origin() + path; }

HttpUrl HttpUrl::WithPath(std::string_view suffix) const {
  HttpUrl u = *this;
  std::string base = path;
  size_t q = base.find('?');
  std::string query = q == std::string::npos ? "" : base.substr(q);
  base = base.substr(0, q);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string_view s = suffix;
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  u.path = base + "/" + std::string(s) + query;
  return u;
}

Result<HttpUrl> ParseHttpUrl(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return Status::Error("invalid URL \"" + std::string(text) + "\": " + std::string(why));
  };
  HttpUrl u;
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return fail("expected http://host[:port][/path]");
  u.scheme = std::string(text.substr(0, sep));
  for (char& c : u.scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (u.scheme == "http") {
    u.port = 80;
  } else if (u.scheme == "https") {
    u.port = 443;
  } else {
    return fail("scheme must be http or https");
  }
  std::string_view rest = text.substr(sep + 3);
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return fail("credentials in the URL are not supported");
  }
  std::string_view port_text;
  bool port_given = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after the IPv6 address");
      port_given = true;
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_given = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (u.host.empty()) return fail("missing host");
  if (port_given) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
        value == 0 || value > 65535) {
      return fail("port must be 1..65535");
    }
    u.port = static_cast<uint16_t>(value);
  }
  u.path = path.empty() ? "/" : std::string(path);
  if (u.path.front() == '?') u.path = "/" + u.path;
  size_t hash = u.path.find('#');
  if (hash != std::string::npos) u.path.resize(hash);
  return u;
}

}  // namespace cg
