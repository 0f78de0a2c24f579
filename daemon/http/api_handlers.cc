#include "daemon/http/api_handlers.h"

#include <cctype>
#include <exception>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "base/diagnostics.h"
#include "base/json_bounded.h"
#include "base/units.h"
#include "daemon/http/auth.h"
#include "daemon/http/status_page.h"
#include "daemon/http/time_param.h"

namespace cg {
namespace {

using nlohmann::json;
using Params = std::multimap<std::string, std::string>;

// Rejects query parameters the endpoint does not know, with a did-you-mean hint: a typo in
// "?sevrity=critical" must not silently return every alert.
std::optional<Reply> CheckParams(const Params& params,
                                 std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : params) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == name;
    if (ok) continue;
    std::string detail = "unknown query parameter \"" + name + "\"";
    std::string_view best;
    size_t best_distance = 3;
    for (std::string_view k : known) {
      size_t d = EditDistance(name, k);
      if (d < best_distance) best = k, best_distance = d;
    }
    if (!best.empty()) {
      detail += " (did you mean \"" + std::string(best) + "\"?)";
    } else if (known.size() == 0) {
      detail += " (this endpoint takes none)";
    }
    return ErrorReply(400, detail);
  }
  return std::nullopt;
}

// Values of a repeatable, comma-separable parameter: ?state=firing&state=pending or
// ?state=firing,pending. Empty items are ignored.
std::set<std::string, std::less<>> ParamValues(const Params& params, const std::string& name) {
  std::set<std::string, std::less<>> out;
  auto [lo, hi] = params.equal_range(name);
  for (auto it = lo; it != hi; ++it) {
    std::string_view v = it->second;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view item = v.substr(0, comma);
      if (!item.empty()) out.emplace(item);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

const std::string* SingleParam(const Params& params, const std::string& name, Reply* error) {
  if (params.count(name) > 1) {
    *error = ErrorReply(400, "query parameter \"" + name + "\" given more than once");
    return nullptr;
  }
  auto it = params.find(name);
  return it == params.end() ? nullptr : &it->second;
}

bool FieldIn(const json& object, const char* field, const std::set<std::string, std::less<>>& set) {
  if (set.empty()) return true;
  auto it = object.find(field);
  return it != object.end() && it->is_string() && set.count(it->get_ref<const std::string&>()) > 0;
}

Reply NoSnapshot() { return ErrorReply(503, "no snapshot published yet: the daemon is starting"); }

int StatusFor(ApiError::Code code) {
  switch (code) {
    case ApiError::Code::kInvalidArgument:
      return 400;
    case ApiError::Code::kNotFound:
      return 404;
    case ApiError::Code::kConflict:
      return 409;
    case ApiError::Code::kUnavailable:
      return 503;
    case ApiError::Code::kInternal:
      return 500;
  }
  return 500;
}

// Waits (bounded) for a write executed on the event loop.
Reply AwaitWrite(std::future<ApiResult> future, std::chrono::milliseconds timeout) {
  if (!future.valid()) return ErrorReply(503, "the event loop did not accept the request");
  if (future.wait_for(timeout) != std::future_status::ready) {
    return ErrorReply(503, "the event loop did not answer within " + FormatDuration(timeout));
  }
  try {
    ApiResult result = future.get();
    if (!result.ok()) return ErrorReply(StatusFor(result.error().code), result.error().message);
    return JsonReply(200, result.value());
  } catch (const std::future_error&) {
    // The loop dropped the promise (shutting down).
    return ErrorReply(503, "the event loop abandoned the request (shutting down?)");
  }
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// Parses the optional cutover body {"at": "<time>" | <unix seconds> | null}.
Result<std::optional<WallTime>> ParseCutoverBody(std::string_view body, WallTime now) {
  if (IsBlank(body)) return std::optional<WallTime>();
  json doc;
  // {"at": ...} is two levels deep; the cap keeps a hostile body from costing more than that.
  if (!ParseJsonBounded(body, &doc, /*max_depth=*/4).ok()) {
    return Status::Error("body is not valid JSON");
  }
  if (!doc.is_object()) return Status::Error("body must be a JSON object like {\"at\": \"...\"}");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() != "at")
      return Status::Error("unknown field \"" + it.key() + "\" (expected \"at\")");
  }
  auto at = doc.find("at");
  if (at == doc.end() || at->is_null()) return std::optional<WallTime>();
  if (at->is_number()) {
    double secs = at->get<double>();
    // The clock's nanoseconds end in 2262; past 2200 is a typo, not a cutover mark.
    if (!(secs >= 0 && secs < kMaxUnixSeconds)) {
      return Status::Error("\"at\": Unix time out of range");
    }
    auto ms = std::chrono::milliseconds(static_cast<int64_t>(secs * 1000.0));
    return std::optional<WallTime>(WallTime(std::chrono::duration_cast<WallTime::duration>(ms)));
  }
  if (!at->is_string()) return Status::Error("\"at\" must be a time string or Unix seconds");
  auto t = ParseTimeParam(at->get_ref<const std::string&>(), now);
  if (!t.ok()) return Status::Error("\"at\": " + t.error().message());
  return std::optional<WallTime>(*t);
}

}  // namespace

