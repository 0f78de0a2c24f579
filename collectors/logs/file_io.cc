#include "collectors/logs/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace cg {
namespace {

void FromStat(const struct stat& st, FileStat* out) {
  out->device = static_cast<uint64_t>(st.st_dev);
  out->inode = static_cast<uint64_t>(st.st_ino);
  out->size = st.st_size > 0 ? static_cast<uint64_t>(st.st_size) : 0;
  out->mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  out->nlink = static_cast<uint64_t>(st.st_nlink);
  out->regular = S_ISREG(st.st_mode);
}

gzFile AsGz(void* p) { return static_cast<gzFile>(p); }

}  // namespace

std::string ReadFileHead(const std::filesystem::path& path, size_t max) {
  int fd = OpenForReading(path);
  if (fd < 0) return "";
  std::string out;
  if (LooksGzip(fd)) {
    auto gz = GzipReader::FromFd(fd, path.string());  // Owns fd from here.
    if (!gz.ok()) return "";
    out.resize(max);
    size_t got = 0;
    while (got < max) {
      auto n = (*gz)->Read(out.data() + got, max - got);
      if (!n.ok() || *n == 0) break;
      got += *n;
    }
    out.resize(got);
    return out;
  }
  if (PreadUpTo(fd, 0, max, &out) != 0) out.clear();
  ::close(fd);
  return out;
}

std::string ErrnoText(int err) { return std::strerror(err); }

uint64_t FingerprintOf(std::string_view head) {
  if (head.empty()) return 0;
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : head) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h == 0 ? 1 : h;
}

int StatPath(const std::filesystem::path& path, FileStat* out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno;
  FromStat(st, out);
  return 0;
}

int StatFd(int fd, FileStat* out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno;
  FromStat(st, out);
  return 0;
}

int PreadUpTo(int fd, uint64_t offset, size_t len, std::string* out) {
  out->resize(len);
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, out->data() + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      out->resize(done);
      return err;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  return 0;
}

int OpenForReading(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  return fd < 0 ? -errno : fd;
}

bool LooksGzip(int fd) {
  unsigned char magic[2] = {0, 0};
  ssize_t n = ::pread(fd, magic, 2, 0);
  return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

Result<std::unique_ptr<GzipReader>> GzipReader::FromFd(int fd, std::string name) {
  gzFile gz = ::gzdopen(fd, "rb");
  if (gz == nullptr) {
    ::close(fd);
    return Status::Error(name + ": cannot open gzip stream");
  }
  ::gzbuffer(gz, 128 * 1024);
  return std::unique_ptr<GzipReader>(new GzipReader(gz, std::move(name)));
}

GzipReader::~GzipReader() { ::gzclose(AsGz(gz_)); }

Result<size_t> GzipReader::Read(char* buf, size_t n) {
  unsigned want = n > UINT_MAX / 2 ? UINT_MAX / 2 : static_cast<unsigned>(n);
  int got = ::gzread(AsGz(gz_), buf, want);
  int errnum = Z_OK;
  const char* msg = ::gzerror(AsGz(gz_), &errnum);
  if (got < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
    // zlib reports a cut stream as Z_BUF_ERROR "unexpected end of file" after handing out
    // what it could decompress.
    if (got > 0) return static_cast<size_t>(got);
    return Status::Error(name_ + ": gzip: " + (msg ? msg : "read error"));
  }
  return static_cast<size_t>(got);
}

Status GzipReader::Skip(uint64_t n) {
  char buf[65536];
  while (n > 0) {
    auto got = Read(buf, n < sizeof buf ? static_cast<size_t>(n) : sizeof buf);
    if (!got.ok()) return got.error();
    if (*got == 0) return Status::Error(name_ + ": gzip stream shorter than the saved offset");
    n -= *got;
  }
  return Status::Ok();
}

}  // namespace cg
