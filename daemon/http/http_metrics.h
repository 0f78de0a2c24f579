// The HTTP server's own metrics, plus the process-wide build-info and start-time gauges.
//
//   cutover_guard_http_requests_total{handler,code}          counter
//   cutover_guard_http_request_duration_seconds{handler}     histogram (headers read -> response
//                                                            ready; excludes sending it)
//   cutover_guard_build_info{version}                        gauge, always 1
//   cutover_guard_start_time_seconds                         gauge, Unix seconds
//
// `handler` is a route pattern or "other" (bounded by the route table); `code` is the HTTP
// status (bounded by what the server emits). Thread-safe; the registry must outlive the object.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
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

class HttpMetrics {
 public:
  // Registers the families; pre-creates the duration histogram of each handler in `handlers`
  // (plus "other") so a scrape shows them before the first request.
  HttpMetrics(prometheus::Registry& registry, const std::vector<std::string>& handlers);

  // Counts one response, before it is sent. `seconds` is absent for requests the library
  // rejected before routing (no start time known); they are counted but not timed.
  void Observe(std::string_view handler, int code, std::optional<double> seconds);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  std::mutex mu_;
  std::map<std::pair<std::string, int>, prometheus::Counter*, std::less<>> counters_;
  std::map<std::string, prometheus::Histogram*, std::less<>> histograms_;
};

// Registers cutover_guard_build_info{version} = 1 and cutover_guard_start_time_seconds.
// Idempotent for equal arguments (prometheus-cpp merges same-named families).
void RegisterBuildInfo(prometheus::Registry& registry, std::string_view version,
                       WallTime start_time);

}  // namespace cg