Router BuildApiRouter(const ApiHandlerOptions& o) {
  Router router;
  ApiBackend* backend = o.backend;
  MetricsPage* metrics = o.metrics;
  const Clock* clock = o.clock;
  auto backend_timeout = o.backend_timeout;
  auto heartbeat_timeout = o.heartbeat_timeout;

  router.Add("GET", "/healthz", false, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {})) return *e;
    auto health = backend->LoopHealth();
    if (!health) return NoSnapshot();
    auto age = clock->MonoNow() - health->loop_heartbeat;
    double age_s = std::chrono::duration<double>(age).count();
    if (age > heartbeat_timeout) {
      return ErrorReply(503, "event loop heartbeat is " + std::to_string(age_s) + " s old (limit " +
                                 FormatDuration(heartbeat_timeout) + "): the loop is stuck");
    }
    return JsonReply(200, json{{"status", "ok"}, {"heartbeat_age_seconds", age_s}});
  });

  router.Add("GET", "/readyz", false, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {})) return *e;
    auto health = backend->LoopHealth();
    if (!health) return NoSnapshot();
    if (!health->ready) {
      return ErrorReply(503, "not ready: checkpoints not restored or no sample taken yet");
    }
    return JsonReply(200, json{{"status", "ready"}});
  });

  router.Add("GET", "/metrics", false, [=](const ApiRequest&) {
    // Query parameters are ignored here, as Prometheus' own exporters do (?name[]=... filters
    // are a client-library feature we do not offer).
    Reply reply;
    reply.content_type = std::string(kMetricsContentType);
    reply.body = *metrics->Render();
    return reply;
  });

  router.Add("GET", "/api/v1/status", false, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {})) return *e;
    auto snap = backend->Snapshot();
    if (snap == nullptr) return NoSnapshot();
    return JsonReply(200, snap->status);
  });

  router.Add("GET", "/api/v1/alerts", false, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {"state", "severity"})) return *e;
    auto snap = backend->Snapshot();
    if (snap == nullptr) return NoSnapshot();
    auto states = ParamValues(*r.params, "state");
    auto severities = ParamValues(*r.params, "severity");
    json out = json::array();
    if (snap->alerts.is_array()) {
      for (const json& a : snap->alerts) {
        if (a.is_object() && FieldIn(a, "state", states) && FieldIn(a, "severity", severities)) {
          out.push_back(a);
        }
      }
    }
    return JsonReply(200, json{{"alerts", std::move(out)}});
  });

  router.Add("GET", "/api/v1/rules", false, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {})) return *e;
    auto snap = backend->Snapshot();
    if (snap == nullptr) return NoSnapshot();
    return JsonReply(200, json{{"rules", snap->rules}});
  });

  router.Add("GET", "/api/v1/signatures", false, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {"state"})) return *e;
    auto snap = backend->Snapshot();
    if (snap == nullptr) return NoSnapshot();
    auto states = ParamValues(*r.params, "state");
    static const std::set<std::string> kStates = {"known", "new", "regressed", "unjudged", "all"};
    for (const auto& st : states) {
      if (!kStates.count(st)) {
        return ErrorReply(400, "state must be new, regressed, known, unjudged or all");
      }
    }
    if (states.count("all")) states.clear();
    json out = json::array();
    static const json kNone = json::object();
    const json& sigs = snap->signatures ? *snap->signatures : kNone;
    if (auto it = sigs.find("signatures"); it != sigs.end() && it->is_array()) {
      for (const json& s : *it) {
        if (s.is_object() && FieldIn(s, "state", states)) out.push_back(s);
      }
    }
    json baseline = sigs.contains("baseline") ? sigs["baseline"] : json::object();
    return JsonReply(200, json{{"baseline", std::move(baseline)}, {"signatures", std::move(out)}});
  });

  router.Add("GET", "/api/v1/samples", false, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {"series", "target", "since"})) return *e;
    Reply error;
    const std::string* series = SingleParam(*r.params, "series", &error);
    if (error.status != 200) return error;
    const std::string* target = SingleParam(*r.params, "target", &error);
    if (error.status != 200) return error;
    const std::string* since_text = SingleParam(*r.params, "since", &error);
    if (error.status != 200) return error;
    if (series == nullptr || series->empty()) {
      return ErrorReply(400, "missing query parameter \"series\" (e.g. ?series=host.load1)");
    }
    WallTime since = WallTime::min();
    if (since_text != nullptr) {
      auto t = ParseTimeParam(*since_text, clock->Now());
      if (!t.ok()) return ErrorReply(400, "since: " + t.error().message());
      since = *t;
    }
    auto snap = backend->Snapshot();
    if (snap == nullptr) return NoSnapshot();
    std::string target_name = target != nullptr ? *target : "";
    if (snap->samples == nullptr || snap->samples->Find(*series, target_name) == nullptr) {
      std::string detail = "unknown series \"" + *series + "\"";
      if (!target_name.empty()) detail += " for target \"" + target_name + "\"";
      return ErrorReply(404, detail);
    }
    auto [first, last] = snap->samples->Since(*series, target_name, since);
    json points = json::array();
    for (const SamplePoint* p = first; p != last; ++p) {
      points.push_back(json{{"at", FormatRfc3339(p->at)}, {"value", p->value}});
    }
    json body{{"series", *series}, {"target", target_name}, {"points", std::move(points)}};
    if (since_text != nullptr) body["since"] = FormatRfc3339(since);
    return JsonReply(200, body);
  });

  router.Add("POST", "/api/v1/cutover", true, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {})) return *e;
    auto at = ParseCutoverBody(r.body, clock->Now());
    if (!at.ok()) return ErrorReply(400, at.error().message());
    return AwaitWrite(backend->SetCutover(*at), backend_timeout);
  });

  router.Add("POST", "/api/v1/alerts/{id}/ack", true, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {})) return *e;
    // Optional body {"comment": "..."}: why (and by whom) it was acknowledged, kept with the
    // ack. No body (older clients) means no comment.
    std::string comment;
    if (!IsBlank(r.body)) {
      json doc;
      // The parser refuses ill-formed UTF-8 (and lone surrogates in escapes).
      if (!ParseJsonBounded(r.body, &doc, /*max_depth=*/2).ok()) {
        return ErrorReply(400, "body is not valid JSON (UTF-8)");
      }
      if (!doc.is_object()) {
        return ErrorReply(400, "body must be a JSON object like {\"comment\": \"...\"}");
      }
      for (auto it = doc.begin(); it != doc.end(); ++it) {
        if (it.key() != "comment") {
          return ErrorReply(400, "unknown field \"" + it.key() + "\" (expected \"comment\")");
        }
      }
      if (auto c = doc.find("comment"); c != doc.end() && !c->is_null()) {
        if (!c->is_string()) return ErrorReply(400, "\"comment\" must be a string");
        comment = c->get<std::string>();
        if (comment.size() > kMaxAckCommentBytes) {
          return ErrorReply(
              400, "\"comment\" is longer than " + std::to_string(kMaxAckCommentBytes) + " bytes");
        }
        // One line of text: it is shown in terminals and logs, where control characters
        // (escape sequences, newlines) could forge or hide output.
        for (size_t i = 0; i < comment.size(); ++i) {
          const auto ch = static_cast<unsigned char>(comment[i]);
          const bool c1 = ch == 0xc2 && i + 1 < comment.size() &&
                          static_cast<unsigned char>(comment[i + 1]) < 0xa0;  // U+0080..U+009F
          if (ch < 0x20 || ch == 0x7f || c1) {
            return ErrorReply(400, "\"comment\" must be one line without control characters");
          }
        }
      }
    }
    return AwaitWrite(backend->Ack(r.args.at(0), std::move(comment)), backend_timeout);
  });

  router.Add("POST", "/-/reload", true, [=](const ApiRequest& r) {
    if (auto e = CheckParams(*r.params, {})) return *e;
    return AwaitWrite(backend->Reload(), backend_timeout);
  });

  // GET /: the status page (daemon/http/status_page.h), or with "Accept: application/json"
  // the endpoint index. The index lists the routes above; it is added last so it can describe
  // them.
  std::vector<std::pair<std::string, std::string>> listing;
  for (const auto& route : router.routes()) listing.emplace_back(route.method, route.pattern);
  listing.emplace_back("GET", "/");
  router.Add("GET", "/", false, [listing, backend, clock](const ApiRequest& r) {
    std::string accept(r.accept);
    for (char& c : accept) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (accept.find("application/json") != std::string::npos) {
      json endpoints = json::array();
      for (const auto& [method, pattern] : listing) {
        endpoints.push_back(json{{"method", method}, {"path", pattern}});
      }
      Reply index =
          JsonReply(200, json{{"service", "cutover-guard"}, {"endpoints", std::move(endpoints)}});
      index.headers.emplace_back("Vary", "Accept");
      return index;
    }
    // ?fragment=1: only the <main> content, for the page's 5 s refresh.
    if (auto e = CheckParams(*r.params, {"fragment"})) return *e;
    return StatusPageReply(backend->Snapshot().get(), clock->Now(),
                           r.params->count("fragment") > 0);
  });
  return router;
}

