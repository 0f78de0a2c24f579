#include "collectors/logs/tracked_file.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace cg {

TrackedFile::TrackedFile(uint64_t s, std::unique_ptr<RecordAssembler> assembler, uint64_t max_line)
    : seq(s), assembler_(std::move(assembler)), splitter_(max_line) {}

TrackedFile::~TrackedFile() { Close(); }

int TrackedFile::Open() {
  Close();
  int fd = OpenForReading(path);
  if (fd < 0) return -fd;
  FileStat st;
  if (int err = StatFd(fd, &st); err != 0) {
    ::close(fd);
    return err;
  }
  if (id.inode != 0 && (st.device != id.device || st.inode != id.inode)) {
    // The path was re-pointed between the scan and the open.
    ::close(fd);
    return ESTALE;
  }
  fd_ = fd;
  stat = st;
  id.device = st.device;
  id.inode = st.inode;
  assembler_->SetSource(path, id);
  return 0;
}

Status TrackedFile::OpenGzip() {
  Close();
  int fd = OpenForReading(path);
  if (fd < 0) return Status::Error(path + ": cannot open: " + ErrnoText(-fd));
  if (int err = StatFd(fd, &stat); err != 0) {
    ::close(fd);
    return Status::Error(path + ": cannot stat: " + ErrnoText(err));
  }
  auto r = GzipReader::FromFd(fd, path);
  if (!r.ok()) return r.error();
  gz_reader_ = std::move(r).value();
  assembler_->SetSource(path, id);
  // Decompress up to the position (and remember the guard bytes on the way).
  uint64_t want = position();
  uint64_t skip_plain = want > kGuardBytes ? want - kGuardBytes : 0;
  if (Status st = gz_reader_->Skip(skip_plain); !st.ok()) return st;
  std::string tail(static_cast<size_t>(want - skip_plain), '\0');
  size_t got = 0;
  while (got < tail.size()) {
    auto n = gz_reader_->Read(tail.data() + got, tail.size() - got);
    if (!n.ok()) return n.error();
    if (*n == 0) return Status::Error(path + ": gzip stream shorter than the saved offset");
    got += *n;
  }
  guard_ = tail;
  return Status::Ok();
}

void TrackedFile::SetPath(std::string p) {
  path = std::move(p);
  assembler_->SetSource(path, id);
}

void TrackedFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  gz_reader_.reset();
  splitter_.ShrinkToFit();
}

void TrackedFile::StartAt(uint64_t pos) {
  splitter_.Reset(pos);
  assembler_->Discard();
  guard_.clear();
}

uint64_t TrackedFile::committed() const {
  return assembler_->has_pending() ? assembler_->pending_offset() : splitter_.line_start();
}

int TrackedFile::Refresh() {
  if (fd_ < 0) return EBADF;
  return StatFd(fd_, &stat);
}

int TrackedFile::ReadHead(size_t len, std::string* out) {
  if (fd_ < 0) return EBADF;
  return PreadUpTo(fd_, 0, len, out);
}

bool TrackedFile::ContentReplaced() {
  if (fd_ < 0 || gz) return false;
  uint64_t pos = position();
  if (stat.size < pos) return true;
  if (fp_len > 0) {
    if (ReadHead(fp_len, &scratch_) != 0 || scratch_.size() != fp_len ||
        FingerprintOf(scratch_) != id.fingerprint) {
      return true;
    }
  }
  // The first bytes can survive a rewrite (a constant header); the bytes just before the
  // position rarely do.
  if (!guard_.empty() && pos >= guard_.size()) {
    if (PreadUpTo(fd_, pos - guard_.size(), guard_.size(), &scratch_) != 0 || scratch_ != guard_) {
      return true;
    }
  }
  return false;
}

void TrackedFile::Feed(std::string_view data, ReadEnv& env) {
  // The fingerprint comes from the very bytes consumed from offset 0, not from a later pread:
  // a file truncated while its first pass is still running keeps the identity of what we read
  // (so its copy can be recognised).
  if (position() == head.size() && head.size() < kFingerprintBytes && !data.empty()) {
    head.append(data.substr(0, kFingerprintBytes - head.size()));
    fp_len = static_cast<uint32_t>(head.size());
    id.fingerprint = FingerprintOf(head);
    assembler_->SetFileIdentity(id);
  }
  uint64_t long_before = splitter_.long_lines();
  splitter_.Feed(
      data, [&](const Line& line) { assembler_->AddLine(line, env.wall, env.mono, env.sink); });
  env.long_lines += splitter_.long_lines() - long_before;
  env.bytes_read += data.size();
  if (data.size() >= kGuardBytes) {
    guard_.assign(data.substr(data.size() - kGuardBytes));
  } else {
    guard_.append(data);
    if (guard_.size() > kGuardBytes) guard_.erase(0, guard_.size() - kGuardBytes);
  }
  last_growth = env.mono;
}

int TrackedFile::ReadAvailable(ReadEnv& env) {
  if (gz_reader_) {
    for (;;) {
      if (env.budget == 0) return 0;
      size_t want = static_cast<size_t>(std::min<uint64_t>(env.buf.size(), env.budget));
      auto n = gz_reader_->Read(env.buf.data(), want);
      if (!n.ok()) return EIO;
      if (*n == 0) return 0;
      env.budget -= *n;
      Feed(std::string_view(env.buf.data(), *n), env);
    }
  }
  if (fd_ < 0) return EBADF;
  for (;;) {
    if (env.budget == 0) return 0;
    size_t want = static_cast<size_t>(std::min<uint64_t>(env.buf.size(), env.budget));
    ssize_t n = ::pread(fd_, env.buf.data(), want, static_cast<off_t>(position()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    env.budget -= static_cast<uint64_t>(n);
    Feed(std::string_view(env.buf.data(), static_cast<size_t>(n)), env);
  }
}

void TrackedFile::FeedFrom(std::string_view source, std::string_view data, ReadEnv& env) {
  assembler_->SetSource(source, id);
  Feed(data, env);
  assembler_->SetSource(path, id);
}

void TrackedFile::FinishStream(ReadEnv& env) {
  splitter_.FlushPartial(
      [&](const Line& line) { assembler_->AddLine(line, env.wall, env.mono, env.sink); });
  assembler_->Flush(env.sink);
}

bool TrackedFile::FlushIfIdle(MonoTime now, std::chrono::milliseconds timeout,
                              const RecordSink& sink) {
  return assembler_->FlushIfIdle(now, timeout, sink, splitter_.has_partial());
}

bool TrackedFile::ExtendFingerprint() {
  if (fd_ < 0 || fp_len >= kFingerprintBytes || stat.size <= fp_len) return true;
  size_t want = static_cast<size_t>(std::min<uint64_t>(stat.size, kFingerprintBytes));
  if (ReadHead(want, &scratch_) != 0 || scratch_.size() < fp_len) return true;  // Retry later.
  if (fp_len > 0 && FingerprintOf(std::string_view(scratch_).substr(0, fp_len)) != id.fingerprint) {
    return false;
  }
  head = scratch_;
  fp_len = static_cast<uint32_t>(head.size());
  id.fingerprint = FingerprintOf(head);
  assembler_->SetFileIdentity(id);
  return true;
}

std::string TrackedFile::GuardAt(uint64_t offset) {
  if (offset == position()) return guard_;
  if (fd_ < 0 || offset == 0) return {};
  size_t len = static_cast<size_t>(std::min<uint64_t>(offset, kGuardBytes));
  std::string out;
  if (PreadUpTo(fd_, offset - len, len, &out) != 0 || out.size() != len) return {};
  return out;
}

}  // namespace cg
