// Steps the tailer tests repeat, on top of tests/logs/tail_harness.h: start after writing, and
// check several of the tailer's series at once.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "tests/logs/tail_harness.h"

namespace cg::testing {

// Writes `text` to `log`, then starts the tailer and polls once.
inline void StartAfter(TailHarness& h, const std::filesystem::path& log, std::string_view text) {
  AppendTo(log, text);
  h.Start();
  h.Poll();
}

// Each of the tailer's series in `want` (full metric names) has the value given.
inline void CheckSeries(TailHarness& h,
                        std::initializer_list<std::pair<const char*, double>> want) {
  for (const auto& [name, value] : want) {
    INFO(name);
    CHECK(h.Metric(name) == value);
  }
}

}  // namespace cg::testing
