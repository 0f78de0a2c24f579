// The HTTP server under load for bench/http/run: an HttpApi on an ephemeral loopback port whose
// registry holds a realistic daemon's worth of series (a few hundred: host and process gauges,
// per-log tailing counters, per-rule match counters, alert and notifier families, and the HTTP
// histograms themselves). Prints "port N" and the series count, then serves until stdin closes.
//
// Usage: http_bench_server [--threads N] [--metrics-max-age-ms N] [--keep-alive-max N]
//                          [--max-connections N] [--fd-reserve N] [--head-timeout-ms N]
//                          [--keep-alive-timeout-ms N]
// Flags left out keep HttpApiOptions' defaults (the daemon's).
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>

#include "collectors/metric_source.h"
#include "daemon/http/http_api.h"
#include "daemon/http/http_metrics.h"

namespace {

// A ready snapshot whose loop heartbeat is renewed every second, as the daemon's loop does
// (else /healthz would answer 503 "the loop is stuck").
class StaticBackend : public cg::ApiBackend {
 public:
  std::shared_ptr<const cg::ApiSnapshot> Snapshot() const override {
    auto now = cg::RealClock::Instance().MonoNow();
    std::lock_guard<std::mutex> lock(mu_);
    if (snapshot_ == nullptr || now - snapshot_->loop_heartbeat > std::chrono::seconds(1)) {
      auto s = std::make_shared<cg::ApiSnapshot>();
      s->ready = true;
      s->loop_heartbeat = now;
      snapshot_ = s;
    }
    return snapshot_;
  }
  std::future<cg::ApiResult> SetCutover(std::optional<cg::WallTime>) override { return Fail(); }
  std::future<cg::ApiResult> Ack(std::string, std::string) override { return Fail(); }
  std::future<cg::ApiResult> Reload() override { return Fail(); }

 private:
  static std::future<cg::ApiResult> Fail() {
    std::promise<cg::ApiResult> p;
    p.set_value(cg::ApiError::Unavailable("benchmark"));
    return p.get_future();
  }
  mutable std::mutex mu_;
  mutable std::shared_ptr<const cg::ApiSnapshot> snapshot_;
};

std::string MetricName(std::string_view series) {
  std::string name = "cutover_guard_";
  for (char c : series) name += c == '.' ? '_' : c;
  return name;
}

// Families and label sets shaped like the daemon's (names follow the other issues' metrics).
void Populate(prometheus::Registry& r) {
  for (auto series : cg::kHostSeries) {
    prometheus::BuildGauge()
        .Name(MetricName(series))
        .Help("Host series.")
        .Register(r)
        .Add({})
        .Set(0.42);
  }
  for (auto series : cg::kProcessSeries) {
    auto& f = prometheus::BuildGauge().Name(MetricName(series)).Help("Process series.").Register(r);
    for (const char* t : {"apim-gateway", "apim-control-plane", "apim-traffic-manager"}) {
      f.Add({{"target", t}}).Set(1234.5);
    }
  }
  const char* logs[] = {"carbon", "errors", "audit", "http_access", "correlation"};
  for (const char* name : {"cutover_guard_log_lines_total", "cutover_guard_log_bytes_total",
                           "cutover_guard_log_records_total", "cutover_guard_log_rotations_total",
                           "cutover_guard_log_parse_errors_total"}) {
    auto& f = prometheus::BuildCounter().Name(name).Help("Tailing counter.").Register(r);
    for (const char* log : logs) f.Add({{"log", log}}).Increment(987654);
  }
  for (const char* name :
       {"cutover_guard_log_lag_bytes", "cutover_guard_log_last_record_timestamp_seconds"}) {
    auto& f = prometheus::BuildGauge().Name(name).Help("Tailing gauge.").Register(r);
    for (const char* log : logs) f.Add({{"log", log}}).Set(1764000000.25);
  }
  auto& matches = prometheus::BuildCounter()
                      .Name("cutover_guard_rule_matches_total")
                      .Help("Rule matches.")
                      .Register(r);
  for (int i = 0; i < 60; ++i)
    matches.Add({{"rule", "wso2-rule-" + std::to_string(i)}}).Increment(i);
  auto& firing =
      prometheus::BuildGauge().Name("cutover_guard_alerts_firing").Help("Firing.").Register(r);
  for (const char* s : {"critical", "warning", "info"}) firing.Add({{"severity", s}}).Set(1);
  auto& rec = prometheus::BuildGauge()
                  .Name("cutover_guard_recommendation")
                  .Help("Current recommendation.")
                  .Register(r);
  for (const char* s : {"continue", "investigate", "rollback"}) {
    rec.Add({{"recommendation", s}}).Set(s[0] == 'i' ? 1 : 0);
  }
  auto& notes = prometheus::BuildCounter()
                    .Name("cutover_guard_notifications_total")
                    .Help("Notifications.")
                    .Register(r);
  auto& queue = prometheus::BuildGauge()
                    .Name("cutover_guard_notification_queue_length")
                    .Help("Queue.")
                    .Register(r);
  for (const char* rcv : {"alertmanager", "webhook:slack", "webhook:pagerduty", "webhook:itsm"}) {
    for (const char* res : {"sent", "failed", "rejected", "dropped"}) {
      notes.Add({{"receiver", rcv}, {"result", res}}).Increment(3);
    }
    queue.Add({{"receiver", rcv}}).Set(0);
  }
  cg::RegisterBuildInfo(r, "0.1.0", cg::RealClock::Instance().Now());
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  cg::HttpApiOptions o;
  o.listen = {"127.0.0.1", 0};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    long v = std::strtol(argv[i + 1], nullptr, 10);
    if (flag == "--threads") {
      o.threads = static_cast<int>(v);
    } else if (flag == "--metrics-max-age-ms") {
      o.metrics_max_age = std::chrono::milliseconds(v);
    } else if (flag == "--keep-alive-max") {
      o.keep_alive_max_requests = static_cast<int>(v);
    } else if (flag == "--max-connections") {
      o.max_connections = static_cast<int>(v);
    } else if (flag == "--fd-reserve") {
      o.fd_reserve = static_cast<int>(v);
    } else if (flag == "--head-timeout-ms") {
      o.head_timeout = std::chrono::milliseconds(v);
    } else if (flag == "--keep-alive-timeout-ms") {
      o.keep_alive_timeout = std::chrono::milliseconds(v);
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  prometheus::Registry registry;
  StaticBackend backend;
  Populate(registry);
  o.registry = &registry;
  o.backend = &backend;
  auto api = cg::HttpApi::Create(o);
  if (!api.ok()) {
    std::cerr << api.error().message() << "\n";
    return 1;
  }
  // Count the exposed samples the way a scrape sees them (HTTP families included).
  std::string page = prometheus::TextSerializer().Serialize(registry.Collect());
  size_t samples = 0;
  size_t pos = 0;
  while (pos < page.size()) {
    size_t eol = page.find('\n', pos);
    if (eol == std::string::npos) eol = page.size();
    if (page[pos] != '#') ++samples;
    pos = eol + 1;
  }
  std::cout << "port " << (*api)->port() << "\nseries " << samples << "\nbytes " << page.size()
            << "\nmax_connections " << (*api)->max_connections() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}
