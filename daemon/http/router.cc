#include "daemon/http/router.h"

#include <algorithm>

namespace cg {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsPlaceholder(std::string_view s) {
  return s.size() >= 2 && s.front() == '{' && s.back() == '}';
}

}  // namespace

void Router::Add(std::string method, std::string pattern, bool write, Handler handler) {
  Route r;
  r.segments = SplitPath(pattern);
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.write = write;
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

bool Router::MatchPath(const Route& route, std::string_view path, std::vector<std::string>* args) {
  // Exact segment walk without allocating for literal routes. A trailing slash is a different
  // path ("/metrics/" is 404), as in Prometheus' own server.
  if (path.empty() || path.front() != '/') return false;
  if (path.size() > 1 && path.back() == '/') return false;
  size_t pos = 1;
  for (size_t k = 0; k < route.segments.size(); ++k) {
    if (pos > path.size()) return false;
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(pos, end - pos);
    if (seg.empty()) return false;
    const std::string& want = route.segments[k];
    if (IsPlaceholder(want)) {
      if (args != nullptr) args->emplace_back(seg);
    } else if (seg != want) {
      return false;
    }
    pos = end + 1;
  }
  return route.segments.empty() ? path == "/" : pos == path.size() + 1;
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  std::vector<std::string> allowed;
  for (const Route& r : routes_) {
    std::vector<std::string> args;
    if (!MatchPath(r, path, &args)) continue;
    if (r.method == want) {
      m.route = &r;
      m.args = std::move(args);
      return m;
    }
    if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) {
      allowed.push_back(r.method);
      if (r.method == "GET") allowed.push_back("HEAD");
    }
  }
  for (const std::string& a : allowed) {
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += a;
  }
  return m;
}

std::string_view Router::LabelFor(std::string_view method, std::string_view path) const {
  (void)method;  // One label per path pattern: a 405 on /metrics still counts under /metrics.
  for (const Route& r : routes_) {
    if (MatchPath(r, path, nullptr)) return r.pattern;
  }
  return "other";
}

std::vector<std::string> Router::Patterns() const {
  std::vector<std::string> out;
  for (const Route& r : routes_) {
    if (std::find(out.begin(), out.end(), r.pattern) == out.end()) out.push_back(r.pattern);
  }
  return out;
}

}  // namespace cg
