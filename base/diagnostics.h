// Positioned error lists for everything loaded from text (config, rules).
//
// Loaders never stop at the first problem: they append every problem they find to a
// Diagnostics list and the caller prints all of them ("FILE:LINE:COL: message"), so an operator
// fixes a file in one round. Line and column are 1-based, as editors show them; 0 means unknown.
// Not thread-safe; owned by the caller of the loader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cg {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown.
  int column = 0;  // 1-based; 0 = unknown.
  std::string message;

  // "file:line:col: message" (omits the parts that are unknown).
  std::string ToString() const;
};

class Diagnostics {
 public:
  void Add(std::string file, int line, int column, std::string message);
  void Append(const Diagnostics& other);
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // One diagnostic per line, each ending in '\n'.
  std::string ToString() const;

 private:
  std::vector<Diagnostic> items_;
};

// Edit distance, for "did you mean" hints on unknown keys.
size_t EditDistance(std::string_view a, std::string_view b);

// Closest candidate to `word` within a small edit distance, or "" if nothing is close.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace cg
