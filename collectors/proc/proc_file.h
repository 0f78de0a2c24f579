// Reading files under a /proc root: the only place in cg_proc that makes file system calls.
//
// The root is injectable (a real procfs mount or a fixture tree) and is opened once; every file
// is opened relative to it. ProcFile keeps its descriptor open and re-reads with pread(2), which
// saves the open/close pair (about half the cost of a small /proc read) and, for per-process
// files, pins the process: once it exits, a kept /proc/PID/... descriptor fails with ESRCH even
// if the pid is reused, so a new process can never be mistaken for the old one.
//
// Ordinary file systems (fixture trees) have no ESRCH; there an unlinked file (st_nlink == 0) is
// reopened by path, which is how a test replaces a file or "kills" a process by deleting it.
//
// Errors are errno values (0 = success) so callers can tell a vanished process (ENOENT, ESRCH)
// from a permission problem (EACCES, EPERM) or a kernel without the file (ENOENT, EOPNOTSUPP).
// Not thread-safe: each object belongs to one thread (the daemon's event loop).
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cg::proc {

// True for errno values that mean "this process (or file) is not there (any more)".
inline bool IsGoneError(int err) { return err == ENOENT || err == ESRCH; }

// "<root>/<relative>: <strerror(err)>".
std::string DescribeIoError(const std::filesystem::path& root, std::string_view relative, int err);

// An open directory that stands for "/proc". Owns its descriptor.
class ProcRoot {
 public:
  // Opens `path` (must be a directory). `is_procfs()` tells a real procfs mount apart from a
  // fixture tree (statfs magic), which changes how vanished files are detected.
  static Result<std::unique_ptr<ProcRoot>> Open(const std::filesystem::path& path);
  ~ProcRoot();
  ProcRoot(const ProcRoot&) = delete;
  ProcRoot& operator=(const ProcRoot&) = delete;

  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  bool is_procfs() const { return is_procfs_; }

  // The numeric entries of the root (processes), in directory order. Errors are errno values.
  int ListPids(std::vector<pid_t>* pids) const;

 private:
  ProcRoot(int fd, std::filesystem::path path, bool is_procfs)
      : fd_(fd), path_(std::move(path)), is_procfs_(is_procfs) {}
  int fd_;
  std::filesystem::path path_;
  bool is_procfs_;
};

// One file below the root, kept open between reads. The root is not owned and must outlive it.
class ProcFile {
 public:
  ProcFile(const ProcRoot* root, std::string relative)
      : root_(root), relative_(std::move(relative)) {}
  ~ProcFile();
  ProcFile(const ProcFile&) = delete;
  ProcFile& operator=(const ProcFile&) = delete;

  // Reads the whole file from offset 0 into an internal buffer (grown as needed, up to 16 MiB)
  // and points `*content` at it; valid until the next Read, Close or destruction. Opens the file
  // on first use and after an error. Returns 0 or an errno value.
  int Read(std::string_view* content);
  void Close();
  bool is_open() const { return fd_ >= 0; }
  const std::string& relative() const { return relative_; }
  std::string path() const { return (root_->path() / relative_).string(); }
  std::string Describe(int err) const { return DescribeIoError(root_->path(), relative_, err); }

 private:
  const ProcRoot* root_;
  std::string relative_;
  int fd_ = -1;
  std::vector<char> buf_;
  size_t size_ = 0;
};

// A /proc/PID/fd directory, kept open; counts the entries (open descriptors).
class FdDirectory {
 public:
  FdDirectory(const ProcRoot* root, std::string relative)
      : root_(root), relative_(std::move(relative)) {}
  ~FdDirectory();
  FdDirectory(const FdDirectory&) = delete;
  FdDirectory& operator=(const FdDirectory&) = delete;

  // Counts the entries other than "." and "..". On procfs, Linux >= 6.2 reports the count as
  // the directory's st_size, which costs one fstat instead of listing every descriptor; older
  // kernels (st_size 0) and fixture trees fall back to getdents64, which costs the kernel about
  // 0.17 us per descriptor. `*listed` (optional) tells which way was taken. Returns 0 or an
  // errno value.
  int Count(uint64_t* count, bool* listed = nullptr);
  void Close();
  std::string Describe(int err) const { return DescribeIoError(root_->path(), relative_, err); }

 private:
  const ProcRoot* root_;
  std::string relative_;
  int fd_ = -1;
};

// Reads a file below the root once (open, read, close) into `*out`, up to 16 MiB. For files read
// only during discovery (cmdline, pidfile-less probes). Returns 0 or an errno value.
int ReadFileAt(int dir_fd, const char* relative, std::string* out);

}  // namespace cg::proc
