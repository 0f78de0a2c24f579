// Builds /proc roots for tests from the trees under tests/fixtures/proc (see its README.md).
#pragma once

#include <sys/fsuid.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tests/support/temp_dir.h"

namespace cg::testing {

inline std::filesystem::path ProcFixture(std::string_view relative) {
  return std::filesystem::path(CG_FIXTURES_DIR) / "proc" / relative;
}

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read fixture " + p.string());
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Writes `content` into an existing file in place (same inode, like the kernel regenerating a
// /proc file), creating it and its directories if needed.
inline void WriteInPlace(const std::filesystem::path& p, std::string_view content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

// Copies every file below fixture `relative` onto `root`, in place.
inline void Overlay(std::string_view relative, const std::filesystem::path& root) {
  const std::filesystem::path src = ProcFixture(relative);
  for (const auto& e : std::filesystem::recursive_directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    WriteInPlace(root / std::filesystem::relative(e.path(), src), Slurp(e.path()));
  }
}

// A temp /proc root assembled from fixture layers.
class ProcTree {
 public:
  ProcTree() { std::filesystem::create_directories(root()); }
  const std::filesystem::path root() const { return dir_ / "proc"; }
  std::filesystem::path operator/(std::string_view rel) const { return root() / rel; }
  void Overlay(std::string_view relative) const { testing::Overlay(relative, root()); }
  void Write(std::string_view rel, std::string_view content) const {
    WriteInPlace(root() / rel, content);
  }
  void Remove(std::string_view rel) const { std::filesystem::remove_all(root() / rel); }
  // A file outside the /proc root (pidfiles).
  std::filesystem::path WriteOutside(std::string_view name, std::string_view content) const {
    return dir_.Write(name, content);
  }

 private:
  TempDir dir_;
};

// Drops file-system privileges for the current thread while alive (root ignores file modes,
// so permission tests run as "nobody"); a no-op for non-root users.
class UnprivilegedFs {
 public:
  UnprivilegedFs() : was_root_(::geteuid() == 0) {
    if (was_root_) ::setfsuid(65534);
  }
  ~UnprivilegedFs() {
    if (was_root_) ::setfsuid(0);
  }
  UnprivilegedFs(const UnprivilegedFs&) = delete;
  UnprivilegedFs& operator=(const UnprivilegedFs&) = delete;

 private:
  bool was_root_;
};

}  // namespace cg::testing
