// An in-process daemon over a temp directory (config, rules, token, one carbon log), for the
// app and end-to-end tests. The directory outlives restarts of the instance.
#pragma once

#include <httplib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "daemon/app.h"
#include "tests/support/temp_dir.h"

namespace cg::testing {

using nlohmann::json;
using namespace std::chrono_literals;

inline constexpr const char* kToken = "test-token-1234567890";

inline constexpr const char* kRules = R"(rules:
  - id: test.db_unreachable
    description: The database cannot be reached (3 in 1m)
    severity: critical
    match: 'Communications link failure'
    threshold: {count: 3, window: 1m}
)";

inline std::string CarbonLine(const std::string& level, const std::string& message) {
  return "TID: [] [] [2026-11-25 02:10:00,000] " + std::string(5 - level.size(), ' ') + level +
         " {org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO} - " + message + "\n";
}

inline AppOptions Options(const std::filesystem::path& config) {
  AppOptions o;
  o.config_path = config;
  return o;
}

inline bool WaitUntil(const std::function<bool()>& condition,
                      std::chrono::milliseconds limit = 15s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

// A daemon instance over a directory that survives restarts of the instance.
class Daemon {
 public:
  // `extra_config` is appended to the config (e.g. an `alerting:` section); `rules` replaces
  // the default rule file.
  // `log_path` is the carbon log's path (or glob) in the config; Append() writes to
  // `append_to` (default: logs/wso2carbon.log).
  explicit Daemon(const TempDir& dir, const std::string& extra_config = "",
                  const std::string& rules = kRules,
                  const std::string& log_path = "logs/wso2carbon.log")
      : dir_(dir) {
    if (!std::filesystem::exists(dir_ / "config.yaml")) {
      dir_.Write("rules/test.yaml", rules);
      // Owner-only, as the daemon requires of a token file.
      std::filesystem::permissions(
          dir_.Write("api-token", std::string(kToken) + "\n"),
          std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      dir_.Write("logs/wso2carbon.log", "");
      dir_.Write("config.yaml", R"(listen: "127.0.0.1:0"
state_dir: state
sample_interval: 200ms
logs:
  - name: carbon
    path: )" + log_path + R"(
    format: wso2-carbon
    start_at: beginning
    poll_interval: 100ms
    flush_timeout: 50ms
rule_files: [rules/*.yaml]
api:
  token_file: api-token
)" + extra_config);
    }
  }
  ~Daemon() { Stop(); }

  void Start() {
    auto app = App::Create(Options(dir_ / "config.yaml"));
    INFO((app.ok() ? "" : app.error().ToString()));
    REQUIRE(app.ok());
    app_ = std::move(app).value();
    thread_ = std::thread([this] { exit_code_ = app_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", app_->port());
    REQUIRE(WaitUntil([&] {
      auto r = client_->Get("/readyz");
      return r && r->status == 200;
    }));
  }
  // Waits for the loop to end by itself (after a signal).
  int Join() {
    if (!app_) return exit_code_;
    thread_.join();
    app_.reset();
    client_.reset();
    return exit_code_;
  }
  int Stop() {
    if (!app_) return exit_code_;
    app_->RequestStop();
    thread_.join();
    app_.reset();
    client_.reset();
    return exit_code_;
  }

  void Append(const std::string& text) {
    std::ofstream(dir_ / append_to, std::ios::app) << text << std::flush;
  }
  std::string append_to = "logs/wso2carbon.log";
  json Get(const std::string& path) {
    auto r = client_->Get(path.c_str());
    REQUIRE(r);
    return json::parse(r->body, nullptr, false);
  }
  std::string Metrics() {
    auto r = client_->Get("/metrics");
    REQUIRE(r);
    return r->body;
  }
  httplib::Result Post(const std::string& path, const std::string& body = "") {
    httplib::Headers h = {{"Authorization", std::string("Bearer ") + kToken}};
    return client_->Post(path.c_str(), h, body, "application/json");
  }
  uint16_t port() const { return app_->port(); }
  uint64_t CarbonRecords() {
    json s = Get("/api/v1/status");
    return s["logs"][0]["records"].get<uint64_t>();
  }

 private:
  const TempDir& dir_;
  std::unique_ptr<App> app_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  int exit_code_ = -1;
};

}  // namespace cg::testing
