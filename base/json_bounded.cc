#include "base/json_bounded.h"

#include <nlohmann/json.hpp>

namespace cg {

namespace {

// Calls f(c) for every character of `text` outside JSON strings (strings and their escapes
// skipped); stops when f returns false.
template <typename F>
void ForEachStructural(std::string_view text, F&& f) {
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (!f(c)) return;
  }
}

}  // namespace

size_t JsonNestingDepth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  ForEachStructural(text, [&](char c) {
    if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      return deepest <= limit;
    }
    // Unbalanced closers are the parser's to report; the depth only guards the stack.
    if ((c == ']' || c == '}') && depth > 0) --depth;
    return true;
  });
  return deepest > limit ? limit + 1 : deepest;
}

size_t JsonValueBound(std::string_view text, size_t limit) {
  size_t values = 1;
  ForEachStructural(text, [&](char c) {
    if (c == ',' || c == '[' || c == '{') ++values;
    return values <= limit;
  });
  return values > limit ? limit + 1 : values;
}

Status ParseJsonBounded(std::string_view text, nlohmann::json* out, size_t max_depth,
                        size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Status::Error("larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (JsonNestingDepth(text, max_depth) > max_depth) {
    return Status::Error("nested deeper than " + std::to_string(max_depth) + " levels");
  }
  // nlohmann's edge: no exceptions with allow_exceptions=false, but keep the catch for
  // allocation failures and library surprises.
  try {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::Error("not valid JSON");
    *out = std::move(j);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Error(std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace cg
