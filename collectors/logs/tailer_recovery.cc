// LogTailer recovery: finding files by identity when they are no longer where we left them
// (rotated while closed or while the daemon was down, compressed to .gz), continuing truncated
// files from their copy (copytruncate), and spotting copies that a glob matches.
#include <unistd.h>

#include <algorithm>
#include <tuple>

#include "collectors/logs/dir_scan.h"
#include "collectors/logs/log_tailer.h"
#include "collectors/logs/tracked_file.h"

namespace cg {
namespace {

bool EndsWithGz(std::string_view name) {
  return name.size() > 3 && name.substr(name.size() - 3) == ".gz";
}

// Decompressed first `len` bytes of a gzip file; false if it is not one or is shorter.
bool GzipHead(const std::filesystem::path& p, size_t len, std::string* out) {
  int fd = OpenForReading(p);
  if (fd < 0) return false;
  if (!LooksGzip(fd)) {
    ::close(fd);
    return false;
  }
  auto r = GzipReader::FromFd(fd, p.string());
  if (!r.ok()) return false;
  out->assign(len, '\0');
  size_t got = 0;
  while (got < len) {
    auto n = (*r)->Read(out->data() + got, len - got);
    if (!n.ok() || *n == 0) break;
    got += *n;
  }
  out->resize(got);
  return got == len;
}

// Copies a plain file's bytes [from, end) into the tracked stream, in chunks.
uint64_t FeedPlainTail(TrackedFile& f, const std::filesystem::path& p, uint64_t from,
                       ReadEnv& env) {
  int fd = OpenForReading(p);
  if (fd < 0) return from;
  uint64_t pos = from;
  for (;;) {
    ssize_t n = ::pread(fd, env.buf.data(), env.buf.size(), static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    f.FeedFrom(p.string(), std::string_view(env.buf.data(), static_cast<size_t>(n)), env);
    pos += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return pos;
}

}  // namespace

bool LogTailer::SameHead(const FileIdentity& id, uint32_t fp_len, const std::filesystem::path& p,
                         bool gz, std::string* head_out) {
  if (fp_len == 0) return true;
  std::string head;
  if (gz) {
    if (!GzipHead(p, fp_len, &head)) return false;
  } else {
    int fd = OpenForReading(p);
    if (fd < 0) return false;
    int err = PreadUpTo(fd, 0, fp_len, &head);
    ::close(fd);
    if (err != 0 || head.size() != fp_len) return false;
  }
  if (FingerprintOf(head) != id.fingerprint) return false;
  if (head_out != nullptr) *head_out = std::move(head);
  return true;
}

bool LogTailer::IsRetired(const DirEntry& e) {
  // Inode numbers are reused once a file is deleted (retention): an identity only counts if
  // the first bytes agree too, and an older entry with the same inode must not hide a newer.
  for (auto it = retired_.rbegin(); it != retired_.rend(); ++it) {
    const Retired& r = *it;
    if (r.id.device != e.st.device || r.id.inode != e.st.inode) continue;
    if (SameHead(r.id, r.fp_len, e.path, false) ||
        (EndsWithGz(e.name) && SameHead(r.id, r.fp_len, e.path, true))) {
      return true;
    }
  }
  return false;
}

bool LogTailer::IsTrackedOrRetired(const DirEntry& e) {
  for (const auto& f : files_) {
    if (f->id.device != e.st.device || f->id.inode != e.st.inode) continue;
    // An open descriptor pins the inode; a closed entry may be a deleted file's number reused.
    if (f->is_open() || SameHead(f->id, f->fp_len, e.path, f->gz)) return true;
  }
  return IsRetired(e);
}

void LogTailer::AddRetired(Retired r) {
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(),
                                [&](const Retired& x) {
                                  return x.id.device == r.id.device && x.id.inode == r.id.inode;
                                }),
                 retired_.end());
  retired_.push_back(std::move(r));
  if (retired_.size() > options_.max_retired) {
    retired_.erase(retired_.begin(),
                   retired_.begin() + static_cast<long>(retired_.size() - options_.max_retired));
  }
}

bool LogTailer::Locate(TrackedFile& f) {
  std::vector<std::filesystem::path> dirs = {std::filesystem::path(f.path).parent_path(),
                                             SpecDirectory()};
  if (dirs[0] == dirs[1]) dirs.pop_back();
  std::vector<DirEntry> entries;
  for (const auto& dir : dirs) {
    if (ListRegularFiles(dir.empty() ? "." : dir, &entries) != 0) continue;
    // Same inode (renamed).
    for (const auto& e : entries) {
      if (e.st.device != f.id.device || e.st.inode != f.id.inode) continue;
      std::string head;
      if (!SameHead(f.id, f.fp_len, e.path, false, &head)) continue;
      f.path = e.path.string();
      f.stat = e.st;
      if (!head.empty()) f.head = head;
      if (f.Open() != 0) return false;
      Notice(NoticeLevel::kInfo, "found " + f.path + " by identity; resuming at offset " +
                                     std::to_string(f.position()));
      return true;
    }
    // Compressed after rotation (log4j2 .log.gz patterns, logrotate compress): a new inode
    // whose decompressed first bytes and bytes before our offset are ours.
    if (f.fp_len < 64 && f.position() > f.fp_len) continue;  // Too little to be sure.
    for (const auto& e : entries) {
      if (!EndsWithGz(e.name) || IsTrackedOrRetired(e)) continue;
      if (!SameHead(f.id, f.fp_len, e.path, true)) continue;
      FileIdentity keep = f.id;
      f.path = e.path.string();
      f.gz = true;
      f.id.device = e.st.device;
      f.id.inode = e.st.inode;
      f.stat = e.st;
      std::string expected_guard = f.guard();
      uint64_t pos = f.position();
      f.StartAt(pos);
      if (Status st = f.OpenGzip();
          !st.ok() || (!expected_guard.empty() && f.guard() != expected_guard)) {
        f.Close();
        f.gz = false;
        f.id = keep;
        f.StartAt(pos);
        f.SetGuard(expected_guard);
        continue;
      }
      Notice(NoticeLevel::kInfo, "found " + f.path +
                                     " (compressed) by identity; resuming at "
                                     "offset " +
                                     std::to_string(pos));
      return true;
    }
  }
  return false;
}

bool LogTailer::ContinueFromCopy(TrackedFile& f, ReadEnv& env, uint64_t* copy_size) {
  const uint64_t pos = f.position();
  const std::string guard = f.guard();
  // A copy we already know (a glob matched it before the truncation showed).
  for (auto& c : files_) {
    if (c->copy_of != static_cast<int64_t>(f.seq)) continue;
    FileStat st;
    if (StatPath(c->path, &st) != 0) continue;
    uint64_t end = pos < st.size ? FeedPlainTail(f, c->path, pos, env) : st.size;
    *copy_size = st.size;
    c->copy_of = -1;
    c->finished = true;
    c->live = false;
    c->stat = st;
    c->StartAt(std::max(end, st.size));
    Notice(NoticeLevel::kInfo,
           f.path + ": read the rest of the old content from its copy " + c->path);
    return true;
  }
  // Otherwise look in the directory: same first bytes and the same bytes before our position.
  if (f.fp_len == 0) return false;
  std::vector<DirEntry> entries;
  auto dir = std::filesystem::path(f.path).parent_path();
  if (ListRegularFiles(dir.empty() ? "." : dir, &entries) != 0) return false;
  std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) {
    return a.st.mtime_ns > b.st.mtime_ns;  // The newest copy is the one just made.
  });
  for (const auto& e : entries) {
    if (e.st.device == f.id.device && e.st.inode == f.id.inode) continue;
    bool gz = EndsWithGz(e.name);
    if (!gz && e.st.size < pos) continue;
    if (!SameHead(f.id, f.fp_len, e.path, gz)) continue;
    if (!gz) {
      if (!guard.empty()) {
        int fd = OpenForReading(e.path);
        if (fd < 0) continue;
        std::string got;
        PreadUpTo(fd, pos - guard.size(), guard.size(), &got);
        ::close(fd);
        if (got != guard) continue;
      }
      FeedPlainTail(f, e.path, pos, env);
      *copy_size = e.st.size;
    } else {
      int fd = OpenForReading(e.path);
      if (fd < 0) continue;
      auto r = GzipReader::FromFd(fd, e.path.string());
      if (!r.ok()) continue;
      GzipReader& gzr = **r;
      uint64_t skip = pos - guard.size();
      if (!gzr.Skip(skip).ok()) continue;
      std::string got(guard.size(), '\0');
      size_t have = 0;
      while (have < got.size()) {
        auto n = gzr.Read(got.data() + have, got.size() - have);
        if (!n.ok() || *n == 0) break;
        have += *n;
      }
      if (have != got.size() || got != guard) continue;
      uint64_t total = pos;
      for (;;) {
        auto n = gzr.Read(env.buf.data(), env.buf.size());
        if (!n.ok() || *n == 0) break;
        f.FeedFrom(e.path.string(), std::string_view(env.buf.data(), *n), env);
        total += *n;
      }
      *copy_size = total;
    }
    // Known from now on: a glob that matches the copy must not read it as a new file.
    AddRetired(Retired{FileIdentity{e.st.device, e.st.inode, f.id.fingerprint}, f.fp_len,
                       e.path.string()});
    Notice(NoticeLevel::kInfo,
           f.path + ": read the rest of the old content from its copy " + e.path.string());
    return true;
  }
  return false;
}

