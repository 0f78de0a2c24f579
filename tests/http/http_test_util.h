// Shared helpers for the HTTP tests: a server on an ephemeral port over a FakeBackend, and a raw
// socket client for requests httplib::Client refuses to send (malformed, oversized).
#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "daemon/http/http_api.h"
#include "tests/http/fake_backend.h"

namespace cg::testing {

inline constexpr std::string_view kToken = "s3cret-token";

// A snapshot with a little of everything, heartbeat = now.
inline std::shared_ptr<ApiSnapshot> SampleSnapshot(const Clock& clock) {
  auto s = std::make_shared<ApiSnapshot>();
  s->status = {{"recommendation", "investigate"},
               {"reasons", {"error rate above baseline"}},
               {"cutover", {{"at", "2026-11-25T02:00:00.000Z"}, {"seconds_since", 120}}}};
  s->alerts = nlohmann::json::array({
      {{"id", "a1"}, {"rule", "db-pool"}, {"severity", "critical"}, {"state", "firing"}},
      {{"id", "a2"}, {"rule", "gc-pause"}, {"severity", "warning"}, {"state", "firing"}},
      {{"id", "a3"}, {"rule", "db-pool"}, {"severity", "critical"}, {"state", "resolved"}},
  });
  s->rules = nlohmann::json::array({{{"id", "db-pool"}, {"matches", 3}}});
  auto h = std::make_shared<HistorySnapshot>();
  WallTime t0 = clock.Now();
  h->Set("host.load1", "",
         {{t0 - std::chrono::seconds(3), 0.5},
          {t0 - std::chrono::seconds(2), 0.75},
          {t0 - std::chrono::seconds(1), 1.0}});
  h->Set("process.cpu_ratio", "apim", {{t0 - std::chrono::seconds(1), 0.25}});
  s->samples = h;
  s->ready = true;
  s->loop_heartbeat = clock.MonoNow();
  return s;
}

// A TCP socket connected to 127.0.0.1:port, or -1 (errno set). System calls only, so a forked
// child may call it.
inline int ConnectLoopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Bounds every recv and send on `fd` to `timeout`.
inline void SetSocketTimeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

class TestServer {
 public:
  // `tweak` adjusts the options before Create (limits, token, ...).
  explicit TestServer(const std::function<void(HttpApiOptions&)>& tweak = nullptr) {
    HttpApiOptions o;
    o.listen = {"127.0.0.1", 0};
    o.token = std::string(kToken);
    o.registry = &registry;
    o.backend = &backend;
    o.clock = &clock;
    o.threads = 2;
    o.backend_timeout = std::chrono::milliseconds(2000);
    o.metrics_max_age = std::chrono::milliseconds(0);  // The fake clock never expires a cache.
    if (tweak) tweak(o);
    auto api_or = HttpApi::Create(std::move(o));
    if (!api_or.ok()) throw std::runtime_error(api_or.error().message());
    api = std::move(api_or.value());
    backend.Publish(SampleSnapshot(clock));
  }

  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", api->port());
    c.set_connection_timeout(std::chrono::seconds(5));
    c.set_read_timeout(std::chrono::seconds(10));
    return c;
  }

  httplib::Headers Auth(std::string_view token = kToken) const {
    return {{"Authorization", "Bearer " + std::string(token)}};
  }

  prometheus::Registry registry;
  FakeBackend backend;
  FakeClock clock;
  std::unique_ptr<HttpApi> api;
};

inline nlohmann::json Json(const httplib::Result& r) {
  return nlohmann::json::parse(r->body, nullptr, false);
}

