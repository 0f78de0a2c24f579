#include "base/fs.h"

#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace cg {
namespace {

Status ErrnoStatus(const std::string& what, const std::filesystem::path& path, int err) {
  return Status::Error(path.string() + ": " + what + ": " + std::strerror(err));
}

}  // namespace

Result<std::string> ReadFile(const std::filesystem::path& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  std::string out;
  char buf[65536];
  for (;;) {
    if (out.size() > max_bytes) {
      ::close(fd);
      return Status::Error(path.string() + ": larger than " + std::to_string(max_bytes) +
                           " bytes (refused)");
    }
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(sizeof buf, max_bytes + 1 - out.size()));
    ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return ErrnoStatus("cannot create", tmp, errno);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return ErrnoStatus("cannot write", tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("cannot sync", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("cannot rename into place", path, err);
  }
  // The rename is durable only once the directory entry is synced.
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

bool HasGlobMeta(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

Result<std::vector<std::filesystem::path>> ExpandGlob(const std::string& pattern) {
  glob_t g{};
  // No GLOB_ERR: a missing or unreadable directory is "no match", which the caller reports
  // in its own terms (a drop-in directory may legitimately not exist yet).
  int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
  std::vector<std::filesystem::path> out;
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  if (rc == GLOB_ABORTED) return Status::Error(pattern + ": cannot read directory");
  if (rc == GLOB_NOSPACE) return Status::Error(pattern + ": out of memory expanding glob");
  std::sort(out.begin(), out.end());
  return out;
}

std::filesystem::path ResolveAgainst(const std::filesystem::path& base_dir,
                                     const std::filesystem::path& p) {
  if (p.empty() || p.is_absolute() || base_dir.empty()) return p;
  return base_dir / p;
}

}  // namespace cg
