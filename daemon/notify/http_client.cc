#include "daemon/notify/http_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "base/units.h"
#include "daemon/notify/tls_loader.h"

namespace cg {

void CancelToken::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (abort_) abort_();
}

bool CancelToken::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

void CancelToken::Register(std::function<void()> abort) {
  std::lock_guard<std::mutex> lock(mu_);
  abort_ = std::move(abort);
  if (cancelled_ && abort_) abort_();
}

void CancelToken::Unregister() {
  std::lock_guard<std::mutex> lock(mu_);
  abort_ = nullptr;
}

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;
using Kind = HttpFailure::Kind;
using Outcome = Result<HttpResponse, HttpFailure>;

// Bytes asked of the socket per read of the body.
constexpr size_t kReadChunk = 16 * 1024;
// Largest answer head (status line and headers) accepted.
constexpr uint32_t kMaxHeadBytes = 64 * 1024;

HttpFailure Fail(Kind kind, std::string message) {
  return HttpFailure{kind, std::move(message), 0, {}};
}

// Keeps a body up to a cap.
struct BodySink {
  size_t max = 0;
  std::string body;
  bool truncated = false;
  // False (and `truncated`) once the body goes past `max`: read no further.
  bool Append(const char* data, size_t n) {
    const size_t room = max - body.size();
    body.append(data, std::min(n, room));
    if (n > room) truncated = true;
    return !truncated;
  }
};

// "cannot resolve <host>: <why>", or the addresses to try.
Result<std::vector<tcp::endpoint>, HttpFailure> Resolve(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Fail(Kind::kResolve, "cannot resolve " + host + ": " + ::gai_strerror(rc));
  }
  std::vector<tcp::endpoint> endpoints;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    tcp::endpoint ep;
    std::memcpy(ep.data(), ai->ai_addr, ai->ai_addrlen);
    ep.resize(ai->ai_addrlen);
    endpoints.push_back(ep);
  }
  ::freeaddrinfo(found);
  if (endpoints.empty()) return Fail(Kind::kResolve, "cannot resolve " + host + ": no address");
  return endpoints;
}

// "host" or "host:port" (brackets around IPv6), as a Host header.
std::string HostHeader(const HttpUrl& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + url.host + "]" : url.host;
  const uint16_t default_port = url.scheme == "https" ? 443 : 80;
  return url.port == default_port ? host : host + ":" + std::to_string(url.port);
}

// One exchange over a plain TCP connection (Boost.Beast).
//
// Each step is an asynchronous operation run to completion on a private io_context, so that
// beast::tcp_stream's timer bounds it and a Cancel() from another thread can be posted to the
// same context (the socket is only ever touched by the requesting thread).
class PlainExchange {
 public:
  PlainExchange(const HttpRequest& request, const HttpClientOptions& options, CancelToken* cancel)
      : request_(request), options_(options), cancel_(cancel) {
    if (options_.total_timeout.count() > 0) deadline_ = SteadyClock::now() + options_.total_timeout;
  }
  ~PlainExchange() {
    if (cancel_ != nullptr) cancel_->Unregister();
  }
  PlainExchange(const PlainExchange&) = delete;
  PlainExchange& operator=(const PlainExchange&) = delete;

  Outcome Run() {
    if (cancel_ != nullptr) {
      if (cancel_->cancelled()) return Fail(Kind::kCancelled, "cancelled");
      cancel_->Register([this] {
        net::post(ioc_, [this] {
          beast::error_code ignored;
          stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
          stream_.socket().close(ignored);
        });
      });
    }
    auto endpoints = Resolve(request_.url.host, request_.url.port);
    if (!endpoints.ok()) return endpoints.error();
    if (auto failed = Connect(*endpoints)) return *failed;
    if (auto failed = Write()) return *failed;
    return Read();
  }

 private:
  // Runs the operation `start` initiates (it takes a completion handler) with the stream's
  // timer at `limit`, or less when the total deadline comes first. The error it completed
  // with; beast::error::timeout when the timer fired (*total: it was the total deadline's).
  template <typename Start>
  beast::error_code Await(milliseconds limit, bool* total, Start&& start) {
    *total = false;
    auto timeout = limit;
    if (deadline_) {
      const auto left = std::chrono::ceil<milliseconds>(*deadline_ - SteadyClock::now());
      if (left.count() <= 0) {
        *total = true;
        return beast::error::timeout;
      }
      if (left <= timeout) {
        timeout = left;
        *total = true;
      }
    }
    stream_.expires_after(timeout);
    beast::error_code result = net::error::operation_aborted;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    stream_.expires_never();
    if (result != beast::error::timeout) *total = false;
    return result;
  }