// Sends `bytes` on a fresh connection and returns everything the server sends until it closes
// the connection, `max_wait` passes, or (unless `until_close`) one complete response (per
// Content-Length) arrived.
inline std::string RawExchange(uint16_t port, std::string_view bytes,
                               std::chrono::milliseconds max_wait = std::chrono::seconds(10),
                               bool until_close = false) {
  int fd = ConnectLoopback(port);
  if (fd < 0) throw std::runtime_error("connect failed");
  SetSocketTimeouts(fd, max_wait);
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // The server may answer and close before reading everything.
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    size_t head_end = out.find("\r\n\r\n");
    if (head_end != std::string::npos && !until_close) {
      size_t cl = out.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) {
        size_t len = std::stoul(out.substr(cl + 16));
        if (out.size() >= head_end + 4 + len) break;
      }
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// The status code of a raw response ("HTTP/1.1 431 ..." -> 431), 0 when there is none.
inline int RawStatus(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

// The body of a raw response.
inline std::string RawBody(const std::string& response) {
  size_t head_end = response.find("\r\n\r\n");
  return head_end == std::string::npos ? "" : response.substr(head_end + 4);
}

}  // namespace cg::testing

// --- Helpers for hostile clients (tests/http/hostile_test.cc) ---------------------------------

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

namespace cg::testing {

// One value of a metric in `registry` (counter or gauge), selected by one label (or none);
// -1 when absent.
inline double MetricValue(prometheus::Registry& registry, std::string_view name,
                          std::string_view label = "", std::string_view value = "") {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      bool match = label.empty();
      for (const auto& l : m.label) match = match || (l.name == label && l.value == value);
      if (!match) continue;
      return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    }
  }
  return -1;
}

// Resident memory of this process (VmRSS), in bytes; 0 when unknown.
inline uint64_t ResidentBytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// A blocking loopback TCP client socket with send and receive timeouts, closed on destruction.
class RawClient {
 public:
  explicit RawClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    fd_ = ConnectLoopback(port);
    if (fd_ < 0) throw std::runtime_error("connect failed");
    SetSocketTimeouts(fd_, timeout);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Sends everything; false when the peer closed or reset first (or the send timed out).
  bool Send(std::string_view bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Whether the server has closed (EOF or reset) within `wait`; data it sent before is kept
  // in received().
  bool ClosedWithin(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
      if (r <= 0) return false;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
      received_.append(buf, static_cast<size_t>(n));
    }
  }

  // Everything received until the server closes or `wait` passes.
  std::string ReadAll(std::chrono::milliseconds wait = std::chrono::seconds(5)) {
    (void)ClosedWithin(wait);
    return received_;
  }

  int fd() const { return fd_; }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  std::string received_;
};

// Sends `GET /healthz` on a fresh connection every `interval` from a thread of its own until
// destroyed or Stop(), recording each answer's status (0: no answer) and latency. For asserting
// that the health probe gets through while an attack runs.
class HealthProbe {
 public:
  explicit HealthProbe(uint16_t port,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(20))
      : thread_([this, port, interval] { Run(port, interval); }) {}
  ~HealthProbe() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  struct Result {
    int status = 0;
    std::chrono::microseconds latency{0};
  };
  // After Stop().
  const std::vector<Result>& results() const { return results_; }
  uint64_t max_rss() const { return max_rss_; }
  std::chrono::microseconds max_latency() const {
    std::chrono::microseconds m{0};
    for (const auto& r : results_) m = std::max(m, r.latency);
    return m;
  }
  // Attempts closed without an answer (each probe makes at most two).
  size_t retries() const { return retries_; }
  size_t answered_ok() const {
    size_t n = 0;
    for (const auto& r : results_) n += r.status == 200 ? 1 : 0;
    return n;
  }

 private:
  void Run(uint16_t port, std::chrono::milliseconds interval) {
    while (!stop_) {
      auto start = std::chrono::steady_clock::now();
      Result r;
      // Like a real health checker, a probe whose connection is closed unanswered (at the
      // connection cap a connection that has not sent its request yet may give its slot up)
      // tries once more; both attempts count in its latency.
      for (int attempt = 0; attempt < 2 && r.status == 0; ++attempt) {
        try {
          RawClient c(port, std::chrono::seconds(2));
          if (c.Send("GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")) {
            r.status = RawStatus(c.ReadAll(std::chrono::seconds(2)));
          }
        } catch (const std::exception&) {
          r.status = 0;
        }
        if (r.status == 0) ++retries_;
      }
      r.latency = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      results_.push_back(r);
      max_rss_ = std::max(max_rss_, ResidentBytes());
      std::this_thread::sleep_until(start + interval);
    }
  }

  std::atomic<bool> stop_{false};
  std::vector<Result> results_;
  size_t retries_ = 0;
  uint64_t max_rss_ = 0;
  std::thread thread_;
};

}  // namespace cg::testing
