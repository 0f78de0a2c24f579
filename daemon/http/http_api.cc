#include "daemon/http/http_api.h"

#include <httplib.h>
#include <netinet/in.h>
#include <prometheus/registry.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "daemon/http/api_handlers.h"
#include "daemon/http/http_metrics.h"
#include "daemon/http/metrics_page.h"
#include "daemon/http/router.h"

namespace cg {
namespace {

// Request start time, carried from the pre-routing hook to where the response is counted.
// cpp-httplib serves a connection's requests one after another on one worker thread, so a
// thread-local is exactly per-request. Unset for requests the library rejects before routing.
thread_local std::optional<MonoTime> tl_request_start;

// Header lines cpp-httplib adds to every request itself; not counted against the size limit.
bool IsInjectedHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT";
}

uint64_t HeaderBytes(const httplib::Headers& headers) {
  uint64_t total = 0;
  for (const auto& [name, value] : headers) {
    if (!IsInjectedHeader(name)) total += name.size() + value.size() + 4;  // ": " and CRLF.
  }
  return total;
}

bool ValidContentLength(const std::string& v) {
  if (v.empty() || v.size() > 19) return false;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Whether cpp-httplib 0.11.4's parse_request_line() accepted the request line. It fills the
// fields as it goes and can fail after setting some, so re-check what it checks: a known method,
// HTTP/1.0 or 1.1, a path, at most one '?'.
bool RequestLineValid(const httplib::Request& req) {
  static const char* const kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                         "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI"};
  bool known = false;
  for (const char* m : kMethods) known = known || req.method == m;
  if (!known || (req.version != "HTTP/1.1" && req.version != "HTTP/1.0")) return false;
  std::string_view target = req.target;
  target = target.substr(0, target.find('#'));
  return !req.path.empty() && std::count(target.begin(), target.end(), '?') <= 1;
}

void WriteReply(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name.c_str(), value);
  res.set_content(reply.body, reply.content_type.c_str());
}

time_t CeilSeconds(std::chrono::milliseconds d) {
  auto s = (d.count() + 999) / 1000;
  return static_cast<time_t>(s < 1 ? 1 : s);
}

std::string FormatAddress(const std::string& host, uint16_t port) {
  return HostPort{host, port}.ToString();
}

// cpp-httplib 0.11.4 listens with a backlog of 5: under a burst of new connections the kernel
// drops SYNs and clients stall for a 1 s retransmit. The listening socket is protected state;
// a subclass reads it so Bind() can raise the backlog (listen(2) again on a listening socket
// updates its backlog on Linux).
class Server : public httplib::Server {
 public:
  socket_t listen_fd() const { return svr_sock_; }
};

}  // namespace

struct HttpApi::Impl {
  HttpApiOptions options;
  MetricsPage metrics_page;
  Router router;
  std::optional<HttpMetrics> http_metrics;
  Server server;
  std::thread listener;
  std::string bind_host;
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;

  explicit Impl(HttpApiOptions o)
      : options(std::move(o)),
        metrics_page(options.registry, options.clock, options.metrics_max_age) {}

  void Log(int priority, std::string_view message) const {
    if (options.log) options.log(priority, message);
  }

  Reply Route(const httplib::Request& req, std::string_view body) const {
    ApiRequest r;
    r.method = req.method;
    r.path = req.path;
    r.params = &req.params;
    r.body = body;
    auto auth = req.headers.find("Authorization");
    if (auth != req.headers.end()) r.authorization = auth->second;
    return Dispatch(router, options.token, std::move(r));
  }

