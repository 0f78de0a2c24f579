#include "collectors/logs/dir_scan.h"

#include <dirent.h>
#include <fnmatch.h>

#include <algorithm>
#include <cerrno>

namespace cg {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool RotationChars(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsDigit(c) || c == '-' || c == '.' || c == '_'; });
}

}  // namespace

int ListRegularFiles(const std::filesystem::path& dir, std::vector<DirEntry>* out) {
  out->clear();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (e->d_type != DT_REG && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN) continue;
    DirEntry entry;
    entry.name = std::string(name);
    entry.path = dir / entry.name;
    if (StatPath(entry.path, &entry.st) != 0 || !entry.st.regular) continue;
    out->push_back(std::move(entry));
  }
  ::closedir(d);
  return 0;
}

bool NaturalLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      size_t i0 = i, j0 = j;
      while (i0 < a.size() && a[i0] == '0') ++i0;
      while (j0 < b.size() && b[j0] == '0') ++j0;
      size_t i1 = i0, j1 = j0;
      while (i1 < a.size() && IsDigit(a[i1])) ++i1;
      while (j1 < b.size() && IsDigit(b[j1])) ++j1;
      if (i1 - i0 != j1 - j0) return i1 - i0 < j1 - j0;
      int c = a.substr(i0, i1 - i0).compare(b.substr(j0, j1 - j0));
      if (c != 0) return c < 0;
      i = i1;
      j = j1;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

bool MatchesAnyGlob(const std::vector<std::string>& globs, std::string_view name) {
  std::string n(name);
  for (const auto& g : globs) {
    if (::fnmatch(g.c_str(), n.c_str(), 0) == 0) return true;
  }
  return false;
}

RotatedNameMatcher::RotatedNameMatcher(std::string_view live_name) : live_(live_name) {
  size_t dot = live_.find('.');
  stem_ = live_.substr(0, dot);
  ext_ = dot == std::string::npos ? "" : live_.substr(dot);
}

bool RotatedNameMatcher::Matches(std::string_view name) const {
  if (name == live_ || stem_.empty() || name.substr(0, stem_.size()) != stem_) return false;
  std::string_view rest = name.substr(stem_.size());
  if (rest.size() >= 3 && rest.substr(rest.size() - 3) == ".gz") rest.remove_suffix(3);
  if (ext_.empty()) return !rest.empty() && RotationChars(rest);
  for (size_t i = rest.find(ext_); i != std::string_view::npos; i = rest.find(ext_, i + 1)) {
    std::string_view before = rest.substr(0, i), after = rest.substr(i + ext_.size());
    if (RotationChars(before) && RotationChars(after) && !(before.empty() && after.empty())) {
      return true;
    }
  }
  return false;
}

}  // namespace cg