TrackedFile* LogTailer::CopyOriginal(const DirEntry& e, size_t established, bool* defer,
                                     std::string* head) {
  *defer = false;
  size_t candidates = 0;
  for (size_t i = 0; i < established && i < files_.size(); ++i) {
    const auto& f = files_[i];
    if (!f->gz && f->copy_of < 0 && !f->head.empty()) ++candidates;
  }
  if (candidates == 0) return nullptr;
  int fd = OpenForReading(e.path);
  if (fd < 0) return nullptr;
  int err = PreadUpTo(fd, 0, kFingerprintBytes, head);
  ::close(fd);
  if (err != 0) return nullptr;
  for (size_t i = 0; i < established && i < files_.size(); ++i) {
    TrackedFile& f = *files_[i];
    if (f.gz || f.copy_of >= 0 || f.head.empty()) continue;
    size_t n = std::min(head->size(), f.head.size());
    if (head->compare(0, n, f.head, 0, n) != 0) continue;
    if (head->size() >= f.head.size() && f.head.size() >= 64) return &f;
    *defer = true;  // A prefix so far: wait and see.
  }
  return nullptr;
}

void LogTailer::RecoverRotatedWhileDown(ReadEnv& env) {
  (void)env;
  // For each file that was live at the checkpoint and is no longer at its path: the files its
  // path held since (rotated siblings we never saw) come after it and before the live file.
  std::vector<TrackedFile*> rotated;
  for (auto& f : files_) {
    if (f->restored && f->checkpoint_live && !(f->matched && f->path == f->checkpoint_path)) {
      rotated.push_back(f.get());
    }
  }
  // Also entries that vanished entirely (forgotten by Scan) left their path behind.
  std::vector<std::tuple<std::string, int64_t>> sources;
  for (auto* f : rotated) sources.emplace_back(f->checkpoint_path, f->checkpoint_mtime_ns);
  for (auto& lost : restored_lost_live_) sources.push_back(lost);
  restored_lost_live_.clear();
  for (const auto& [live_path, since_ns] : sources) DiscoverSiblings(live_path, since_ns);
}

