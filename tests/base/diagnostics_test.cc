#include "base/diagnostics.h"

#include <catch2/catch.hpp>

namespace cg {

TEST_CASE("diagnostics render as file:line:col: message, omitting unknown parts",
          "[base][diagnostics]") {
  Diagnostics d;
  d.Add("a.yaml", 3, 7, "bad");
  d.Add("a.yaml", 0, 0, "whole file");
  d.Add("", 0, 0, "no file");
  CHECK(d.ToString() == "a.yaml:3:7: bad\na.yaml: whole file\nno file\n");
  CHECK(d.size() == 3);
}

TEST_CASE("closest match suggests near keys and nothing for far ones", "[base][diagnostics]") {
  std::vector<std::string> keys = {"listen", "state_dir", "proc_root", "sample_interval"};
  CHECK(ClosestMatch("lisen", keys) == "listen");
  CHECK(ClosestMatch("sample_intervall", keys) == "sample_interval");
  CHECK(ClosestMatch("statedir", keys) == "state_dir");
  CHECK(ClosestMatch("banana", keys).empty());
  CHECK(EditDistance("kitten", "sitting") == 3);
}

}  // namespace cg