  bool Cancelled() const { return cancel_ != nullptr && cancel_->cancelled(); }

  HttpFailure TotalTimeout() const {
    return Fail(Kind::kTotalTimeout,
                "no complete answer within " + FormatDuration(options_.total_timeout));
  }

  std::optional<HttpFailure> Connect(const std::vector<tcp::endpoint>& endpoints) {
    HttpFailure last = Fail(Kind::kConnect, "the connection failed");
    for (const tcp::endpoint& ep : endpoints) {
      beast::error_code ignored;
      stream_.socket().close(ignored);
      bool total = false;
      beast::error_code ec = Await(options_.connect_timeout, &total,
                                   [&](auto handler) { stream_.async_connect(ep, handler); });
      if (Cancelled()) return Fail(Kind::kCancelled, "cancelled");
      if (!ec) return std::nullopt;
      if (total) return TotalTimeout();
      last = ec == beast::error::timeout
                 ? Fail(Kind::kConnectTimeout,
                        "no connection within " + FormatDuration(options_.connect_timeout))
                 : Fail(Kind::kConnect, ec.message());
    }
    return last;
  }

  std::optional<HttpFailure> Write() {
    http::request<http::string_body> req;
    const http::verb verb = http::string_to_verb(request_.method);
    if (verb == http::verb::unknown) {
      req.method_string(request_.method);
    } else {
      req.method(verb);
    }
    req.target(request_.url.path);
    req.version(11);
    req.set(http::field::host, HostHeader(request_.url));
    for (const auto& [name, value] : request_.headers) req.insert(name, value);
    req.keep_alive(false);
    if (request_.has_body) {
      req.body() = request_.body;
      req.prepare_payload();
    }
    bool total = false;
    beast::error_code ec = Await(options_.write_timeout, &total,
                                 [&](auto handler) { http::async_write(stream_, req, handler); });
    if (Cancelled()) return Fail(Kind::kCancelled, "cancelled");
    if (!ec) return std::nullopt;
    if (total) return TotalTimeout();
    if (ec == beast::error::timeout) {
      return Fail(Kind::kWrite,
                  "the request could not be sent within " + FormatDuration(options_.write_timeout));
    }
    return Fail(Kind::kWrite, "the request could not be sent (" + ec.message() + ")");
  }

