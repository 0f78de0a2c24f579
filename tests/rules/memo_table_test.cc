#include "rules/memo_table.h"

#include <catch2/catch.hpp>
#include <string>

namespace cg {

TEST_CASE("a memo hit needs the same tag and the same text, not only the same hash",
          "[rules][memo]") {
  MemoTable<int> memo(64, 256);
  const std::string text = "API authentication failure due to Invalid Credentials";
  const uint64_t h = MemoHash(text);
  memo.Insert(h, 1, text, 7);
  CHECK(memo.Find(h, 1, text) == nullptr);  // The first sighting is not kept.
  memo.Insert(h, 1, text, 7);
  const std::string copy = text;  // Another buffer, same bytes.
  const int* v = memo.Find(MemoHash(copy), 1, copy);
  REQUIRE(v != nullptr);
  CHECK(*v == 7);
  CHECK(memo.Find(h, 2, text) == nullptr);  // Other tag (another RE2::Set).
  // A different text given the same hash (a collision) is not taken for the stored one.
  CHECK(memo.Find(h, 1, "API authentication failure due to Invalid Credentialz") == nullptr);
  CHECK(memo.Find(h, 1, text.substr(0, 10)) == nullptr);
  CHECK(memo.hits() == 1);
  CHECK(memo.misses() == 4);
  memo.Clear();
  CHECK(memo.Find(h, 1, text) == nullptr);
}

TEST_CASE("a repeated text keeps its slot against a stream of one-off texts", "[rules][memo]") {
  MemoTable<int> memo(1, 256);  // One slot: every text lands on it.
  // Twice: a text is kept from its second sighting on.
  auto insert = [&](const std::string& t, int v) {
    memo.Insert(MemoHash(t), 0, t, v);
    memo.Insert(MemoHash(t), 0, t, v);
  };
  auto find = [&](const std::string& t) { return memo.Find(MemoHash(t), 0, t); };
  insert("hot", 1);
  REQUIRE(find("hot") != nullptr);
  REQUIRE(find("hot") != nullptr);  // Two uses.
  insert("one-off a", 2);           // Costs "hot" a use; "a" is not kept.
  insert("one-off b", 3);           // The second use.
  CHECK(find("one-off a") == nullptr);
  CHECK(find("one-off b") == nullptr);
  REQUIRE(find("hot") != nullptr);  // Still there; one use again.
  CHECK(*find("hot") == 1);         // Two.
  insert("one-off c", 4);
  insert("one-off d", 5);
  insert("one-off e", 6);  // No use left: "e" takes the slot.
  CHECK(find("hot") == nullptr);
  REQUIRE(find("one-off e") != nullptr);
  CHECK(*find("one-off e") == 6);
  // Uses are capped, so even a very hot text yields to a long enough run of new ones.
  for (int i = 0; i < 10; ++i) REQUIRE(find("one-off e") != nullptr);
  for (int i = 0; i < 3; ++i) insert("new " + std::to_string(i), i);
  CHECK(find("one-off e") != nullptr);  // Absorbed three (and now has one use again).
  insert("new 3", 3);
  insert("new 4", 4);
  CHECK(find("one-off e") == nullptr);
  CHECK(find("new 4") != nullptr);
}

TEST_CASE("a text seen once is not copied but one seen again is", "[rules][memo]") {
  MemoTable<int> memo(64, 256);
  const std::string once = "CORRELATION_ID = 1987108196585800373";
  const std::string twice = "API authentication failure due to Invalid Credentials";
  memo.Insert(MemoHash(once), 0, once, 1);
  memo.Insert(MemoHash(twice), 0, twice, 2);
  memo.Insert(MemoHash(twice), 0, twice, 2);
  CHECK(memo.Find(MemoHash(once), 0, once) == nullptr);
  REQUIRE(memo.Find(MemoHash(twice), 0, twice) != nullptr);
  // The doorkeeper knows tags apart too.
  memo.Insert(MemoHash(once), 1, once, 3);
  CHECK(memo.Find(MemoHash(once), 1, once) == nullptr);
  memo.Clear();
  memo.Insert(MemoHash(twice), 0, twice, 2);  // Clear forgets the sightings as well.
  CHECK(memo.Find(MemoHash(twice), 0, twice) == nullptr);
}

TEST_CASE("texts longer than the memo's limit are not kept", "[rules][memo]") {
  MemoTable<int> memo(16, 8);
  const std::string small = "12345678", large = "123456789";
  for (int i = 0; i < 2; ++i) {
    memo.Insert(MemoHash(small), 0, small, 1);
    memo.Insert(MemoHash(large), 0, large, 2);
  }
  CHECK(memo.Find(MemoHash(small), 0, small) != nullptr);
  CHECK(memo.Find(MemoHash(large), 0, large) == nullptr);
}

TEST_CASE("the memo hash depends on every byte of a short text and on the length",
          "[rules][memo]") {
  const std::string base = "ERROR_CODE = 101503, TRIGGER_NAME = admin--OrdersAPI:v1.0.0";
  const uint64_t h = MemoHash(base);
  for (size_t i = 0; i < base.size(); ++i) {
    std::string t = base;
    t[i] ^= 1;
    CHECK(MemoHash(t) != h);
  }
  CHECK(MemoHash(base + '\0') != h);
  CHECK(MemoHash(std::string_view(base).substr(0, base.size() - 1)) != h);
  CHECK(MemoHash("") != MemoHash(std::string(1, '\0')));
}

TEST_CASE("long texts that differ only between the hash samples still never share an answer",
          "[rules][memo]") {
  // Same length, head, middle and tail: same hash, different texts.
  std::string a(200, 'x'), b(200, 'x');
  a[40] = 'A';
  b[40] = 'B';
  REQUIRE(MemoHash(a) == MemoHash(b));
  std::string c = a;
  c[199] = 'C';  // The tail is sampled.
  CHECK(MemoHash(c) != MemoHash(a));
  MemoTable<int> memo(64, 1024);
  memo.Insert(MemoHash(a), 0, a, 1);
  memo.Insert(MemoHash(a), 0, a, 1);
  REQUIRE(memo.Find(MemoHash(a), 0, a) != nullptr);  // One use.
  CHECK(memo.Find(MemoHash(b), 0, b) == nullptr);
  memo.Insert(MemoHash(b), 0, b, 2);  // First sighting of b.
  memo.Insert(MemoHash(b), 0, b, 2);  // Costs a its use.
  memo.Insert(MemoHash(b), 0, b, 2);  // Takes the slot.
  CHECK(memo.Find(MemoHash(a), 0, a) == nullptr);
  REQUIRE(memo.Find(MemoHash(b), 0, b) != nullptr);
  CHECK(*memo.Find(MemoHash(b), 0, b) == 2);
}

}  // namespace cg