Reply Dispatch(const Router& router, std::string_view token, ApiRequest request) {
  Router::Match m = router.Find(request.method, request.path);
  if (m.route == nullptr) {
    if (m.allow.empty()) {
      return ErrorReply(404, "no endpoint " + std::string(request.path) + " (GET / lists them)");
    }
    Reply r = ErrorReply(405, std::string(request.method) + " is not allowed on " +
                                  std::string(request.path) + " (allowed: " + m.allow + ")");
    r.headers.emplace_back("Allow", m.allow);
    return r;
  }
  if (m.route->write) {
    switch (CheckBearer(request.authorization, token)) {
      case AuthResult::kOk:
        break;
      case AuthResult::kDisabled:
        return ErrorReply(403, "write endpoints are disabled: no api.token_file is configured");
      case AuthResult::kMissing: {
        Reply r = ErrorReply(401, "this endpoint needs \"Authorization: Bearer <token>\"");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"cutover-guard\"");
        return r;
      }
      case AuthResult::kWrong:
        return ErrorReply(403, "wrong bearer token");
    }
  }
  request.args = std::move(m.args);
  try {
    return m.route->handler(request);
  } catch (const std::exception& e) {
    return ErrorReply(500, std::string("internal error: ") + e.what());
  }
}

}  // namespace cg
