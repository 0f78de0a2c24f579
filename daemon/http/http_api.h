// The daemon's one HTTP server: the JSON API, /healthz, /readyz and Prometheus /metrics.
//
// Owns a cpp-httplib server, its accept thread and a fixed pool of worker threads. Handlers only
// read ApiBackend::Snapshot() and the prometheus registry (both thread-safe) and post writes to
// the backend. Limits enforced here (cpp-httplib 0.11.4 lacks most of them, see http_api.cc):
//   - request bodies above max_body_bytes: 413 (Content-Length and chunked alike);
//   - request headers above max_header_bytes in total: 431; one header line above 8 KiB: 431;
//   - request line (URI) above 8 KiB: 414;
//   - read/write timeouts per socket operation, idle keep-alive timeout, requests per connection.
// Every error is JSON {"error": ..., "detail": ...}.
//
// Lifetime: Create() binds and starts serving before it returns (port 0 picks a free port, see
// port()). Stop() (also run by the destructor) stops accepting, lets in-flight requests finish
// and joins every thread; idle keep-alive connections delay it by up to keep_alive_timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "base/units.h"
#include "daemon/http/api_backend.h"

namespace prometheus {
class Registry;
}

namespace cg {

struct HttpApiOptions {
  // "127.0.0.1", "::1", "0.0.0.0", "::" (IPv6 and IPv4 both), "" (same as "::"), or a host name
  // (its first address that binds). Port 0 = any free port.
  HostPort listen{"127.0.0.1", 9860};
  std::string token;  // Bearer token for writes; "" = writes refused (403).
  uint64_t max_body_bytes = 64 * 1024;
  uint64_t max_header_bytes = 8 * 1024;  // Sum of all header lines.
  int threads = 4;                       // Worker threads (1..256); each serves one connection.
  std::chrono::milliseconds read_timeout{5000};   // Per socket read.
  std::chrono::milliseconds write_timeout{5000};  // Per socket write.
  // How long a worker waits for a request on a new or kept-alive connection before closing it.
  std::chrono::milliseconds keep_alive_timeout{2000};
  // Requests served on one connection before it is closed. cpp-httplib binds a connection to one
  // worker for its whole life (including idle keep-alive waits), so with a small pool a few
  // keep-alive clients starve everyone else. 1 (close after each response) keeps the pool fair:
  // with 4 workers and 32 busy clients the p99 latency stays at a few ms (bench/http). The cost,
  // one TCP handshake per request, is nothing for Prometheus' one scrape per interval.
  int keep_alive_max_requests = 1;
  std::chrono::milliseconds backend_timeout{5000};     // Wait for a write's result (then 503).
  std::chrono::milliseconds heartbeat_timeout{10000};  // /healthz is 503 beyond this age.
  // Reuse a rendered /metrics page for this long (per `clock`). Rendering a few hundred series
  // costs ~0.2 ms of CPU; reusing it for 1 s takes /metrics from ~4k to >20k requests/s on two
  // cores. A scrape may then be up to this old. 0 renders every request.
  std::chrono::milliseconds metrics_max_age{1000};
  prometheus::Registry* registry = nullptr;     // Required. Not owned; must outlive the HttpApi.
  ApiBackend* backend = nullptr;                // Required. Not owned; must outlive the HttpApi.
  const Clock* clock = &RealClock::Instance();  // Not owned.
  // Optional log sink; `priority` is a syslog level (3 error, 4 warning, 6 info, 7 debug).
  std::function<void(int priority, std::string_view message)> log;
};

class HttpApi {
 public:
  // Validates the options, registers the HTTP metrics, binds and starts serving. Fails with a
  // message naming the address and the reason ("Address already in use") when it cannot bind.
  [[nodiscard]] static Result<std::unique_ptr<HttpApi>> Create(HttpApiOptions options);

  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // The bound port (the chosen one when listening on port 0).
  uint16_t port() const;
  // "127.0.0.1:9860" / "[::1]:9860" as bound.
  std::string address() const;

  // Stops the server and joins its threads. Idempotent; thread-safe.
  void Stop();

 private:
  struct Impl;
  explicit HttpApi(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg
