#include "collectors/logs/read_records.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <vector>

#include "collectors/logs/file_io.h"
#include "collectors/logs/line_splitter.h"
#include "collectors/logs/record_assembler.h"

namespace cg {
namespace {

// Plain files are mapped, a window at a time, rather than read(): the kernel's copy into a
// buffer was a tenth of replay's time, and the lines are handed on as views into the mapping.
// 64 MiB windows keep the address space small for multi-gigabyte dumps.
constexpr uint64_t kMapWindow = uint64_t{64} << 20;

// Feeds [offset, offset + len) of `fd` to `feed` through a read-only mapping. False if the
// mapping failed (the caller reads the rest with read()).
template <typename F>
bool FeedMapped(int fd, uint64_t offset, uint64_t len, F&& feed) {
  void* p =
      ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, static_cast<off_t>(offset));
  if (p == MAP_FAILED) return false;
  feed(std::string_view(static_cast<const char*>(p), len));
  ::munmap(p, len);
  return true;
}

// Records without a time of their own (a nohup.out's preamble, lines outside the layout) are
// dated by their neighbours rather than by the file's mtime, which lies after every record of
// a finished log: the ones before the first dated record take its time (up to
// kMaxHeldUndated of them are held back for it), later ones the time of the record before.
constexpr size_t kMaxHeldUndated = 256;

class NeighbourDating {
 public:
  explicit NeighbourDating(const RecordSink& sink) : sink_(sink) {}

  void operator()(const Record& r) {
    if (r.time_from_log) {
      last_ = r.time;
      ReleaseHeld(r.time);
      if (sink_) sink_(r);
      return;
    }
    if (last_) {
      Record copy = r;
      copy.time = *last_;
      if (sink_) sink_(copy);
      return;
    }
    held_.push_back(r);
    if (held_.size() >= kMaxHeldUndated) ReleaseHeld(std::nullopt);
  }

  // End of the file: what is still held keeps the time it was read with.
  void Finish() { ReleaseHeld(std::nullopt); }

 private:
  void ReleaseHeld(std::optional<WallTime> t) {
    for (auto& h : held_) {
      if (t) h.time = *t;
      if (sink_) sink_(h);
    }
    held_.clear();
  }

  const RecordSink& sink_;
  std::optional<WallTime> last_;
  std::vector<Record> held_;
};

}  // namespace

Status ReadRecordsFromFile(const std::filesystem::path& path, const LogSpec& spec,
                           const RecordSink& final_sink, FileReadStats* stats) {
  NeighbourDating dating(final_sink);
  const RecordSink sink = [&dating](const Record& r) { dating(r); };
  FileReadStats local;
  FileReadStats& s = stats ? *stats : local;
  s = FileReadStats{};
  auto assembler = RecordAssembler::Create(spec);
  if (!assembler.ok()) return assembler.error();
  RecordAssembler& asm_ = **assembler;

  int fd = OpenForReading(path);
  if (fd < 0) return Status::Error(path.string() + ": cannot open: " + ErrnoText(-fd));
  FileStat st;
  if (int err = StatFd(fd, &st); err != 0) {
    ::close(fd);
    return Status::Error(path.string() + ": cannot stat: " + ErrnoText(err));
  }
  if (!st.regular) {
    ::close(fd);
    return Status::Error(path.string() + ": not a regular file");
  }
  // No log timestamp -> the best "when" for a file read after the fact is its mtime.
  const WallTime file_time{
      std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(st.mtime_ns))};

  std::unique_ptr<GzipReader> gz;
  if (LooksGzip(fd)) {
    auto r = GzipReader::FromFd(fd, path.string());
    if (!r.ok()) return r.error();
    gz = std::move(r).value();
    fd = -1;
  }

  FileIdentity id{st.device, st.inode, 0};
  asm_.SetSource(path.string(), id);
  LineSplitter splitter(spec.max_line);
  const MonoTime mono{};
  auto on_line = [&](const Line& line) {
    ++s.lines;
    asm_.AddLine(line, file_time, mono, sink);
  };

  std::string head;  // First bytes, for the fingerprint.
  auto feed = [&](std::string_view data) {
    if (head.size() < kFingerprintBytes) {
      head.append(data.substr(0, kFingerprintBytes - head.size()));
      id.fingerprint = FingerprintOf(head);
      asm_.SetFileIdentity(id);
    }
    s.bytes += data.size();
    splitter.Feed(data, on_line);
  };
  // The size at open is what is read (a log still being written is read up to that point).
  // Should the file shrink meanwhile, touching the lost pages raises SIGBUS: `replay` turns
  // that into an error exit (InstallShrinkGuard), as a half-read file cannot be trusted.
  Status result;
  uint64_t mapped = 0;
  if (!gz) {
    while (mapped < st.size) {
      const uint64_t len = std::min(kMapWindow, st.size - mapped);
      if (!FeedMapped(fd, mapped, len, feed)) break;
      mapped += len;
    }
    if (mapped > 0 && ::lseek(fd, static_cast<off_t>(mapped), SEEK_SET) < 0) {
      result = Status::Error(path.string() + ": cannot seek: " + ErrnoText(errno));
    }
  }

  std::vector<char> buf(256 * 1024);
  while (result.ok()) {
    size_t n = 0;
    if (gz) {
      auto got = gz->Read(buf.data(), buf.size());
      if (!got.ok()) {
        result = got.error();
        break;
      }
      n = *got;
    } else {
      ssize_t got = ::read(fd, buf.data(), buf.size());
      if (got < 0) {
        if (errno == EINTR) continue;
        result = Status::Error(path.string() + ": cannot read: " + ErrnoText(errno));
        break;
      }
      n = static_cast<size_t>(got);
    }
    if (n == 0) break;
    feed(std::string_view(buf.data(), n));
  }
  if (fd >= 0) ::close(fd);
  splitter.FlushPartial(on_line);
  asm_.Flush(sink);
  dating.Finish();
  s.records = asm_.records();
  s.recognised_lines = asm_.recognised_lines();
  s.long_lines = splitter.long_lines();
  return result;
}

}  // namespace cg