  // Before the library reads a body: size limits, and requests that cannot have a body.
  httplib::Server::HandlerResponse PreRoute(const httplib::Request& req, httplib::Response& res) {
    tl_request_start = options.clock->MonoNow();
    uint64_t header_bytes = HeaderBytes(req.headers);
    if (header_bytes > options.max_header_bytes) {
      Respond(
          req,
          ErrorReply(431, "request headers are " + std::to_string(header_bytes) +
                              " bytes; the limit is " + std::to_string(options.max_header_bytes)),
          res);
      return httplib::Server::HandlerResponse::Handled;
    }
    bool has_length = req.has_header("Content-Length");
    bool has_encoding = req.has_header("Transfer-Encoding");
    if (has_length && !ValidContentLength(req.get_header_value("Content-Length"))) {
      Respond(req, ErrorReply(400, "invalid Content-Length"), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.get_header_value("Content-Type").rfind("multipart/", 0) == 0) {
      Respond(req, ErrorReply(415, "multipart bodies are not accepted; send JSON"), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    // cpp-httplib 0.11.4 reads a POST without Content-Length or Transfer-Encoding until the
    // client closes the connection (a 5 s stall for `curl -X POST`, and an unbounded read).
    // RFC 9112 says such a request has no body, so answer it here with an empty one.
    if (!has_length && !has_encoding) {
      Respond(req, Route(req, ""), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  // Requests with a body: read it with a hard cap (the library's payload limit only covers
  // Content-Length bodies, not chunked ones), then route.
  void RouteWithBody(const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) {
    std::string body;
    bool too_big = false;
    bool ok = reader([&](const char* data, size_t n) {
      if (body.size() + n > options.max_body_bytes) {
        too_big = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (too_big || res.status == 413) {
      Respond(req,
              ErrorReply(
                  413, "request body exceeds " + std::to_string(options.max_body_bytes) + " bytes"),
              res);
      return;
    }
    if (!ok) {
      Respond(req, ErrorReply(400, "could not read the request body"), res);
      return;
    }
    Respond(req, Route(req, body), res);
  }

  // Errors produced by the library itself (bad request line, 414, ...) arrive with an empty
  // body; ours already carry JSON.
  httplib::Server::HandlerResponse OnError(const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    Reply reply;
    if (res.status == 400 && RequestLineValid(req)) {
      // The request line parsed but the headers did not: in 0.11.4 read_headers() fails only
      // on a header line longer than CPPHTTPLIB_HEADER_MAX_LENGTH (8 KiB) or a dead connection.
      reply = ErrorReply(431, "a request header line exceeds 8192 bytes");
    } else if (res.status == 400) {
      reply = ErrorReply(400, "malformed HTTP request line");
    } else if (res.status == 414) {
      reply = ErrorReply(414, "request line exceeds 8192 bytes");
    } else {
      reply = ErrorReply(res.status, "request rejected with HTTP " + std::to_string(res.status));
    }
    Respond(req, reply, res);
    return httplib::Server::HandlerResponse::Handled;
  }

  // Writes a reply and counts it. Counting here, before the response is on the wire, means a
  // client that has its answer also sees it in /metrics (the library's logger hook runs after
  // the write, racing the client's next request). The duration covers routing and producing the
  // response, not sending it.
  void Respond(const httplib::Request& req, const Reply& reply, httplib::Response& res) {
    WriteReply(reply, res);
    std::optional<double> seconds;
    if (tl_request_start) {
      seconds = std::chrono::duration<double>(options.clock->MonoNow() - *tl_request_start).count();
      tl_request_start.reset();
    }
    http_metrics->Observe(router.LabelFor(req.method, req.path), reply.status, seconds);
  }

  void Configure() {
    server.new_task_queue = [n = options.threads] {
      return new httplib::ThreadPool(static_cast<size_t>(n));
    };
    std::string host = bind_host;
    // The default socket options set SO_REUSEPORT, which lets a second daemon bind the same
    // port and silently steal half the connections. Only SO_REUSEADDR (fast restart), and
    // dual-stack when listening on the IPv6 wildcard.
    server.set_socket_options([host](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      int domain = 0;
      socklen_t len = sizeof(domain);
      if (::getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_INET6) {
        int v6only = host == "::" ? 0 : 1;
        ::setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
      }
    });
    server.set_read_timeout(options.read_timeout);
    server.set_write_timeout(options.write_timeout);
    server.set_keep_alive_timeout(CeilSeconds(options.keep_alive_timeout));
    server.set_keep_alive_max_count(static_cast<size_t>(options.keep_alive_max_requests));
    server.set_payload_max_length(options.max_body_bytes);
    server.set_tcp_nodelay(true);

    server.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return PreRoute(req, res); });
    auto plain = [this](const httplib::Request& req, httplib::Response& res) {
      Respond(req, Route(req, ""), res);
    };
    auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
      RouteWithBody(req, res, reader);
    };
    // One catch-all per method: our Router decides 404 vs 405.
    server.Get(".*", plain);
    server.Options(".*", plain);
    server.Post(".*", with_body);
    server.Put(".*", with_body);
    server.Patch(".*", with_body);
    server.Delete(".*", with_body);
    server.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) { return OnError(req, res); }));
    server.set_exception_handler(
        [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown exception";
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          Respond(req, ErrorReply(500, "internal error: " + what), res);
        });
  }

  Status Bind() {
    errno = 0;
    bool ok = false;
    if (options.listen.port == 0) {
      int p = server.bind_to_any_port(bind_host);
      ok = p > 0;
      if (ok) port = static_cast<uint16_t>(p);
    } else {
      ok = server.bind_to_port(bind_host, options.listen.port);
      if (ok) port = options.listen.port;
    }
    if (ok) {
      if (::listen(server.listen_fd(), SOMAXCONN) != 0) {
        Log(4, std::string("http: cannot raise the listen backlog: ") + std::strerror(errno));
      }
    } else {
      int err = errno;
      std::string reason =
          err != 0 ? std::strerror(err) : "address not available or host name not resolvable";
      return Status::Error("cannot listen on " + options.listen.ToString() + ": " + reason);
    }
    return Status::Ok();
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mu);
    if (stopped) return;
    stopped = true;
    server.stop();
    if (listener.joinable()) listener.join();
  }
};

HttpApi::HttpApi(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpApi::~HttpApi() { Stop(); }

Result<std::unique_ptr<HttpApi>> HttpApi::Create(HttpApiOptions options) {
  if (options.registry == nullptr) return Status::Error("http: no metrics registry");
  if (options.backend == nullptr) return Status::Error("http: no API backend");
  if (options.clock == nullptr) return Status::Error("http: no clock");
  if (options.threads < 1 || options.threads > 256) {
    return Status::Error("http: threads must be 1..256, got " + std::to_string(options.threads));
  }
  if (options.keep_alive_max_requests < 1) {
    return Status::Error("http: keep_alive_max_requests must be at least 1");
  }
  if (options.max_body_bytes == 0 || options.max_header_bytes == 0) {
    return Status::Error("http: body and header limits must be positive");
  }

  auto impl = std::make_unique<Impl>(std::move(options));
  Impl& s = *impl;
  s.bind_host = s.options.listen.host.empty() ? "::" : s.options.listen.host;
  ApiHandlerOptions h;
  h.backend = s.options.backend;
  h.metrics = &s.metrics_page;
  h.clock = s.options.clock;
  h.token = s.options.token;
  h.backend_timeout = s.options.backend_timeout;
  h.heartbeat_timeout = s.options.heartbeat_timeout;
  s.router = BuildApiRouter(h);
  try {
    s.http_metrics.emplace(*s.options.registry, s.router.Patterns());
  } catch (const std::exception& e) {
    // prometheus-cpp throws on a family registered twice with another type or labels.
    return Status::Error(std::string("http: cannot register metrics: ") + e.what());
  }
  s.Configure();
  if (Status st = s.Bind(); !st.ok()) return st;

  s.listener = std::thread([&s] {
    if (!s.server.listen_after_bind()) s.Log(3, "http: listener stopped with an error");
  });
  // stop() is a no-op until listen_after_bind() has marked the server running; wait for that
  // so an immediate Stop() cannot leave the listener running forever. Bounded: it is the next
  // thing the new thread does.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!s.server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!s.server.is_running()) {
    s.Stop();
    return Status::Error("http: listener did not start on " + s.options.listen.ToString());
  }
  s.Log(6, "http: listening on " + FormatAddress(s.bind_host, s.port));
  return std::unique_ptr<HttpApi>(new HttpApi(std::move(impl)));
}

uint16_t HttpApi::port() const { return impl_->port; }

std::string HttpApi::address() const { return FormatAddress(impl_->bind_host, impl_->port); }

void HttpApi::Stop() { impl_->Stop(); }

}  // namespace cg