void LogTailer::DiscoverSiblings(const std::string& live_path, int64_t since_ns,
                                 TrackedFile* rotated, const std::string* live_head) {
  std::filesystem::path lp(live_path);
  RotatedNameMatcher is_rotated_name(lp.filename().string());
  std::vector<DirEntry> entries;
  auto dir = lp.parent_path();
  if (ListRegularFiles(dir.empty() ? "." : dir, &entries) != 0) return;
  std::vector<DirEntry> siblings;
  for (auto& e : entries) {
    if (rotated != nullptr && e.st.device == rotated->id.device &&
        e.st.inode == rotated->id.inode) {
      rotated->SetPath(e.path.string());  // Its new name, for records and status.
      continue;
    }
    if (!is_rotated_name.Matches(e.name) || e.st.mtime_ns < since_ns) continue;
    if (MatchesAnyGlob(options_.spec.exclude, e.name)) continue;
    if (IsTrackedOrRetired(e)) continue;
    if (live_head != nullptr && !live_head->empty()) {
      // A copy of what the live file holds now (copytruncate caught between its copy and its
      // truncate, or the copy still being written): not content we missed - it will be the
      // copy the truncation is continued from.
      std::string head;
      int fd = OpenForReading(e.path);
      if (fd >= 0) {
        PreadUpTo(fd, 0, live_head->size(), &head);
        ::close(fd);
      }
      if (!head.empty() && live_head->compare(0, head.size(), head) == 0) continue;
    }
    siblings.push_back(std::move(e));
  }
  std::sort(siblings.begin(), siblings.end(), [](const DirEntry& a, const DirEntry& b) {
    if (a.st.mtime_ns != b.st.mtime_ns) return a.st.mtime_ns < b.st.mtime_ns;
    return NaturalLess(a.name, b.name);
  });
  for (auto& e : siblings) {
    auto f = NewFile(e.path.string());
    f->stat = e.st;
    f->id = FileIdentity{e.st.device, e.st.inode, 0};
    f->gz = EndsWithGz(e.name);
    f->live = false;
    f->rotated = true;
    f->rotation_counted = true;
    f->StartAt(0);
    if (!f->gz) {
      // Open now: it matches no spec path, so nothing else would.
      if (int err = f->Open(); err != 0) {
        Gap("cannot open " + e.path.string() + " (rotated before we saw it): " + ErrnoText(err));
        continue;
      }
    }
    if (live_head == nullptr) ++status_.rotations;  // Copies of a truncated file are not.
    Notice(NoticeLevel::kInfo,
           "reading " + e.path.string() + " from offset 0 (rotated before we saw it)");
    files_.push_back(std::move(f));
  }
}

}  // namespace cg