  // A read error as a failure (`what`: "answer" before the head, else "rest of the answer").
  HttpFailure ReadFailure(beast::error_code ec, bool total, int status, BodySink* sink) const {
    if (total) {
      HttpFailure f = TotalTimeout();
      f.status = status;
      if (sink != nullptr) f.body = std::move(sink->body);
      return f;
    }
    if (ec == beast::error::timeout) {
      return Fail(Kind::kReadTimeout, "no answer within " + FormatDuration(options_.read_timeout));
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::connection_aborted || ec == net::error::broken_pipe) {
      return Fail(Kind::kClosed, "the connection was closed before a complete answer");
    }
    if (ec == http::error::header_limit) {
      return Fail(Kind::kBadAnswer, "the answer's head is larger than " +
                                        std::to_string(kMaxHeadBytes / 1024) + " KiB");
    }
    if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
      return Fail(Kind::kBadAnswer, "the answer is not HTTP/1.x (" + ec.message() + ")");
    }
    return Fail(Kind::kClosed, "reading the answer failed (" + ec.message() + ")");
  }

  Outcome Read() {
    std::optional<http::response_parser<http::buffer_body>> parser;
    bool total = false;
    // Interim answers (100 Continue, 103 Early Hints) precede the real one.
    for (;;) {
      parser.emplace();
      // Capped below, by what is kept. Not boost::none: Beast 1.74 compares a Content-Length
      // with the optional limit as `len_ > body_limit_`, which is true against none.
      parser->body_limit(std::numeric_limits<std::uint64_t>::max());
      parser->header_limit(kMaxHeadBytes);
      beast::error_code ec = Await(options_.read_timeout, &total, [&](auto handler) {
        http::async_read_header(stream_, buffer_, *parser, handler);
      });
      if (Cancelled()) return Fail(Kind::kCancelled, "cancelled");
      if (ec) return ReadFailure(ec, total, 0, nullptr);
      const unsigned status = parser->get().result_int();
      if (status < 100 || status >= 200 || status == 101) break;
    }
    HttpResponse response;
    response.status = static_cast<int>(parser->get().result_int());
    BodySink sink{options_.max_body, {}, false};
    char chunk[kReadChunk];
    while (!parser->is_done()) {
      parser->get().body().data = chunk;
      parser->get().body().size = sizeof chunk;
      beast::error_code ec = Await(options_.read_timeout, &total, [&](auto handler) {
        http::async_read_some(stream_, buffer_, *parser, handler);
      });
      if (Cancelled()) return Fail(Kind::kCancelled, "cancelled");
      const size_t got = sizeof chunk - parser->get().body().size;
      if (!sink.Append(chunk, got)) {
        // Hang up: whatever else the peer sends is never read.
        beast::error_code ignored;
        stream_.socket().close(ignored);
        break;
      }
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return ReadFailure(ec, total, response.status, &sink);
    }
    response.body = std::move(sink.body);
    response.truncated = sink.truncated;
    return response;
  }

  const HttpRequest& request_;
  const HttpClientOptions& options_;
  CancelToken* cancel_;
  std::optional<SteadyClock::time_point> deadline_;
  net::io_context ioc_{1};
  beast::tcp_stream stream_{ioc_};  // After ioc_: closed before the context goes.
  beast::flat_buffer buffer_;
};

