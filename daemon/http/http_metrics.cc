#include "daemon/http/http_metrics.h"

#include <prometheus/gauge.h>

namespace cg {
namespace {

// Sub-millisecond to seconds: a /metrics render is ~0.1 ms, a write waits on the loop for up to
// the backend timeout (5 s by default).
prometheus::Histogram::BucketBoundaries DurationBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

}  // namespace

HttpMetrics::HttpMetrics(prometheus::Registry& registry, const std::vector<std::string>& handlers)
    : requests_(prometheus::BuildCounter()
                    .Name("cutover_guard_http_requests_total")
                    .Help("HTTP responses sent, by route pattern and status code.")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("cutover_guard_http_request_duration_seconds")
                    .Help("Time from routing a request to its response being ready (body read, "
                          "handler run).")
                    .Register(registry)) {
  for (const std::string& h : handlers) {
    histograms_.emplace(h, &duration_.Add({{"handler", h}}, DurationBuckets()));
  }
  histograms_.emplace("other", &duration_.Add({{"handler", "other"}}, DurationBuckets()));
}

void HttpMetrics::Observe(std::string_view handler, int code, std::optional<double> seconds) {
  prometheus::Counter* counter = nullptr;
  prometheus::Histogram* histogram = nullptr;
  {
    // One short lock per request to reuse metric pointers; Family::Add would hash the label set
    // under the family's own lock on every call.
    std::lock_guard<std::mutex> lock(mu_);
    auto key = std::make_pair(std::string(handler), code);
    auto it = counters_.find(key);
    if (it == counters_.end()) {
      it = counters_
               .emplace(key, &requests_.Add({{"handler", std::string(handler)},
                                             {"code", std::to_string(code)}}))
               .first;
    }
    counter = it->second;
    if (seconds) {
      auto h = histograms_.find(handler);
      histogram = h != histograms_.end() ? h->second : histograms_.find("other")->second;
    }
  }
  counter->Increment();
  if (histogram != nullptr) histogram->Observe(*seconds);
}

void RegisterBuildInfo(prometheus::Registry& registry, std::string_view version,
                       WallTime start_time) {
  prometheus::BuildGauge()
      .Name("cutover_guard_build_info")
      .Help("Build information; always 1.")
      .Register(registry)
      .Add({{"version", std::string(version)}})
      .Set(1);
  double start = std::chrono::duration<double>(start_time.time_since_epoch()).count();
  prometheus::BuildGauge()
      .Name("cutover_guard_start_time_seconds")
      .Help("Start time of the daemon since the Unix epoch.")
      .Register(registry)
      .Add({})
      .Set(start);
}

}  // namespace cg
