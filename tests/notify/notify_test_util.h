// Helpers for the notifier tests: a scripted Sender, a recording HTTP receiver on an ephemeral
// port, and notice builders.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "daemon/notify/notice.h"
#include "daemon/notify/notifier.h"
#include "daemon/notify/sender.h"
#include "tests/support/http_server.h"

namespace cg::testing {

// The notify tests' fixed "now": 2025-11-25T02:00:00Z.
inline const WallTime kT0 = WallTime(std::chrono::seconds(1'764'036'000));

// Records every Post and answers from a script (then `fallback`).
class FakeSender : public Sender {
 public:
  struct Call {
    std::string body;
    HeaderList headers;
    nlohmann::json Json() const { return nlohmann::json::parse(body); }
    std::string Header(std::string_view name) const {
      for (const auto& [k, v] : headers)
        if (k == name) return v;
      return "";
    }
  };
  SendOutcome Post(const std::string& body, const HeaderList& headers) override {
    calls.push_back({body, headers});
    if (!script.empty()) {
      SendOutcome o = script.front();
      script.pop_front();
      return o;
    }
    return fallback;
  }
  static SendOutcome Ok() { return {SendOutcome::Kind::kOk, 200, ""}; }
  static SendOutcome Down() { return {SendOutcome::Kind::kRetry, 0, "connection refused"}; }
  static SendOutcome Refused() { return {SendOutcome::Kind::kReject, 400, "HTTP 400: bad alert"}; }

  std::vector<Call> calls;
  std::deque<SendOutcome> script;
  SendOutcome fallback = Ok();
};

// What every notifier test sets the same way: instance "gw-01", the spool in `spool`, retries
// as fast as the test needs them.
inline NotifierOptions BaseOptions(prometheus::Registry* registry,
                                   const std::filesystem::path& spool,
                                   std::chrono::milliseconds retry_initial,
                                   std::chrono::milliseconds retry_max) {
  NotifierOptions o;
  o.instance = "gw-01";
  o.spool_dir = spool;
  o.retry_initial = retry_initial;
  o.retry_max = retry_max;
  o.registry = registry;
  return o;
}

inline AlertNotice Notice(std::string id, std::string state, WallTime starts,
                          std::optional<WallTime> ends = std::nullopt) {
  AlertNotice n;
  n.id = std::move(id);
  n.rule = "db-pool-exhausted";
  n.severity = "critical";
  n.state = std::move(state);
  n.labels = {{"target", "apim"}, {"component", "gateway"}};
  n.summary = "DB connection pool exhausted";
  n.description = "Cannot get a connection, pool error Timeout waiting for idle object";
  n.evidence =
      "ERROR {org.apache.tomcat.jdbc.pool.ConnectionPool} - Unable to create initial connections";
  n.recommendation = "rollback";
  n.starts_at = starts;
  n.ends_at = ends;
  return n;
}

// An HTTP server on 127.0.0.1:<ephemeral> that records POSTs and answers with `status` (settable
// at any time: 503 simulates an outage).
class RecordingReceiver {
 public:
  struct Request {
    std::string path;
    std::string body;
    httplib::Headers headers;
  };
  RecordingReceiver()
      : server_([this](httplib::Server& s) {
          s.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            res.status = status_;
            if (status_ >= 200 && status_ < 300) {
              requests_.push_back({req.path, req.body, req.headers});
            }
            ++attempts_;
            cv_.notify_all();
          });
        }) {}
  int port() const { return server_.port(); }
  std::string url(std::string_view path = "/hook") const { return server_.url(path); }
  void set_status(int s) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = s;
  }
  // Waits (bounded) until `n` requests were accepted; returns what was accepted.
  std::vector<Request> WaitForAccepted(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
    return requests_;
  }
  // Waits (bounded) until `n` attempts (accepted or not) arrived.
  uint64_t WaitForAttempts(uint64_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return attempts_ >= n; });
    return attempts_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int status_ = 200;
  uint64_t attempts_ = 0;
  std::vector<Request> requests_;
  BackgroundServer server_;  // Last: stopped before the state its handler uses is destroyed.
};

}  // namespace cg::testing
