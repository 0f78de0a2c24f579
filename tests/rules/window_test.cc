#include "rules/window.h"

#include <catch2/catch.hpp>

#include "tests/rules/rule_test_util.h"

namespace cg {
namespace {

using cg::testing::Sec;

TEST_CASE("a window counts the matches strictly after its start", "[rules][window]") {
  SlidingWindow w(8);
  w.Add(Sec(0));
  w.Add(Sec(10));
  w.Add(Sec(20));
  CHECK(w.CountAfter(Sec(-1)) == 3);
  // A match at t leaves a window of length W at exactly t + W.
  CHECK(w.CountAfter(Sec(0)) == 2);
  CHECK(w.CountAfter(Sec(15)) == 1);
  CHECK(w.CountAfter(Sec(20)) == 0);
}

TEST_CASE("the k-th newest match is addressable", "[rules][window]") {
  SlidingWindow w(4);
  w.Add(Sec(1));
  w.Add(Sec(2));
  w.Add(Sec(3));
  CHECK(w.NthNewest(1) == Sec(3));
  CHECK(w.NthNewest(3) == Sec(1));
  CHECK_FALSE(w.NthNewest(4).has_value());
  CHECK_FALSE(w.NthNewest(0).has_value());
}

TEST_CASE("a full window keeps the most recent matches and saturates", "[rules][window]") {
  SlidingWindow w(3);
  for (int i = 0; i < 10; ++i) w.Add(Sec(i));
  CHECK(w.size() == 3);
  CHECK(w.CountAfter(Sec(-100)) == 3);
  CHECK(w.NthNewest(3) == Sec(7));
  CHECK(w.NthNewest(1) == Sec(9));
}

TEST_CASE("an out-of-order match is clamped so the ring stays sorted", "[rules][window]") {
  SlidingWindow w(4);
  w.Add(Sec(10));
  w.Add(Sec(5));  // From a second file, slightly behind.
  CHECK(w.NthNewest(1) == Sec(10));
  CHECK(w.CountAfter(Sec(9)) == 2);
}

TEST_CASE("distinct tags are counted inside the window only", "[rules][window]") {
  SlidingWindow w(16, /*track_tags=*/true);
  w.Add(Sec(0), 1);
  w.Add(Sec(1), 2);
  w.Add(Sec(2), 2);
  w.Add(Sec(3), 3);
  w.Add(Sec(4), 3);
  CHECK(w.DistinctAfter(Sec(-1)) == 3);
  CHECK(w.DistinctAfter(Sec(0)) == 2);
  CHECK(w.DistinctAfter(Sec(2)) == 1);
  CHECK(w.DistinctAfter(Sec(0)) == 2);  // The start moved back: recounted.
}

TEST_CASE("distinct tags stay exact while the ring overwrites old matches", "[rules][window]") {
  SlidingWindow w(3, /*track_tags=*/true);
  w.Add(Sec(0), 7);
  w.Add(Sec(1), 8);
  w.Add(Sec(2), 9);
  CHECK(w.DistinctAfter(Sec(0)) == 2);  // Tag 7 expired.
  w.Add(Sec(3), 9);                     // Overwrites the expired 7.
  CHECK(w.DistinctAfter(Sec(0)) == 2);  // 8, 9
  w.Add(Sec(4), 9);                     // Overwrites the live 8.
  CHECK(w.DistinctAfter(Sec(0)) == 1);
  w.Add(Sec(5), 1);
  CHECK(w.DistinctAfter(Sec(3)) == 2);  // 9 (4 s), 1 (5 s)
}

TEST_CASE("a window without tag tracking has no distinct count", "[rules][window]") {
  SlidingWindow w(4);
  w.Add(Sec(0), 1);
  CHECK(w.DistinctAfter(Sec(-1)) == 0);
}

}  // namespace
}  // namespace cg
