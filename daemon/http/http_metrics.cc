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
                    .Register(registry)),
      open_(prometheus::BuildGauge()
                .Name("cutover_guard_http_connections_open")
                .Help("HTTP connections open: being served or waiting for a request.")
                .Register(registry)
                .Add({})),
      accepted_(prometheus::BuildCounter()
                    .Name("cutover_guard_http_connections_accepted_total")
                    .Help("HTTP connections accepted (including those then refused).")
                    .Register(registry)
                    .Add({})) {
  auto& refused = prometheus::BuildCounter()
                      .Name("cutover_guard_http_connections_refused_total")
                      .Help(
                          "HTTP connections closed unanswered because of the connection limit "
                          "or the descriptor reserve.")
                      .Register(registry);
  refused_[0] = &refused.Add({{"reason", "limit"}});
  refused_[1] = &refused.Add({{"reason", "descriptors"}});
  auto& timed_out = prometheus::BuildCounter()
                        .Name("cutover_guard_http_connections_timed_out_total")
                        .Help("HTTP connections closed at a deadline, by phase.")
                        .Register(registry);
  timed_out_[0] = &timed_out.Add({{"phase", "idle"}});
  timed_out_[1] = &timed_out.Add({{"phase", "head"}});
  timed_out_[2] = &timed_out.Add({{"phase", "body"}});
  timed_out_[3] = &timed_out.Add({{"phase", "write"}});
  auto& rejected = prometheus::BuildCounter()
                       .Name("cutover_guard_http_requests_rejected_total")
                       .Help("HTTP requests answered with an error before routing, by reason.")
                       .Register(registry);
  rejected_[0] = &rejected.Add({{"reason", "head_too_large"}});
  rejected_[1] = &rejected.Add({{"reason", "uri_too_long"}});
  rejected_[2] = &rejected.Add({{"reason", "body_too_large"}});
  rejected_[3] = &rejected.Add({{"reason", "malformed"}});
  rejected_[4] = &rejected.Add({{"reason", "smuggling"}});
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

// The enums index the arrays filled in the constructor, in declaration order.
void HttpMetrics::Refused(RefuseReason reason) { refused_[static_cast<int>(reason)]->Increment(); }

void HttpMetrics::TimedOut(TimeoutPhase phase) { timed_out_[static_cast<int>(phase)]->Increment(); }

void HttpMetrics::Rejected(RejectReason reason) {
  rejected_[static_cast<int>(reason)]->Increment();
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
