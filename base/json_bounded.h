// Bounded JSON parsing for anything read from outside the process (state files written by an
// earlier run, spool lines, request bodies, receiver answers): the text is refused before
// nlohmann::json sees it when it is larger than `max_bytes` or nests deeper than `max_depth`,
// so a hostile or damaged file costs neither unbounded memory nor stack. Never throws.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "base/status.h"

namespace cg {

inline constexpr size_t kDefaultMaxJsonDepth = 64;

// Depth of the deepest array/object nesting in `text` (strings and escapes skipped), stopping
// as soon as it exceeds `limit` (the result is then limit + 1). Does not validate the text.
size_t JsonNestingDepth(std::string_view text, size_t limit);

// An upper bound of the number of values in `text` (each value but the first of a container
// follows a comma, and containers are values; strings and escapes skipped), counting no further
// than `limit` + 1. Bounds the memory a parse can take before parsing. Does not validate.
size_t JsonValueBound(std::string_view text, size_t limit);

// Parses `text` into *out. Errors: "larger than N bytes", "nested deeper than N levels",
// "not valid JSON at byte N".
Status ParseJsonBounded(std::string_view text, nlohmann::json* out,
                        size_t max_depth = kDefaultMaxJsonDepth,
                        size_t max_bytes = size_t{64} << 20);

}  // namespace cg
