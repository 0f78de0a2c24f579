// Thin POSIX helpers for the tailer: stat/fstat into a small value, pread, file identity
// fingerprints, and a gzip reader for rotated `.gz` siblings and `replay`.
//
// All functions are thread-safe (they touch only their arguments and the filesystem) and never
// throw. Errors carry errno so callers can tell "missing" from "forbidden".
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "collectors/record.h"

namespace cg {

// Bytes at the start of a file hashed into FileIdentity::fingerprint. A file shorter than this
// has a fingerprint over what it has (and its length is remembered alongside).
inline constexpr size_t kFingerprintBytes = 256;

// FNV-1a 64 over `head`; never 0 for a non-empty input (0 means "no fingerprint yet").
uint64_t FingerprintOf(std::string_view head);

struct FileStat {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t nlink = 0;
  bool regular = false;
};

// 0 on success, else the errno (ENOENT for a missing file).
int StatPath(const std::filesystem::path& path, FileStat* out);
int StatFd(int fd, FileStat* out);

// Reads up to `len` bytes at `offset` (fewer at end of file) into *out. Returns errno or 0.
int PreadUpTo(int fd, uint64_t offset, size_t len, std::string* out);

// Opens read-only, close-on-exec, non-blocking (a FIFO named like a log never blocks the loop).
// Returns the fd or -errno.
int OpenForReading(const std::filesystem::path& path);

// True if the first two bytes are the gzip magic (1f 8b).
bool LooksGzip(int fd);

// Sequential reader of a gzip file's decompressed bytes. Owns its file descriptor.
// Not thread-safe.
class GzipReader {
 public:
  // Takes ownership of `fd` (closed on failure too).
  static Result<std::unique_ptr<GzipReader>> FromFd(int fd, std::string name);
  ~GzipReader();
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  // Decompressed bytes into buf; 0 at the end. A corrupt or cut stream is an error (the bytes
  // before the damage have already been returned).
  Result<size_t> Read(char* buf, size_t n);
  // Skips `n` decompressed bytes (it has to decompress them). Error if the stream is shorter.
  Status Skip(uint64_t n);

 private:
  GzipReader(void* gz, std::string name) : gz_(gz), name_(std::move(name)) {}
  void* gz_;  // gzFile
  std::string name_;
};

// The first `max` bytes of a file, decompressed if it is gzip ("" if it cannot be read).
std::string ReadFileHead(const std::filesystem::path& path, size_t max);

std::string ErrnoText(int err);

}  // namespace cg
