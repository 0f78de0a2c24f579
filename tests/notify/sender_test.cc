// HttpSender against a live local receiver: a receiver that answers with an enormous body is
// not buffered (the sender keeps 64 KiB and hangs up), and the delivery still counts.
#include "daemon/notify/sender.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace cg {
namespace {

// VmRSS of this process in KiB.
long RssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A receiver that answers every POST with `status` and a chunked body of `body_bytes`.
class FloodingReceiver {
 public:
  FloodingReceiver(int status, uint64_t body_bytes) {
    server_.Post(".*", [this, status, body_bytes](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      res.set_chunked_content_provider("text/plain",
                                       [this, body_bytes](size_t offset, httplib::DataSink& sink) {
                                         static const std::string chunk(64 * 1024, 'x');
                                         if (offset >= body_bytes) {
                                           sink.done();
                                           return true;
                                         }
                                         if (!sink.write(chunk.data(), chunk.size())) return false;
                                         sent_ += chunk.size();
                                         return true;
                                       });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FloodingReceiver() {
    server_.stop();
    thread_.join();
  }
  HttpUrl Url() const {
    auto u = ParseHttpUrl("http://127.0.0.1:" + std::to_string(port_) + "/hook");
    REQUIRE(u.ok());
    return *u;
  }
  uint64_t sent() const { return sent_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<uint64_t> sent_{0};
};

constexpr uint64_t kFlood = 256ull << 20;

TEST_CASE("a 256 MiB answer is not buffered and the delivery counts as sent", "[notify][sender]") {
  FloodingReceiver receiver(200, kFlood);
  HttpSender sender(receiver.Url(), std::chrono::seconds(5));
  const long before = RssKiB();
  const auto start = std::chrono::steady_clock::now();
  SendOutcome out = sender.Post(R"({"version":"1"})", {{"X-Cutover-Guard-Event", "alert"}});
  const auto took = std::chrono::steady_clock::now() - start;
  const long growth = RssKiB() - before;
  INFO("RSS growth " << growth << " KiB, server wrote " << receiver.sent() << " bytes");
  CHECK(out.kind == SendOutcome::Kind::kOk);
  CHECK(out.status == 200);
  CHECK(out.error.empty());
  CHECK(growth < 32 * 1024);
  CHECK(receiver.sent() < kFlood);  // The sender hung up long before the end.
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("a flooding error answer is retried with a short excerpt", "[notify][sender]") {
  FloodingReceiver receiver(503, kFlood);
  HttpSender sender(receiver.Url(), std::chrono::seconds(5));
  const long before = RssKiB();
  SendOutcome out = sender.Post("{}", {});
  const long growth = RssKiB() - before;
  CHECK(out.kind == SendOutcome::Kind::kRetry);
  CHECK(out.status == 503);
  CHECK(out.error == receiver.Url().ToString() + ": HTTP 503: " + std::string(200, 'x'));
  CHECK(growth < 32 * 1024);
}

TEST_CASE("a small answer is read whole", "[notify][sender]") {
  httplib::Server server;
  server.Post(".*", [](const httplib::Request&, httplib::Response& res) {
    res.status = 422;
    res.set_content("bad alert\n", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();
  auto url = ParseHttpUrl("http://127.0.0.1:" + std::to_string(port) + "/hook");
  REQUIRE(url.ok());
  HttpSender sender(*url, std::chrono::seconds(5));
  SendOutcome out = sender.Post("{}", {});
  server.stop();
  t.join();
  CHECK(out.kind == SendOutcome::Kind::kReject);
  CHECK(out.error == url->ToString() + ": HTTP 422: bad alert");
}

}  // namespace
}  // namespace cg
