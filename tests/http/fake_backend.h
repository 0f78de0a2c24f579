// A programmable ApiBackend for the HTTP tests: a settable snapshot, and write calls that are
// recorded and answered with a preset result (or left pending, to test the timeout).
#pragma once

#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/http/api_backend.h"

namespace cg::testing {

class FakeBackend : public ApiBackend {
 public:
  void Publish(std::shared_ptr<const ApiSnapshot> s) {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_ = std::move(s);
  }
  std::shared_ptr<const ApiSnapshot> Snapshot() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return snapshot_;
  }

  // The result the next write calls get; nullopt = never answered (promise kept pending).
  void SetWriteResult(std::optional<ApiResult> r) {
    std::lock_guard<std::mutex> lock(mu_);
    result_ = std::move(r);
  }

  std::future<ApiResult> SetCutover(std::optional<WallTime> at) override {
    std::lock_guard<std::mutex> lock(mu_);
    cutover_calls.push_back(at);
    return Answer();
  }
  std::future<ApiResult> Ack(std::string alert_id, std::string comment) override {
    std::lock_guard<std::mutex> lock(mu_);
    ack_calls.push_back(std::move(alert_id));
    ack_comments.push_back(std::move(comment));
    return Answer();
  }
  std::future<ApiResult> Reload() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++reload_calls;
    return Answer();
  }

  // Recorded calls (read after the request completed).
  std::vector<std::optional<WallTime>> cutover_calls;
  std::vector<std::string> ack_calls;
  std::vector<std::string> ack_comments;  // One per ack call ("" = none).
  int reload_calls = 0;

 private:
  std::future<ApiResult> Answer() {
    pending_.emplace_back();
    auto f = pending_.back().get_future();
    if (result_) pending_.back().set_value(*result_);
    return f;
  }

  mutable std::mutex mu_;
  std::shared_ptr<const ApiSnapshot> snapshot_;
  std::optional<ApiResult> result_ = ApiResult(nlohmann::json{{"ok", true}});
  std::vector<std::promise<ApiResult>> pending_;
};

}  // namespace cg::testing