// Why a TCP connection to host:port fails, as the kernel says it ("Connection refused", "No
// route to host"): the TLS module's cpp-httplib only says that it failed. One non-blocking
// attempt per resolved address within `timeout`; "" if one succeeds after all.
std::string ConnectFailure(const std::string& host, uint16_t port, milliseconds timeout) {
  auto endpoints = Resolve(host, port);
  if (!endpoints.ok()) return endpoints.error().message;
  std::string why;
  for (const tcp::endpoint& ep : *endpoints) {
    int fd = ::socket(ep.data()->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int err = 0;
    if (::connect(fd, ep.data(), static_cast<socklen_t>(ep.size())) != 0) err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (ready == 0) {
        err = ETIMEDOUT;
      } else if (ready < 0) {
        err = errno;
      } else {
        socklen_t len = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    ::close(fd);
    if (err == 0) return "";
    why = err == ETIMEDOUT ? "no connection within " + FormatDuration(timeout) : std::strerror(err);
  }
  return why;
}

// The same exchange through the TLS module (cpp-httplib's SSLClient).
Outcome SendTls(const HttpRequest& request, const HttpClientOptions& options, CancelToken* cancel) {
  auto module = TlsModule::Get();
  if (!module.ok()) {
    return Fail(Kind::kNoTlsModule, "https needs the TLS module: " + module.error().message());
  }
  const TlsModule::Api& api = (*module)->api();
  if (cancel != nullptr && cancel->cancelled()) return Fail(Kind::kCancelled, "cancelled");
  std::unique_ptr<cg_tls_request, void (*)(cg_tls_request*)> handle(api.request_new(),
                                                                    api.request_free);
  if (handle == nullptr) return Fail(Kind::kOther, "request failed (out of memory)");

  const auto started = SteadyClock::now();
  std::optional<SteadyClock::time_point> deadline;
  if (options.total_timeout.count() > 0) deadline = started + options.total_timeout;
  auto bounded = [&](milliseconds limit) {
    return options.total_timeout.count() > 0 ? std::min(limit, options.total_timeout) : limit;
  };
  std::vector<cg_tls_header> headers;
  headers.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers)
    headers.push_back({name.c_str(), value.c_str()});

  struct Receiver {
    BodySink sink;
    std::optional<SteadyClock::time_point> deadline;
    bool too_slow = false;
  } receiver{BodySink{options.max_body, {}, false}, deadline, false};
  cg_tls_send_args args{};
  args.struct_size = sizeof args;
  args.method = request.method.c_str();
  args.host = request.url.host.c_str();
  args.port = request.url.port;
  args.target = request.url.path.c_str();
  args.headers = headers.data();
  args.header_count = headers.size();
  args.body = request.body.data();
  args.body_size = request.body.size();
  args.has_body = request.has_body ? 1 : 0;
  args.connect_timeout_ms = bounded(options.connect_timeout).count();
  args.read_timeout_ms = bounded(options.read_timeout).count();
  args.write_timeout_ms = bounded(options.write_timeout).count();
  args.ca_file = options.ca_file.c_str();
  args.on_body = [](void* context, const char* data, size_t size) -> int {
    auto* r = static_cast<Receiver*>(context);
    if (!r->sink.Append(data, size)) return 0;
    if (r->deadline && SteadyClock::now() > *r->deadline) {
      r->too_slow = true;
      return 0;
    }
    return 1;
  };
  args.on_body_context = &receiver;

  cg_tls_response out{};
  if (cancel != nullptr) {
    cancel->Register([&api, h = handle.get()] { api.request_cancel(h); });
  }
  api.send(handle.get(), &args, &out);
  if (cancel != nullptr) cancel->Unregister();
  const bool cancelled = cancel != nullptr && cancel->cancelled();

  if (out.error == CG_TLS_OK || (out.error == CG_TLS_ERR_STOPPED && receiver.sink.truncated)) {
    HttpResponse response;
    response.status = out.status;
    response.body = std::move(receiver.sink.body);
    response.truncated = receiver.sink.truncated;
    return response;
  }
  if (out.error == CG_TLS_ERR_STOPPED && receiver.too_slow) {
    HttpFailure f = Fail(Kind::kTotalTimeout,
                         "no complete answer within " + FormatDuration(options.total_timeout));
    f.status = out.status;
    f.body = std::move(receiver.sink.body);
    return f;
  }
  if (cancelled || out.error == CG_TLS_ERR_CANCELLED) return Fail(Kind::kCancelled, "cancelled");
  const std::string what = out.message;
  const auto waited = SteadyClock::now() - started;
  if (deadline && SteadyClock::now() >= *deadline) {
    return Fail(Kind::kTotalTimeout,
                "no complete answer within " + FormatDuration(options.total_timeout));
  }
  switch (out.error) {
    case CG_TLS_ERR_CONNECT: {
      // The probe only words the error better: at most a second, within what is left of the
      // deadline, and not at all once cancelled (shutdown must not wait for it).
      milliseconds probe = std::min(bounded(options.connect_timeout), milliseconds(1000));
      if (deadline) {
        probe = std::min(probe,
                         std::chrono::duration_cast<milliseconds>(*deadline - SteadyClock::now()));
      }
      std::string why;
      if (probe.count() > 0 && !(cancel != nullptr && cancel->cancelled())) {
        why = ConnectFailure(request.url.host, request.url.port, probe);
      }
      if (why.rfind("cannot resolve ", 0) == 0) return Fail(Kind::kResolve, why);
      return Fail(Kind::kConnect, why.empty() ? what : why);
    }
    case CG_TLS_ERR_CONNECT_TIMEOUT:
      return Fail(Kind::kConnectTimeout,
                  "no connection within " + FormatDuration(options.connect_timeout));
    case CG_TLS_ERR_READ:
      return waited >= options.read_timeout
                 ? Fail(Kind::kReadTimeout,
                        "no answer within " + FormatDuration(options.read_timeout))
                 : Fail(Kind::kClosed, "the connection was closed before a complete answer");
    case CG_TLS_ERR_WRITE:
      return Fail(Kind::kWrite, "the request could not be sent (" + what + ")");
    case CG_TLS_ERR_TLS:
      return Fail(Kind::kTls, "TLS failed (" + what + ")");
    default:
      return Fail(Kind::kOther, "request failed (" + what + ")");
  }
}

}  // namespace

Result<HttpResponse, HttpFailure> SendHttpRequest(const HttpRequest& request,
                                                  const HttpClientOptions& options,
                                                  CancelToken* cancel) {
  if (request.url.scheme == "https") return SendTls(request, options, cancel);
  if (request.url.scheme != "http") {
    return Fail(Kind::kOther, "unsupported URL scheme \"" + request.url.scheme + "\"");
  }
  PlainExchange exchange(request, options, cancel);
  return exchange.Run();
}

}  // namespace cg
