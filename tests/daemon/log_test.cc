#include "daemon/log.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace cg {

// A Logger that keeps what it is told (the seam App and RateLimiter take).
class RecordingLogger final : public Logger {
 public:
  void Write(LogLevel, std::string_view message) override { lines.emplace_back(message); }
  std::vector<std::string> lines;
};

TEST_CASE("journal lines carry sd-daemon priority prefixes", "[daemon][log]") {
  CHECK(StderrLogger::Format(LogLevel::kError, "db down", true) == "<3>db down\n");
  CHECK(StderrLogger::Format(LogLevel::kWarning, "lag", true) == "<4>lag\n");
  CHECK(StderrLogger::Format(LogLevel::kInfo, "started", true) == "<6>started\n");
}

TEST_CASE("terminal lines carry a level word and stay on one line", "[daemon][log]") {
  CHECK(StderrLogger::Format(LogLevel::kError, "a\nb", false) == "ERROR a b\n");
  CHECK(StderrLogger::Format(LogLevel::kDebug, "x", false) == "DEBUG x\n");
}

TEST_CASE("the rate limiter allows one message per key per interval and counts the rest",
          "[daemon][log]") {
  FakeClock clock;
  RecordingLogger log;
  RateLimiter limiter(std::chrono::seconds(10), &clock, &log);
  uint64_t suppressed = 99;
  CHECK(limiter.Allow("file-missing", &suppressed));
  CHECK(suppressed == 0);
  CHECK_FALSE(limiter.Allow("file-missing", &suppressed));
  CHECK_FALSE(limiter.Allow("file-missing", &suppressed));
  CHECK(limiter.Allow("other-key", &suppressed));
  clock.Advance(std::chrono::seconds(9));
  CHECK_FALSE(limiter.Allow("file-missing", &suppressed));
  clock.Advance(std::chrono::seconds(1));
  CHECK(limiter.Allow("file-missing", &suppressed));
  CHECK(suppressed == 3);
}

TEST_CASE("the rate limiter writes through the logger it was given, with the count",
          "[daemon][log]") {
  FakeClock clock;
  RecordingLogger log;
  RateLimiter limiter(std::chrono::seconds(10), &clock, &log);
  limiter.Write(LogLevel::kError, "k", "disk full");
  limiter.Write(LogLevel::kError, "k", "disk full");
  limiter.Write(LogLevel::kError, "k", "disk full");
  clock.Advance(std::chrono::seconds(10));
  limiter.Write(LogLevel::kError, "k", "disk full");
  CHECK(log.lines == std::vector<std::string>{"disk full", "disk full (2 similar suppressed)"});
}

}  // namespace cg
