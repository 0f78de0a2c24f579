// The API server's listening socket and accept loop.
//
// Bind() resolves the host (numeric or a name: its first address that binds), sets SO_REUSEADDR
// (fast restart) but never SO_REUSEPORT (a second daemon must not silently share the port), makes
// an IPv6 socket dual-stack only for the wildcard "::", and listens with the kernel's largest
// backlog. Start() accepts one connection at a time on a strand of the server's io_context and
// hands each to ServeConnection().
//
// Descriptors: when accept(2) fails with EMFILE or ENFILE the loop pauses for 100 ms instead of
// spinning (the connection stays in the backlog) and counts refused{reason="descriptors"}; a new
// socket whose descriptor number is at or above `fd_ceiling` (RLIMIT_NOFILE minus the reserve
// the rest of the daemon needs; 0 = no ceiling) is closed at once and counted the same way.
//
// Thread-safety: Bind() and Start() once, before the io_context runs; Stop() from any thread
// (it waits for the strand to close the socket while the io_context runs, and closes it itself
// when it does not). The object must outlive the io_context's threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "daemon/http/connection.h"

namespace cg {

class Listener {
 public:
  // `log` (may be empty) gets syslog-level messages; `ctx` must outlive the listener.
  Listener(boost::asio::io_context& ioc, ServerContext& ctx,
           std::function<void(int priority, std::string_view message)> log);

  // Binds and listens. Errors read "cannot listen on <display>: <reason>".
  [[nodiscard]] Status Bind(const std::string& host, uint16_t port, const std::string& display);
  uint16_t port() const { return port_; }

  void Start(int fd_ceiling);
  // Stops accepting and closes the listening socket. Idempotent. `io_running`: whether the
  // io_context's threads are still running (then the close is done on the strand, and waited for).
  void Stop(bool io_running);

 private:
  void Accept();
  void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void PauseAccepting();

  boost::asio::io_context& ioc_;
  ServerContext& ctx_;
  std::function<void(int, std::string_view)> log_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_;
  uint16_t port_ = 0;
  int fd_ceiling_ = 0;
  bool stopped_ = false;  // On the strand.
  std::chrono::steady_clock::time_point last_descriptor_log_{};
};

}  // namespace cg
