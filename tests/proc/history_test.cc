// The bounded per-series history ring.
#include "collectors/proc/history.h"

#include <catch2/catch.hpp>

namespace cg::proc {
namespace {

WallTime At(int s) { return WallTime(std::chrono::seconds(1'764'000'000 + s)); }

TEST_CASE("history keeps the newest rows and overwrites the oldest",
          "[collectors][proc][history]") {
  SeriesHistory h(3, 2);
  for (int i = 0; i < 5; ++i) {
    h.Append(At(i));
    h.Set(0, i * 10.0);
  }
  CHECK(h.size() == 3);
  auto pts = h.Since(0, At(0));
  REQUIRE(pts.size() == 3);
  CHECK(pts[0].time == At(2));
  CHECK(pts[0].value == 20.0);
  CHECK(pts[2].time == At(4));
  CHECK(pts[2].value == 40.0);
  CHECK(*h.Latest(0) == 40.0);
}

TEST_CASE("history gaps are skipped and a gap in the newest row is no latest value",
          "[collectors][proc][history]") {
  SeriesHistory h(4, 1);
  h.Append(At(0));
  h.Set(0, 1.0);
  h.Append(At(1));  // Gap.
  h.Append(At(2));
  h.Set(0, 3.0);
  auto pts = h.Since(0, At(0));
  REQUIRE(pts.size() == 2);
  CHECK(pts[0].value == 1.0);
  CHECK(pts[1].value == 3.0);
  h.Append(At(3));
  CHECK_FALSE(h.Latest(0).has_value());
}

TEST_CASE("history since filters by time", "[collectors][proc][history]") {
  SeriesHistory h(10, 1);
  for (int i = 0; i < 6; ++i) {
    h.Append(At(i));
    h.Set(0, i);
  }
  auto pts = h.Since(0, At(4));
  REQUIRE(pts.size() == 2);
  CHECK(pts[0].value == 4.0);
  CHECK(pts[1].value == 5.0);
}

TEST_CASE("empty history and unknown columns have nothing", "[collectors][proc][history]") {
  SeriesHistory h(2, 1);
  CHECK_FALSE(h.Latest(0).has_value());
  CHECK(h.Since(0, At(0)).empty());
  h.Append(At(0));
  h.Set(5, 1.0);  // Ignored.
  CHECK_FALSE(h.Latest(5).has_value());
  CHECK(h.Since(5, At(0)).empty());
}

}  // namespace
}  // namespace cg::proc
