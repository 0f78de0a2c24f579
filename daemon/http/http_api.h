// The daemon's one HTTP server: the JSON API, /healthz, /readyz and Prometheus /metrics.
//
// Built on Boost.Beast (HTTP/1.1 parser) over Boost.Asio: one io_context of its own, run by
// `threads` I/O threads, and a pool of two threads for the write routes (they wait up to
// backend_timeout for the event loop). A connection costs a socket and a few KiB of buffer,
// never a thread, however slowly its client sends; see connection.h for one connection's cycle,
// listener.h for accepting and connection_table.h for the connection bound. Handlers only read
// ApiBackend::Snapshot() and the prometheus registry (both thread-safe) and post writes to the
// backend.
//
// What a client cannot take from the daemon (every bound answers or closes, and is counted in
// the cutover_guard_http_* metrics of http_metrics.h):
//   - memory: request line + headers <= max_header_bytes in total, enforced while reading
//     (431; 414 when the request line alone is over), body <= max_body_bytes (413, Content-Length
//     and chunked alike); such requests are answered and their connection closed;
//   - time: a deadline for the whole request head (head_timeout from accept or from the end of
//     the previous response), for idle connections (keep_alive_timeout), for the body
//     (read_timeout) and for each response (write_timeout), however the client trickles;
//   - connections: at most max_connections open. At the limit a new connection takes the slot of
//     the one that has waited longest without a complete request (silent, trickling its head,
//     idle between requests), and is closed at once only when no slot can be given up. Slow
//     clients therefore cannot lock out the health probe or Prometheus: a request sent whole
//     keeps its slot from accept to answer, even with 1,000 slow-header connections hammering
//     the port (see connection_table.h);
//   - descriptors: the effective connection limit leaves fd_reserve descriptors (and those open
//     at Create) to the tailer and the state writes, under RLIMIT_NOFILE;
//   - /healthz behind a stuck write: write routes run off the I/O threads;
//   - request smuggling: Content-Length with Transfer-Encoding is a 400 and a close.
// Every error is JSON {"error": ..., "detail": ...}.
//
// Lifetime: Create() binds and starts serving before it returns (port 0 picks a free port, see
// port()). Stop() (also run by the destructor) stops accepting, closes connections waiting for a
// request, lets requests in progress finish (bounded by backend_timeout + write_timeout), and
// joins every thread.
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
  std::string token;                    // Bearer token for writes; "" = writes refused (403).
  uint64_t max_body_bytes = 64 * 1024;  // > 0.
  // Request line + header lines + the blank line, in total (256 B .. 1 MiB).
  uint64_t max_header_bytes = 8 * 1024;
  int threads = 4;  // I/O threads running the server's io_context (1..256).
  // Open connections at most (1..1,000,000), lowered at Create() to what RLIMIT_NOFILE allows
  // beside fd_reserve. 256 slow clients cost ~256 sockets and a few MiB; it is not a tuning
  // knob for throughput (a slot is freed as soon as its response is written or it idles).
  int max_connections = 256;
  // Descriptors the HTTP side leaves to the rest of the daemon (tailer, state and checkpoint
  // writes) on top of those open at Create(): the connection limit is at most
  // RLIMIT_NOFILE - open - fd_reserve, and a connection whose descriptor number is at or above
  // RLIMIT_NOFILE - fd_reserve is refused. 0..1,000,000.
  int fd_reserve = 64;
  // The whole request line and headers must arrive within this, from accept or from the end of
  // the previous response on the connection; else it is closed (timed_out{phase="head"}).
  std::chrono::milliseconds head_timeout{5000};
  // The whole request body must arrive within this, from the end of its head.
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};  // Each response must be written within this.
  // A connection (new or kept alive) that sends no byte of a request for this long is closed.
  std::chrono::milliseconds keep_alive_timeout{2000};
  // Requests served on one connection before it is closed (>= 1). A kept-alive connection costs
  // a socket and a slot, never a thread (the cpp-httplib server this replaced pinned a worker to
  // it, so the default was 1): Prometheus and other pollers reuse their connection instead of a
  // TCP handshake per request, and an idle one gives its slot up at the limit or after
  // keep_alive_timeout.
  int keep_alive_max_requests = 100;
  std::chrono::milliseconds backend_timeout{5000};     // Wait for a write's result (then 503).
  std::chrono::milliseconds heartbeat_timeout{10000};  // /healthz is 503 beyond this age.
  // Reuse a rendered /metrics page for this long (per `clock`). Rendering a few hundred series
  // costs ~0.2 ms of CPU; reusing it takes /metrics from ~4k to >20k requests/s on two cores.
  // A scrape may then be up to this old (a counter shows a new record within it). 0 renders
  // every request.
  std::chrono::milliseconds metrics_max_age{500};
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
  // The connection limit in force: max_connections, or less when RLIMIT_NOFILE required it.
  size_t max_connections() const;

  // Stops the server and joins its threads. Idempotent; thread-safe.
  void Stop();

 private:
  struct Impl;
  explicit HttpApi(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg
