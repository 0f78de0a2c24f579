// SendHttpRequest over plain http against scripted servers: raw sockets for the answers an
// httplib server cannot give (close-delimited, interim, garbage, silence, endless), httplib
// for the ordinary ones.
#include "daemon/notify/http_client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "tests/support/http_server.h"

namespace cg {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// A TCP server on 127.0.0.1:<ephemeral> that hands each accepted connection to `handler` (one
// at a time, on the server's thread; `stop` turns true when the server is being destroyed) and
// closes it afterwards.
class HcRawServer {
 public:
  using Handler = std::function<void(int fd, const std::atomic<bool>& stop)>;
  explicit HcRawServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_fd_, 8) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;  // Shut down.
        handler_(fd, stop_);
        ::close(fd);
      }
    });
  }
  ~HcRawServer() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  HcRawServer(const HcRawServer&) = delete;
  HcRawServer& operator=(const HcRawServer&) = delete;

  HttpUrl Url(const std::string& path = "/hook") const {
    auto u = ParseHttpUrl("http://127.0.0.1:" + std::to_string(port_) + path);
    REQUIRE(u.ok());
    return *u;
  }

 private:
  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Reads the request: its head and a Content-Length body (all of it, so that closing the
// socket afterwards does not reset the connection under the answer); what was read.
std::string HcReadHead(int fd) {
  std::string got;
  char c;
  while (got.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) got += c;
  size_t length = 0;
  if (size_t at = got.find("Content-Length: "); at != std::string::npos) {
    length = std::stoul(got.substr(at + 16));
  }
  for (size_t i = 0; i < length && ::recv(fd, &c, 1, 0) == 1; ++i) got += c;
  return got;
}

void HcWrite(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Waits until the client hangs up (or the server stops, or 10 s passed).
void HcWaitForHangup(int fd, const std::atomic<bool>& stop) {
  const auto until = SteadyClock::now() + std::chrono::seconds(10);
  char buf[4096];
  while (!stop && SteadyClock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0 && ::recv(fd, buf, sizeof buf, 0) <= 0) return;
  }
}

HttpRequest HcPost(const HttpUrl& url, std::string body = R"({"a":1})") {
  HttpRequest r;
  r.method = "POST";
  r.url = url;
  r.headers = {{"Content-Type", "application/json"}, {"X-Test", "yes"}};
  r.has_body = true;
  r.body = std::move(body);
  return r;
}

HttpClientOptions HcOptions(milliseconds timeout = milliseconds(5000)) {
  HttpClientOptions o;
  o.connect_timeout = o.write_timeout = o.read_timeout = timeout;
  return o;
}

}  // namespace

TEST_CASE("http client sends the request and reads a Content-Length answer",
          "[notify][http_client]") {
  httplib::Headers seen;
  std::string seen_body;
  testing::BackgroundServer server([&](httplib::Server& s) {
    s.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
      seen = req.headers;
      seen_body = req.body;
      res.status = 201;
      res.set_content("created", "text/plain");
    });
  });
  auto url = ParseHttpUrl(server.url("/hook"));
  REQUIRE(url.ok());
  auto r = SendHttpRequest(HcPost(*url), HcOptions());
  REQUIRE(r.ok());
  CHECK(r->status == 201);
  CHECK(r->body == "created");
  CHECK_FALSE(r->truncated);
  CHECK(seen_body == R"({"a":1})");
  CHECK(seen.find("Host")->second == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen.find("Content-Length")->second == "7");
  CHECK(seen.find("Connection")->second == "close");
  CHECK(seen.find("X-Test")->second == "yes");
}

TEST_CASE("http client reads chunked, close-delimited and error answers", "[notify][http_client]") {
  using Row = std::tuple<std::string, int, std::string>;
  auto [answer, status, body] = GENERATE(table<std::string, int, std::string>({
      Row{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
          "world\r\n0\r\n\r\n",
          200, "hello world"},
      Row{"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", 200, "until the end"},
      Row{"HTTP/1.0 503 Service Unavailable\r\n\r\ndown\n", 503, "down\n"},
      Row{"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404, ""},
      Row{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok", 202,
          "ok"},
  }));
  HcRawServer server([answer = answer](int fd, const std::atomic<bool>&) {
    HcReadHead(fd);
    HcWrite(fd, answer);
  });
  auto r = SendHttpRequest(HcPost(server.Url()), HcOptions());
  INFO(answer << " -> " << (r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  CHECK(r->status == status);
  CHECK(r->body == body);
  CHECK_FALSE(r->truncated);
}

TEST_CASE("http client stops reading an endless answer at max_body", "[notify][http_client]") {
  std::atomic<uint64_t> sent{0};
  HcRawServer server([&](int fd, const std::atomic<bool>&) {
    HcReadHead(fd);
    HcWrite(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n");
    const std::string chunk(64 * 1024, 'x');
    for (;;) {  // Until the client hangs up.
      ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<uint64_t>(n);
    }
  });
  HttpClientOptions o = HcOptions();
  o.max_body = 100 * 1000;
  const auto start = SteadyClock::now();
  auto r = SendHttpRequest(HcPost(server.Url()), o);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->truncated);
  CHECK(r->body.size() == o.max_body);
  CHECK(SteadyClock::now() - start < std::chrono::seconds(3));
  CHECK(sent.load() < (uint64_t{64} << 20));
}

TEST_CASE("http client keeps a body of exactly max_body whole", "[notify][http_client]") {
  HcRawServer server([](int fd, const std::atomic<bool>&) {
    HcReadHead(fd);
    HcWrite(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
  });
  HttpClientOptions o = HcOptions();
  o.max_body = 10;
  auto r = SendHttpRequest(HcPost(server.Url()), o);
  REQUIRE(r.ok());
  CHECK(r->body == "0123456789");
  CHECK_FALSE(r->truncated);
}

TEST_CASE("http client gives up on a server that never answers", "[notify][http_client]") {
  HcRawServer server(HcWaitForHangup);
  const auto start = SteadyClock::now();
  auto r = SendHttpRequest(HcPost(server.Url()), HcOptions(milliseconds(300)));
  const auto took = SteadyClock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == HttpFailure::Kind::kReadTimeout);
  CHECK(r.error().message == "no answer within 300ms");
  CHECK(took >= milliseconds(250));
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("http client's total timeout bounds a trickling answer", "[notify][http_client]") {
  HcRawServer server([](int fd, const std::atomic<bool>& stop) {
    HcReadHead(fd);
    HcWrite(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\r\n");
    for (int i = 0; i < 100 && !stop; ++i) {
      HcWrite(fd, "z");
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  HttpClientOptions o = HcOptions();
  o.total_timeout = milliseconds(400);
  const auto start = SteadyClock::now();
  auto r = SendHttpRequest(HcPost(server.Url()), o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == HttpFailure::Kind::kTotalTimeout);
  CHECK(r.error().status == 503);  // The head arrived in time.
  CHECK(r.error().body.find("zz") == 0);
  CHECK(SteadyClock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("http client reports a cut, a garbage and a missing answer", "[notify][http_client]") {
  using Row = std::tuple<std::string, HttpFailure::Kind>;
  auto [answer, kind] = GENERATE(table<std::string, HttpFailure::Kind>({
      Row{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", HttpFailure::Kind::kClosed},
      Row{"", HttpFailure::Kind::kClosed},
      Row{"SSH-2.0-OpenSSH_9.2\r\n\r\n", HttpFailure::Kind::kBadAnswer},
  }));
  HcRawServer server([answer = answer](int fd, const std::atomic<bool>&) {
    HcReadHead(fd);
    HcWrite(fd, answer);
  });
  auto r = SendHttpRequest(HcPost(server.Url()), HcOptions());
  REQUIRE_FALSE(r.ok());
  INFO(r.error().message);
  CHECK(r.error().kind == kind);
}

TEST_CASE("http client names why a connection failed", "[notify][http_client]") {
  // A bound port that does not listen refuses connections for as long as it is held.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto url = ParseHttpUrl("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/x");
  REQUIRE(url.ok());
  auto r = SendHttpRequest(HcPost(*url), HcOptions());
  ::close(fd);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == HttpFailure::Kind::kConnect);
  CHECK(r.error().message == "Connection refused");

  auto unresolvable = ParseHttpUrl("http://cg-test.invalid/x");
  REQUIRE(unresolvable.ok());
  r = SendHttpRequest(HcPost(*unresolvable), HcOptions());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == HttpFailure::Kind::kResolve);
  CHECK(r.error().message.rfind("cannot resolve cg-test.invalid: ", 0) == 0);
}

TEST_CASE("http client requests are cancelled from another thread", "[notify][http_client]") {
  HcRawServer server(HcWaitForHangup);
  CancelToken token;
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(200));
    token.Cancel();
  });
  const auto start = SteadyClock::now();
  auto r = SendHttpRequest(HcPost(server.Url()), HcOptions(milliseconds(10000)), &token);
  const auto took = SteadyClock::now() - start;
  canceller.join();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == HttpFailure::Kind::kCancelled);
  CHECK(took >= milliseconds(150));
  CHECK(took < std::chrono::seconds(3));
  // Sticky: the next request with the token does not start.
  auto again = SendHttpRequest(HcPost(server.Url()), HcOptions(), &token);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().kind == HttpFailure::Kind::kCancelled);
}

}  // namespace cg
