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
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval tv{static_cast<time_t>(max_wait.count() / 1000),
             static_cast<suseconds_t>((max_wait.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
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
