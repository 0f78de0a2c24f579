// An httplib::Server on 127.0.0.1 at an ephemeral port, listening on its own thread from
// construction to destruction: the base of the scripted HTTP receivers of the tests.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace cg::testing {

// A hostile answer body: 64 KiB chunks of `fill` up to 256 MiB, for
// set_chunked_content_provider; `sent` counts what the server got out (a client that stops
// reading at its cap makes it stop far short of the end).
inline std::function<bool(size_t, httplib::DataSink&)> FloodBody(char fill,
                                                                 std::atomic<uint64_t>* sent) {
  return [chunk = std::string(64 * 1024, fill), sent](size_t offset, httplib::DataSink& sink) {
    if (offset >= (uint64_t{256} << 20)) {
      sink.done();
      return true;
    }
    if (!sink.write(chunk.data(), chunk.size())) return false;
    *sent += chunk.size();
    return true;
  };
}

class BackgroundServer {
 public:
  // `routes` registers the handlers; the server is listening when the constructor returns.
  explicit BackgroundServer(const std::function<void(httplib::Server&)>& routes) {
    routes(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~BackgroundServer() {
    server_.stop();
    thread_.join();
  }
  BackgroundServer(const BackgroundServer&) = delete;
  BackgroundServer& operator=(const BackgroundServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>".
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace cg::testing
