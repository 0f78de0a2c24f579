#include "collectors/logs/read_records.h"

#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "collectors/logs/file_io.h"
#include "collectors/logs/line_splitter.h"
#include "collectors/logs/record_assembler.h"

namespace cg {

Status ReadRecordsFromFile(const std::filesystem::path& path, const LogSpec& spec,
                           const RecordSink& sink, FileReadStats* stats) {
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

  std::vector<char> buf(256 * 1024);
  std::string head;  // First bytes, for the fingerprint.
  Status result;
  for (;;) {
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
    std::string_view data(buf.data(), n);
    if (head.size() < kFingerprintBytes) {
      head.append(data.substr(0, kFingerprintBytes - head.size()));
      id.fingerprint = FingerprintOf(head);
      asm_.SetFileIdentity(id);
    }
    s.bytes += n;
    splitter.Feed(data, on_line);
  }
  if (fd >= 0) ::close(fd);
  splitter.FlushPartial(on_line);
  asm_.Flush(sink);
  s.records = asm_.records();
  s.long_lines = splitter.long_lines();
  return result;
}

}  // namespace cg
