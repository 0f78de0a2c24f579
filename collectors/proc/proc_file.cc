#include "collectors/proc/proc_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "collectors/proc/text.h"

namespace cg::proc {
namespace {

constexpr size_t kInitialBuffer = 4096;
constexpr size_t kMaxFileBytes = 16 * 1024 * 1024;

// Reads the whole file at `fd` from offset 0. A read shorter than the buffer ends it: /proc
// files are seq_file-backed and produce their whole text for a large enough read, and regular
// files return everything up to EOF. A full buffer means "maybe more": grow and re-read from 0
// (rather than continuing at an offset) so the content is one consistent snapshot.
int PreadWhole(int fd, std::vector<char>* buf, size_t* size) {
  if (buf->size() < kInitialBuffer) buf->resize(kInitialBuffer);
  for (;;) {
    ssize_t n = ::pread(fd, buf->data(), buf->size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (static_cast<size_t>(n) < buf->size()) {
      *size = static_cast<size_t>(n);
      return 0;
    }
    if (buf->size() >= kMaxFileBytes) return EFBIG;
    buf->resize(buf->size() * 2);
  }
}

// On an ordinary file system, a file that was unlinked while we held it open.
bool IsUnlinked(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 && st.st_nlink == 0;
}

}  // namespace

std::string DescribeIoError(const std::filesystem::path& root, std::string_view relative, int err) {
  std::string out = (root / relative).string();
  out += ": ";
  out += std::strerror(err);
  return out;
}

Result<std::unique_ptr<ProcRoot>> ProcRoot::Open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Error("proc_root " + path.string() + ": " + std::strerror(errno));
  }
  struct statfs sfs;
  bool is_procfs = ::fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
  return std::unique_ptr<ProcRoot>(new ProcRoot(fd, path, is_procfs));
}

ProcRoot::~ProcRoot() { ::close(fd_); }

int ProcRoot::ListPids(std::vector<pid_t>* pids) const {
  pids->clear();
  // A fresh descriptor per listing: readdir state lives in the open file description.
  int dfd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno;
  DIR* dir = ::fdopendir(dfd);
  if (dir == nullptr) {
    int err = errno;
    ::close(dfd);
    return err;
  }
  errno = 0;
  while (const dirent* e = ::readdir(dir)) {
    uint64_t pid = 0;
    if (ParseU64(e->d_name, &pid) && pid > 0 && pid <= INT32_MAX) {
      pids->push_back(static_cast<pid_t>(pid));
    }
  }
  int err = errno;
  ::closedir(dir);
  return err;
}

ProcFile::~ProcFile() { Close(); }

void ProcFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int ProcFile::Read(std::string_view* content) {
  if (fd_ >= 0 && !root_->is_procfs() && IsUnlinked(fd_)) Close();
  if (fd_ < 0) {
    fd_ = ::openat(root_->fd(), relative_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return errno;
  }
  int err = PreadWhole(fd_, &buf_, &size_);
  if (err != 0) {
    // ESRCH: the process behind a kept descriptor is gone for good; other errors may be
    // transient. Either way the next Read starts from a fresh open.
    Close();
    return err;
  }
  *content = std::string_view(buf_.data(), size_);
  return 0;
}

FdDirectory::~FdDirectory() { Close(); }

void FdDirectory::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int FdDirectory::Count(uint64_t* count, bool* listed) {
  if (listed != nullptr) *listed = false;
  if (fd_ >= 0 && !root_->is_procfs() && IsUnlinked(fd_)) Close();
  if (fd_ < 0) {
    fd_ = ::openat(root_->fd(), relative_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) return errno;
  }
  if (root_->is_procfs()) {
    struct stat st;
    if (::fstat(fd_, &st) != 0) {
      int err = errno;
      Close();
      return err;
    }
    if (st.st_size > 0) {
      *count = static_cast<uint64_t>(st.st_size);
      return 0;
    }
  }
  if (::lseek(fd_, 0, SEEK_SET) < 0) {
    int err = errno;
    Close();
    return err;
  }
  alignas(8) char buf[16384];
  uint64_t n = 0;
  for (;;) {
    ssize_t got = ::getdents64(fd_, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      Close();
      return err;
    }
    if (got == 0) break;
    for (ssize_t off = 0; off < got;) {
      dirent64 entry;  // Copied out: the kernel packs records at 8-byte, not struct, alignment.
      std::memcpy(&entry, buf + off, offsetof(dirent64, d_name));
      const char* name = buf + off + offsetof(dirent64, d_name);
      if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0) ++n;
      off += entry.d_reclen;
    }
  }
  *count = n;
  if (listed != nullptr) *listed = true;
  return 0;
}

int ReadFileAt(int dir_fd, const char* relative, std::string* out) {
  int fd = ::openat(dir_fd, relative, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  // Unlike seq_file, /proc/PID/cmdline may return less than asked before EOF on some kernels,
  // so read until 0 here.
  out->clear();
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return err;
    }
    if (n == 0) break;
    if (out->size() + static_cast<size_t>(n) > kMaxFileBytes) {
      ::close(fd);
      return EFBIG;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return 0;
}

}  // namespace cg::proc
