// Method + path routing with distinct 404 (no such path) and 405 (path exists, wrong method).
//
// Patterns are literal segments plus "{name}" placeholders that match exactly one non-empty
// segment ("/api/v1/alerts/{id}/ack"). Each route has a name used as the bounded `handler`
// label of the HTTP metrics (the pattern itself). Built once, then read-only: Find() is
// thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/http/reply.h"

namespace cg {

// What a handler sees of a request. Views are valid for the duration of the call.
struct ApiRequest {
  std::string_view method;
  std::string_view path;
  const std::multimap<std::string, std::string>* params = nullptr;  // Decoded query; never null.
  std::string_view body;
  std::string_view authorization;  // Authorization header value, "" when absent.
  std::string_view accept;         // Accept header value, "" when absent (GET / negotiates).
  std::vector<std::string> args;   // Placeholder values, in pattern order.
};

class Router {
 public:
  using Handler = std::function<Reply(const ApiRequest&)>;

  struct Route {
    std::string method;
    std::string pattern;
    bool write = false;  // Needs the bearer token.
    Handler handler;
    std::vector<std::string> segments;  // Parsed pattern.
  };

  // Adds a route. Routes are tried in insertion order.
  void Add(std::string method, std::string pattern, bool write, Handler handler);

  struct Match {
    const Route* route = nullptr;   // Null: no route for this method.
    std::vector<std::string> args;  // Placeholder values when route != null.
    std::string allow;  // When route == null but the path exists: "GET, POST" (for 405).
  };
  // HEAD is answered by GET routes.
  Match Find(std::string_view method, std::string_view path) const;

  // The `handler` metric label for a request: the matching pattern (any method), or "other".
  std::string_view LabelFor(std::string_view method, std::string_view path) const;

  // Every pattern, in insertion order, once each (for the "/" index and label pre-creation).
  std::vector<std::string> Patterns() const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool MatchPath(const Route& route, std::string_view path, std::vector<std::string>* args);
  std::vector<Route> routes_;
};

}  // namespace cg
