// The HTTP server's own metrics, plus the process-wide build-info and start-time gauges.
//
//   cutover_guard_http_requests_total{handler,code}          counter
//   cutover_guard_http_request_duration_seconds{handler}     histogram (headers read -> response
//                                                            ready; excludes sending it)
//   cutover_guard_http_connections_open                      gauge: connections being served or
//                                                            waiting for a request (at most the
//                                                            effective max_connections)
//   cutover_guard_http_connections_accepted_total            counter: every accept(2) that
//                                                            returned a socket, refused ones too
//   cutover_guard_http_connections_refused_total{reason}     counter: connections closed because
//                                                            of a bound, without an answer.
//       reason="limit": at max_connections, either the new connection (no open one could give
//       its slot up) or the one that had waited longest without a complete request (evicted to
//       make room; see connection_table.h)
//       reason="descriptors": accept(2) failed with EMFILE/ENFILE (accepting pauses briefly), or
//       the new socket would have eaten into the descriptor reserve of the rest of the daemon
//   cutover_guard_http_connections_timed_out_total{phase}    counter: connections closed at a
//                                                            deadline.
//       phase="idle": no byte of a request within keep_alive_timeout (new or kept-alive)
//       phase="head": request line + headers not complete within head_timeout
//       phase="body": request body not complete within read_timeout
//       phase="write": response not written within write_timeout
//   cutover_guard_http_requests_rejected_total{reason}       counter: requests answered with an
//                                                            error before routing, then closed.
//       reason="head_too_large" (431), "uri_too_long" (414), "body_too_large" (413),
//       "malformed" (400: request line, header syntax, Content-Length, chunk framing),
//       "smuggling" (400: both Content-Length and Transfer-Encoding)
//   cutover_guard_build_info{version}                        gauge, always 1
//   cutover_guard_start_time_seconds                         gauge, Unix seconds
//
// `handler` is a route pattern or "other" (bounded by the route table); `code` is the HTTP
// status (bounded by what the server emits); `reason` and `phase` take only the values above,
// all created at 0 with the object. Thread-safe; the registry must outlive the object.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"

namespace cg {

enum class RefuseReason { kLimit, kDescriptors };
enum class TimeoutPhase { kIdle, kHead, kBody, kWrite };
enum class RejectReason { kHeadTooLarge, kUriTooLong, kBodyTooLarge, kMalformed, kSmuggling };

class HttpMetrics {
 public:
  // Registers the families; pre-creates the duration histogram of each handler in `handlers`
  // (plus "other") and every connection and rejection series so a scrape shows them before the
  // first request. Throws what prometheus-cpp throws on a family registered with other labels.
  HttpMetrics(prometheus::Registry& registry, const std::vector<std::string>& handlers);

  // Counts one response, before it is sent. `seconds` is absent for requests rejected before
  // routing (no start time known); they are counted but not timed.
  void Observe(std::string_view handler, int code, std::optional<double> seconds);

  void Accepted() { accepted_.Increment(); }
  void Refused(RefuseReason reason);
  void TimedOut(TimeoutPhase phase);
  void Rejected(RejectReason reason);
  // The open-connections gauge (moved by the connection table).
  prometheus::Gauge& open_connections() { return open_; }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Gauge& open_;
  prometheus::Counter& accepted_;
  prometheus::Counter* refused_[2];
  prometheus::Counter* timed_out_[4];
  prometheus::Counter* rejected_[5];
  std::mutex mu_;
  std::map<std::pair<std::string, int>, prometheus::Counter*, std::less<>> counters_;
  std::map<std::string, prometheus::Histogram*, std::less<>> histograms_;
};

// Registers cutover_guard_build_info{version} = 1 and cutover_guard_start_time_seconds.
// Idempotent for equal arguments (prometheus-cpp merges same-named families).
void RegisterBuildInfo(prometheus::Registry& registry, std::string_view version,
                       WallTime start_time);

}  // namespace cg
