#include "daemon/http/listener.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <future>
#include <memory>

namespace cg {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::chrono::milliseconds kDescriptorPause{100};
// Unexpected accept errors (ENOBUFS, ENOMEM, ...) also pause, for less long.
constexpr std::chrono::milliseconds kErrorPause{10};
constexpr std::chrono::seconds kDescriptorLogInterval{10};

struct AddrInfoDeleter {
  void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

}  // namespace

Listener::Listener(net::io_context& ioc, ServerContext& ctx,
                   std::function<void(int, std::string_view)> log)
    : ioc_(ioc),
      ctx_(ctx),
      log_(std::move(log)),
      strand_(net::make_strand(ioc)),
      acceptor_(strand_),
      pause_(strand_) {}

Status Listener::Bind(const std::string& host, uint16_t port, const std::string& display) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* raw = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &raw);
  if (rc != 0) {
    std::string reason = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
    return Status::Error("cannot listen on " + display + ": " + reason);
  }
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  int last_error = EADDRNOTAVAIL;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (ai->ai_family == AF_INET6) {
      int v6only = host == "::" ? 0 : 1;
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    }
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      last_error = errno;
      ::close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
      last_error = errno;
      ::close(fd);
      continue;
    }
    port_ = bound.ss_family == AF_INET6
                ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    boost::system::error_code ec;
    acceptor_.assign(ai->ai_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      return Status::Error("cannot listen on " + display + ": " + ec.message());
    }
    return Status::Ok();
  }
  return Status::Error("cannot listen on " + display + ": " + std::strerror(last_error));
}

void Listener::Start(int fd_ceiling) {
  fd_ceiling_ = fd_ceiling;
  net::post(strand_, [this] { Accept(); });
}

void Listener::Accept() {
  if (stopped_) return;
  // Each connection gets a strand of its own: its handlers never run concurrently.
  acceptor_.async_accept(net::make_strand(ioc_),
                         [this](boost::system::error_code ec, tcp::socket socket) {
                           OnAccept(ec, std::move(socket));
                         });
}

void Listener::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (stopped_ || ec == net::error::operation_aborted) return;
  if (ec == net::error::no_descriptors || ec.value() == ENFILE) {
    ctx_.metrics->Refused(RefuseReason::kDescriptors);
    auto now = std::chrono::steady_clock::now();
    if (log_ && now - last_descriptor_log_ >= kDescriptorLogInterval) {
      last_descriptor_log_ = now;
      log_(4, "http: accept: " + ec.message() + "; pausing new connections briefly");
    }
    return PauseAccepting();
  }
  if (ec) {
    // ECONNABORTED and the like concern one connection; anything else, do not spin on it.
    if (ec == net::error::connection_aborted) return Accept();
    pause_.expires_after(kErrorPause);
    pause_.async_wait([this](boost::system::error_code) { Accept(); });
    return;
  }
  ctx_.metrics->Accepted();
  // A descriptor in the reserve: the rest of the daemon (tailer, state files) needs those, so
  // the connection may only replace an evictable one (ServeConnection).
  const bool over_ceiling = fd_ceiling_ > 0 && socket.native_handle() >= fd_ceiling_;
  ServeConnection(ctx_, std::move(socket), over_ceiling);
  Accept();  // Re-armed first: nothing below may keep the server from accepting.
  if (ctx_.on_accept) ctx_.on_accept();
}

void Listener::PauseAccepting() {
  pause_.expires_after(kDescriptorPause);
  pause_.async_wait([this](boost::system::error_code) { Accept(); });
}

void Listener::Stop(bool io_running) {
  auto close = [this] {
    stopped_ = true;
    boost::system::error_code ignored;
    pause_.cancel();
    acceptor_.close(ignored);
  };
  if (!io_running) return close();
  auto done = std::make_shared<std::promise<void>>();
  auto closed = done->get_future();
  net::post(strand_, [close, done] {
    close();
    done->set_value();
  });
  // Bounded: the strand runs short handlers only. Stop() closes it again after the io_context's
  // threads are joined, should this ever time out.
  closed.wait_for(std::chrono::seconds(5));
}

}  // namespace cg
