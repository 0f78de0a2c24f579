// The endpoints of the HTTP API as plain functions of (request, snapshot) -> Reply, wired into
// a Router. No HTTP library types here: the server (connection.cc) feeds ApiRequests in.
//
//   GET  /                         status page (HTML); the endpoint index with Accept: JSON
//   GET  /healthz                  200 while the loop heartbeat is fresh, else 503
//   GET  /readyz                   200 once the snapshot says ready, else 503
//   GET  /metrics                  Prometheus text format 0.0.4
//   GET  /api/v1/status            snapshot.status
//   GET  /api/v1/alerts            {"alerts": [...]}; ?state= ?severity= (repeatable, or a,b)
//   GET  /api/v1/rules             {"rules": [...]}
//   GET  /api/v1/samples           ?series= [&target=] [&since=]
//   POST /api/v1/cutover           optional body {"at": "<time>"}             (bearer token)
//   POST /api/v1/alerts/{id}/ack                                              (bearer token)
//   POST /-/reload                                                            (bearer token)
#pragma once

#include <chrono>
#include <string>

#include "base/clock.h"
#include "daemon/http/api_backend.h"
#include "daemon/http/metrics_page.h"
#include "daemon/http/router.h"

namespace cg {

struct ApiHandlerOptions {
  ApiBackend* backend = nullptr;                       // Required; not owned; thread-safe.
  MetricsPage* metrics = nullptr;                      // Required; not owned.
  const Clock* clock = nullptr;                        // Required; not owned.
  std::string token;                                   // "" = write endpoints answer 403.
  std::chrono::milliseconds backend_timeout{5000};     // Wait for a write's result.
  std::chrono::milliseconds heartbeat_timeout{10000};  // /healthz staleness limit.
};

// A router holding every endpoint above. The options' pointers must outlive the router.
Router BuildApiRouter(const ApiHandlerOptions& options);

// Routes one request: 404 for unknown paths, 405 (with an Allow header) for a known path and a
// wrong method, 401/403 for write routes without the right token, else the route's handler.
// `request.args` is filled from the match. Never throws: a handler exception becomes a 500.
Reply Dispatch(const Router& router, std::string_view token, ApiRequest request);

}  // namespace cg
