// HttpSender against a live local receiver: a receiver that answers with an enormous body is
// not buffered (the sender keeps 64 KiB and hangs up), and the delivery still counts.
#include "daemon/notify/sender.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "tests/support/http_server.h"

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

// The /hook URL of `server`.
HttpUrl HookUrl(const testing::BackgroundServer& server) {
  auto u = ParseHttpUrl(server.url("/hook"));
  REQUIRE(u.ok());
  return *u;
}

// A receiver that answers every POST with `status` and a chunked body of `body_bytes`.
class FloodingReceiver {
 public:
  FloodingReceiver(int status, uint64_t body_bytes)
      : server_([this, status, body_bytes](httplib::Server& s) {
          s.Post(".*", [this, status, body_bytes](const httplib::Request&, httplib::Response& res) {
            res.status = status;
            res.set_chunked_content_provider(
                "text/plain", [this, body_bytes](size_t offset, httplib::DataSink& sink) {
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
        }) {}
  HttpUrl Url() const { return HookUrl(server_); }
  uint64_t sent() const { return sent_; }

 private:
  std::atomic<uint64_t> sent_{0};
  testing::BackgroundServer server_;  // Last: stopped before sent_ is destroyed.
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
  testing::BackgroundServer server([](httplib::Server& s) {
    s.Post(".*", [](const httplib::Request&, httplib::Response& res) {
      res.status = 422;
      res.set_content("bad alert\n", "text/plain");
    });
  });
  const HttpUrl url = HookUrl(server);
  HttpSender sender(url, std::chrono::seconds(5));
  SendOutcome out = sender.Post("{}", {});
  CHECK(out.kind == SendOutcome::Kind::kReject);
  CHECK(out.error == url.ToString() + ": HTTP 422: bad alert");
}

}  // namespace
}  // namespace cg
