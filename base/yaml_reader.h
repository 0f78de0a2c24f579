// Validating readers over yaml-cpp nodes that never stop at the first problem.
//
// Every getter records a positioned Diagnostic (FILE:LINE:COL, 1-based) on a type or range
// error and leaves the output untouched, so the caller's documented default stays in place.
// MapReader::Finish() reports keys nobody asked for, with a "did you mean" hint, and duplicate
// keys (which yaml-cpp accepts silently). yaml-cpp throws; the exceptions stop at LoadYaml().
// Not thread-safe; a reader borrows its YamlContext, which must outlive it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"

namespace cg {

class YamlContext {
 public:
  YamlContext(std::string file, Diagnostics* diags) : file_(std::move(file)), diags_(diags) {}
  const std::string& file() const { return file_; }
  void Error(const YAML::Mark& mark, std::string message);
  void Error(const YAML::Node& at, std::string message) { Error(at.Mark(), std::move(message)); }
  size_t error_count() const { return diags_->size(); }

 private:
  std::string file_;
  Diagnostics* diags_;  // Not owned.
};

// Parses a whole document. On a syntax error records it (with position) and returns nullopt.
// An empty document yields a Null node.
std::optional<YAML::Node> LoadYaml(std::string_view text, YamlContext& ctx);

// "a mapping", "a sequence", "a string", "nothing" — for "expected X, got Y" messages.
std::string DescribeNode(const YAML::Node& node);

// Reads the keys of one mapping.
class MapReader {
 public:
  // `what` names the mapping in messages ("logs[0]"). A non-map node is reported once and the
  // reader behaves as an empty map.
  MapReader(const YAML::Node& node, std::string what, YamlContext& ctx);

  bool valid() const { return valid_; }
  bool Has(std::string_view key) const;
  const YAML::Mark& mark() const { return mark_; }
  // The raw value (marks the key as known); a Null node when absent.
  YAML::Node Get(std::string_view key);

  // Each returns true iff the key was present and valid; `required` reports a missing key.
  bool String(std::string_view key, std::string* out, bool required = false);
  bool Bool(std::string_view key, bool* out);
  bool Int(std::string_view key, int64_t* out, int64_t min, int64_t max);
  bool Double(std::string_view key, double* out, double min, double max);
  bool Duration(std::string_view key, std::chrono::milliseconds* out,
                std::chrono::milliseconds min = std::chrono::milliseconds(0));
  bool Size(std::string_view key, uint64_t* out, uint64_t min = 0);
  // A sequence of strings; a single string is accepted as a one-element list.
  bool StringList(std::string_view key, std::vector<std::string>* out);
  // A string-to-string mapping (labels).
  bool StringMap(std::string_view key, std::vector<std::pair<std::string, std::string>>* out);
  // String constrained to `allowed`; reports the allowed set (and a hint) otherwise.
  bool Enum(std::string_view key, const std::vector<std::string>& allowed, std::string* out);

  // Reports unknown keys (with a hint from the keys asked for so far, plus `extra_known`).
  void Finish(const std::vector<std::string>& extra_known = {});

  // Records an error at the value of `key` (or the map itself when absent).
  void ErrorAt(std::string_view key, std::string message);
  YamlContext& ctx() { return ctx_; }
  const std::string& what() const { return what_; }

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  const Entry* Find(std::string_view key) const;
  const Entry* FindScalar(std::string_view key, std::string_view expected);
  YAML::Mark ValueMark(const Entry& e) const;

  YamlContext& ctx_;
  std::string what_;
  YAML::Mark mark_;
  bool valid_ = false;
  std::vector<Entry> entries_;
  std::vector<std::string> asked_;
};

}  // namespace cg
