#include "base/fs.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace cg {

TEST_CASE("atomic writes replace content and leave no temp file", "[base][fs]") {
  testing::TempDir dir;
  auto p = dir / "state.json";
  REQUIRE(WriteFileAtomic(p, "one").ok());
  REQUIRE(WriteFileAtomic(p, "two!").ok());
  auto text = ReadFile(p, 1ull << 30);
  REQUIRE(text.ok());
  CHECK(*text == "two!");
  size_t entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) (void)e, ++entries;
  CHECK(entries == 1);
}

TEST_CASE("reading a missing file names the path and the reason", "[base][fs]") {
  testing::TempDir dir;
  auto text = ReadFile(dir / "nope", 1ull << 30);
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().message().find("nope: cannot open: No such file or directory") !=
        std::string::npos);
}

TEST_CASE("globs expand sorted and no match is an empty list", "[base][fs]") {
  testing::TempDir dir;
  dir.Write("b.yaml", "");
  dir.Write("a.yaml", "");
  dir.Write("c.txt", "");
  auto m = ExpandGlob((dir / "*.yaml").string());
  REQUIRE(m.ok());
  REQUIRE(m->size() == 2);
  CHECK((*m)[0].filename() == "a.yaml");
  CHECK((*m)[1].filename() == "b.yaml");
  auto none = ExpandGlob((dir / "*.json").string());
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("relative paths resolve against the base directory", "[base][fs]") {
  CHECK(ResolveAgainst("/etc/cg", "rules/a.yaml") == "/etc/cg/rules/a.yaml");
  CHECK(ResolveAgainst("/etc/cg", "/abs") == "/abs");
  CHECK(ResolveAgainst("", "rel") == "rel");
}

}  // namespace cg
