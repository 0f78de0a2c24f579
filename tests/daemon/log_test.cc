#include "daemon/log.h"

#include <catch2/catch.hpp>

namespace cg {

TEST_CASE("journal lines carry sd-daemon priority prefixes", "[daemon][log]") {
  CHECK(Log::Format(LogLevel::kError, "db down", true) == "<3>db down\n");
  CHECK(Log::Format(LogLevel::kWarning, "lag", true) == "<4>lag\n");
  CHECK(Log::Format(LogLevel::kInfo, "started", true) == "<6>started\n");
}

TEST_CASE("terminal lines carry a level word and stay on one line", "[daemon][log]") {
  CHECK(Log::Format(LogLevel::kError, "a\nb", false) == "ERROR a b\n");
  CHECK(Log::Format(LogLevel::kDebug, "x", false) == "DEBUG x\n");
}

TEST_CASE("the rate limiter allows one message per key per interval and counts the rest",
          "[daemon][log]") {
  FakeClock clock;
  RateLimiter limiter(std::chrono::seconds(10), &clock);
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

}  // namespace cg
