// Real Prometheus and Alertmanager from Debian's packages, for integration tests: started on
// loopback ports chosen at run time, with data under a temp dir, bounded waits, and stopped
// (SIGTERM, then SIGKILL) by their destructors. Header-only.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/external_process.h"
#include "tests/support/temp_dir.h"

namespace cg::testing {

inline constexpr const char* kAlertmanagerBinary = "/usr/bin/prometheus-alertmanager";
inline constexpr const char* kPrometheusBinary = "/usr/bin/prometheus";

// GET on 127.0.0.1:port; the parsed JSON body, or null on any failure.
inline nlohmann::json GetJson(uint16_t port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(std::chrono::seconds(5));
  auto r = c.Get(path.c_str());
  if (!r || r->status != 200) return nullptr;
  return nlohmann::json::parse(r->body, nullptr, false);
}

// Starts `argv` into `*process` (output in `log`) and waits, bounded, until GET /-/ready on
// `port` answers 200. False if it exited or never became ready; `*process` keeps its log.
inline bool StartReady(std::unique_ptr<ExternalProcess>* process, std::vector<std::string> argv,
                       const std::filesystem::path& log, uint16_t port) {
  *process = std::make_unique<ExternalProcess>(std::move(argv), log);
  ExternalProcess& p = **process;
  return WaitFor(
             [&] {
               if (!p.Running()) return true;
               httplib::Client c("127.0.0.1", port);
               auto r = c.Get("/-/ready");
               return r && r->status == 200;
             },
             std::chrono::seconds(30)) &&
         p.Running();
}

// One Alertmanager on 127.0.0.1:port with config and data under `dir`. Start() again after
// Stop() is a restart (same port, same data).
class RealAlertmanager {
 public:
  RealAlertmanager(const TempDir& dir, uint16_t port) : dir_(dir), port_(port) {
    dir_.Write(
        "am/alertmanager.yml",
        "route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n");
  }
  bool Start() {
    return StartReady(
        &process_,
        {kAlertmanagerBinary, "--config.file=" + (dir_ / "am/alertmanager.yml").string(),
         "--storage.path=" + (dir_ / "am/data").string(),
         "--web.listen-address=127.0.0.1:" + std::to_string(port_),
         "--cluster.listen-address=", "--log.level=warn"},
        dir_ / "am/alertmanager.log", port_);
  }
  void Stop() {
    if (process_) process_->Stop();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Log() const { return process_ ? process_->Log() : ""; }
  // Active alerts (resolved ones are not listed by Alertmanager).
  nlohmann::json Alerts() const {
    nlohmann::json j = GetJson(port_, "/api/v2/alerts");
    return j.is_array() ? j : nlohmann::json::array();
  }
  // The active alert whose annotation `key` is `value`, or null.
  nlohmann::json FindAnnotation(const std::string& key, const std::string& value) const {
    for (const auto& a : Alerts()) {
      if (a["annotations"].value(key, "") == value) return a;
    }
    return nullptr;
  }
  // Alertmanager answered, and lists no active alert named `alertname` (a failed request is
  // not an answer: it must not pass for "resolved").
  bool Absent(const std::string& alertname) const {
    nlohmann::json j = GetJson(port_, "/api/v2/alerts");
    if (!j.is_array()) return false;
    for (const auto& a : j) {
      if (a["labels"].value("alertname", "") == alertname) return false;
    }
    return true;
  }
  // The active alert named `alertname`, or null.
  nlohmann::json Find(const std::string& alertname) const {
    for (const auto& a : Alerts()) {
      if (a["labels"].value("alertname", "") == alertname) return a;
    }
    return nullptr;
  }

 private:
  const TempDir& dir_;
  uint16_t port_;
  std::unique_ptr<ExternalProcess> process_;
};

// One Prometheus scraping `target` (host:port) every second under job `job`.
class RealPrometheus {
 public:
  RealPrometheus(const TempDir& dir, uint16_t port, const std::string& job,
                 const std::string& target)
      : dir_(dir), port_(port) {
    dir_.Write("prom/prometheus.yml",
               "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
               "  - job_name: " +
                   job + "\n    static_configs:\n      - targets: [\"" + target + "\"]\n");
  }
  bool Start() {
    return StartReady(
        &process_,
        {kPrometheusBinary, "--config.file=" + (dir_ / "prom/prometheus.yml").string(),
         "--storage.tsdb.path=" + (dir_ / "prom/data").string(),
         "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
        dir_ / "prom/prometheus.log", port_);
  }
  std::string Log() const { return process_ ? process_->Log() : ""; }
  // Instant query; the result vector (empty on failure).
  nlohmann::json Query(const std::string& promql) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(std::chrono::seconds(5));
    auto r = c.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!r || r->status != 200) return nlohmann::json::array();
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded() || !j.contains("data")) return nlohmann::json::array();
    return j["data"]["result"];
  }

 private:
  const TempDir& dir_;
  uint16_t port_;
  std::unique_ptr<ExternalProcess> process_;
};

}  // namespace cg::testing
