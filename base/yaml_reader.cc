#include "base/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/units.h"

namespace cg {
namespace {

// yaml-cpp marks are 0-based and -1 when unknown; diagnostics are 1-based with 0 = unknown.
int OneBased(int v) { return v < 0 ? 0 : v + 1; }

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

void YamlContext::Error(const YAML::Mark& mark, std::string message) {
  diags_->Add(file_, OneBased(mark.line), OneBased(mark.column), std::move(message));
}

std::optional<YAML::Node> LoadYaml(std::string_view text, YamlContext& ctx) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    ctx.Error(e.mark, "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

std::string DescribeNode(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a sequence";
  return "\"" + node.Scalar() + "\"";
}

MapReader::MapReader(const YAML::Node& node, std::string what, YamlContext& ctx)
    : ctx_(ctx), what_(std::move(what)), mark_(node.Mark()) {
  if (!node.IsMap()) {
    ctx_.Error(node, what_ + ": expected a mapping, got " + DescribeNode(node));
    return;
  }
  valid_ = true;
  // Iterate by value: yaml-cpp's iterator->first refers into a temporary proxy, so a
  // reference bound to it dangles (ASan: stack-use-after-scope).
  for (const auto& kv : node) {
    YAML::Node k = kv.first;
    if (!k.IsScalar()) {
      ctx_.Error(k, what_ + ": keys must be plain strings");
      continue;
    }
    if (Find(k.Scalar()) != nullptr) {
      ctx_.Error(k, what_ + ": duplicate key \"" + k.Scalar() + "\"");
      continue;
    }
    entries_.push_back(Entry{k.Scalar(), k, kv.second});
  }
}

const MapReader::Entry* MapReader::Find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

bool MapReader::Has(std::string_view key) const { return Find(key) != nullptr; }

YAML::Mark MapReader::ValueMark(const Entry& e) const {
  // An empty value ("key:") has no position of its own; point at the key instead.
  YAML::Mark m = e.value.Mark();
  return m.line < 0 ? e.key_node.Mark() : m;
}

void MapReader::ErrorAt(std::string_view key, std::string message) {
  const Entry* e = Find(key);
  ctx_.Error(e ? ValueMark(*e) : mark_, std::move(message));
}

YAML::Node MapReader::Get(std::string_view key) {
  asked_.emplace_back(key);
  const Entry* e = Find(key);
  return e ? e->value : YAML::Node();
}

const MapReader::Entry* MapReader::FindScalar(std::string_view key, std::string_view expected) {
  asked_.emplace_back(key);
  const Entry* e = Find(key);
  if (e == nullptr) return nullptr;
  if (!e->value.IsScalar()) {
    ctx_.Error(ValueMark(*e), what_ + "." + std::string(key) + ": expected " +
                                  std::string(expected) + ", got " + DescribeNode(e->value));
    return nullptr;
  }
  return e;
}

bool MapReader::String(std::string_view key, std::string* out, bool required) {
  if (required && !Has(key)) {
    asked_.emplace_back(key);
    ctx_.Error(mark_, what_ + ": missing required key \"" + std::string(key) + "\"");
    return false;
  }
  const Entry* e = FindScalar(key, "a string");
  if (!e) return false;
  *out = e->value.Scalar();
  if (required && out->empty()) {
    ctx_.Error(ValueMark(*e), what_ + "." + std::string(key) + ": must not be empty");
    return false;
  }
  return true;
}

bool MapReader::Bool(std::string_view key, bool* out) {
  const Entry* e = FindScalar(key, "true or false");
  if (!e) return false;
  const std::string& s = e->value.Scalar();
  if (s == "true") return *out = true, true;
  if (s == "false") return *out = false, true;
  ctx_.Error(ValueMark(*e),
             what_ + "." + std::string(key) + ": expected true or false, got \"" + s + "\"");
  return false;
}

bool MapReader::Int(std::string_view key, int64_t* out, int64_t min, int64_t max) {
  const Entry* e = FindScalar(key, "an integer");
  if (!e) return false;
  const std::string& s = e->value.Scalar();
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    ctx_.Error(ValueMark(*e),
               what_ + "." + std::string(key) + ": expected an integer, got \"" + s + "\"");
    return false;
  }
  if (v < min || v > max) {
    ctx_.Error(ValueMark(*e), what_ + "." + std::string(key) + ": " + s + " is out of range " +
                                  std::to_string(min) + ".." + std::to_string(max));
    return false;
  }
  *out = v;
  return true;
}

bool MapReader::Double(std::string_view key, double* out, double min, double max) {
  const Entry* e = FindScalar(key, "a number");
  if (!e) return false;
  const std::string& s = e->value.Scalar();
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    ctx_.Error(ValueMark(*e),
               what_ + "." + std::string(key) + ": expected a number, got \"" + s + "\"");
    return false;
  }
  if (v < min || v > max) {
    char range[64];
    std::snprintf(range, sizeof range, "%g..%g", min, max);
    ctx_.Error(ValueMark(*e),
               what_ + "." + std::string(key) + ": " + s + " is out of range " + range);
    return false;
  }
  *out = v;
  return true;
}

bool MapReader::Duration(std::string_view key, std::chrono::milliseconds* out,
                         std::chrono::milliseconds min) {
  const Entry* e = FindScalar(key, "a duration");
  if (!e) return false;
  auto d = ParseDuration(e->value.Scalar());
  if (!d.ok()) {
    ctx_.Error(ValueMark(*e), what_ + "." + std::string(key) + ": " + d.error().message());
    return false;
  }
  if (*d < min) {
    ctx_.Error(ValueMark(*e),
               what_ + "." + std::string(key) + ": must be at least " + FormatDuration(min));
    return false;
  }
  *out = *d;
  return true;
}

bool MapReader::Size(std::string_view key, uint64_t* out, uint64_t min) {
  const Entry* e = FindScalar(key, "a size");
  if (!e) return false;
  auto v = ParseSize(e->value.Scalar());
  if (!v.ok()) {
    ctx_.Error(ValueMark(*e), what_ + "." + std::string(key) + ": " + v.error().message());
    return false;
  }
  if (*v < min) {
    ctx_.Error(ValueMark(*e), what_ + "." + std::string(key) + ": must be at least " +
                                  std::to_string(min) + " bytes");
    return false;
  }
  *out = *v;
  return true;
}

bool MapReader::StringList(std::string_view key, std::vector<std::string>* out) {
  asked_.emplace_back(key);
  const Entry* e = Find(key);
  if (!e) return false;
  if (e->value.IsScalar()) {
    *out = {e->value.Scalar()};
    return true;
  }
  if (e->value.IsNull()) {
    out->clear();
    return true;
  }
  if (!e->value.IsSequence()) {
    ctx_.Error(ValueMark(*e), what_ + "." + std::string(key) +
                                  ": expected a list of strings, got " + DescribeNode(e->value));
    return false;
  }
  std::vector<std::string> items;
  bool ok = true;
  size_t i = 0;
  for (const auto& item : e->value) {
    if (!item.IsScalar()) {
      ctx_.Error(item, what_ + "." + std::string(key) + "[" + std::to_string(i) +
                           "]: expected a string, got " + DescribeNode(item));
      ok = false;
    } else {
      items.push_back(item.Scalar());
    }
    ++i;
  }
  if (ok) *out = std::move(items);
  return ok;
}

bool MapReader::StringMap(std::string_view key,
                          std::vector<std::pair<std::string, std::string>>* out) {
  asked_.emplace_back(key);
  const Entry* e = Find(key);
  if (!e) return false;
  if (e->value.IsNull()) return true;
  if (!e->value.IsMap()) {
    ctx_.Error(ValueMark(*e), what_ + "." + std::string(key) + ": expected a mapping, got " +
                                  DescribeNode(e->value));
    return false;
  }
  bool ok = true;
  for (const auto& kv : e->value) {
    YAML::Node k = kv.first, v = kv.second;
    if (!k.IsScalar() || !v.IsScalar()) {
      ctx_.Error(k, what_ + "." + std::string(key) + ": keys and values must be strings");
      ok = false;
      continue;
    }
    out->emplace_back(k.Scalar(), v.Scalar());
  }
  return ok;
}

bool MapReader::Enum(std::string_view key, const std::vector<std::string>& allowed,
                     std::string* out) {
  const Entry* e = FindScalar(key, "a string");
  if (!e) return false;
  const std::string& s = e->value.Scalar();
  if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) {
    *out = s;
    return true;
  }
  std::string hint = ClosestMatch(s, allowed);
  ctx_.Error(ValueMark(*e), what_ + "." + std::string(key) + ": \"" + s + "\" is not one of " +
                                Join(allowed) +
                                (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)"));
  return false;
}

void MapReader::Finish(const std::vector<std::string>& extra_known) {
  std::vector<std::string> known = asked_;
  known.insert(known.end(), extra_known.begin(), extra_known.end());
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  for (const auto& e : entries_) {
    if (std::binary_search(known.begin(), known.end(), e.key)) continue;
    std::string hint = ClosestMatch(e.key, known);
    ctx_.Error(e.key_node, what_ + ": unknown key \"" + e.key + "\"" +
                               (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)"));
  }
}

}  // namespace cg
