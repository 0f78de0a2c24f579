// One HTTP/1.1 connection of the API server: read a request head, check it, read its body, route
// it, write the response, and again (keep-alive, pipelining) until a deadline, a limit or the
// client ends it. Built on Boost.Beast's request parser over a beast::tcp_stream.
//
// A connection costs a socket, a parser and a read buffer of at most max_header_bytes + 16 KiB
// (+ the body, at most max_body_bytes), never a thread: every wait is an asynchronous operation
// with a deadline, on the connection's own strand. Reads stop at the limits: the parser never
// holds more than max_header_bytes of request line and headers (431, or 414 when the request line
// alone is over), nor more than max_body_bytes of body (413), and such a request is answered and
// the connection closed. Requests with both Content-Length and Transfer-Encoding are refused
// (400, close) so that no proxy in front can be fooled into seeing another request boundary.
//
// Deadlines (all measured on the steady clock, independent of how the client trickles bytes):
//   idle  keep_alive_timeout from accept or from the end of the previous response, while no
//         byte of the next request has arrived;
//   head  head_timeout from the same point, for the whole request line and headers;
//   body  read_timeout from the end of the head, for the whole body;
//   write write_timeout for each response.
// A connection that hits one is closed without an answer and counted (timed_out{phase}).
//
// Route handlers for GET, HEAD and other non-write routes run inline on the I/O thread: they only
// read the published snapshot and the metrics page (well under a millisecond). Write routes wait
// for the event loop for up to backend_timeout, so they run on `handler_pool`, and the reply is
// posted back to the connection; a blocked write therefore never delays /healthz, /readyz or
// /metrics. Unknown paths, wrong methods and write requests without the right token are answered
// before any body is read.
//
// Responses are sent in request order (one request at a time per connection; pipelined requests
// wait in the read buffer). Every response, rejections included, is counted in HttpMetrics
// before it is written.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/clock.h"
#include "daemon/http/connection_table.h"
#include "daemon/http/http_metrics.h"
#include "daemon/http/lazy_thread_pool.h"
#include "daemon/http/router.h"

namespace cg {

// What every connection of one server shares. Owned by the server; outlives every connection
// (connections may be destroyed while the server's io_context is torn down).
struct ServerContext {
  uint64_t max_header_bytes = 8 * 1024;
  uint64_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds keep_alive_timeout{2000};
  std::chrono::milliseconds head_timeout{5000};
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  int keep_alive_max_requests = 100;
  std::string token;                       // "" = writes refused.
  const Router* router = nullptr;          // Thread-safe (read-only).
  HttpMetrics* metrics = nullptr;          // Thread-safe.
  ConnectionTable* table = nullptr;        // Thread-safe.
  LazyThreadPool* handler_pool = nullptr;  // Runs write routes.
  // Called by the listener after each accepted connection is admitted (may be empty): the
  // server grows its I/O threads with the connections (HttpApi).
  std::function<void()> on_accept;
  const Clock* clock = nullptr;       // Request durations only.
  std::atomic<bool> stopping{false};  // Set once by Stop(): no new request.
  std::atomic<uint64_t> next_id{1};
};

// Takes a freshly accepted socket whose executor is a strand of its own: admits it to
// ctx.table (at the limit evicting the connection that has waited longest without a complete
// request, or, when none can give its slot up, closing this one at once; both counted as
// refused{reason="limit"}) and serves it until it closes. Called by the listener; thread-safe.
//
// Slot protection (connection_table.h): a connection is evictable while it has nothing to
// parse (nothing sent yet, an incomplete head, idle after a response, draining before a close)
// and protected from accept until the server first looks at it, while sent bytes wait to be
// parsed, and from a complete head until its response is written.
//
// `over_fd_ceiling`: the socket's descriptor is in the reserve left to the rest of the daemon
// (which opened files since the server started). The connection is then served only in place
// of an evictable one, so the HTTP side does not grow into the reserve but a health probe still
// gets in past slow clients; else it is closed (refused{reason="descriptors"}).
void ServeConnection(ServerContext& ctx, boost::asio::ip::tcp::socket socket,
                     bool over_fd_ceiling = false);

}  // namespace cg
