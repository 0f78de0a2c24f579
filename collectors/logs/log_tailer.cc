// LogTailer core: scan, adopt, read, maintain. Recovery (locating files by identity, copies,
// rotated-while-down siblings) is in tailer_recovery.cc; checkpoints in tailer_checkpoint.cc.
#include "collectors/logs/log_tailer.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <tuple>

#include "base/fs.h"
#include "base/state_file.h"
#include "collectors/logs/checkpoint.h"
#include "collectors/logs/dir_scan.h"
#include "collectors/logs/record_format.h"
#include "collectors/logs/tail_metrics.h"
#include "collectors/logs/tracked_file.h"

namespace cg {

LogTailer::LogTailer(LogTailerOptions options) : options_(std::move(options)), buf_(64 * 1024) {
  status_.name = options_.spec.name;
}

LogTailer::~LogTailer() = default;

Result<std::unique_ptr<LogTailer>> LogTailer::Create(LogTailerOptions options) {
  if (options.clock == nullptr) options.clock = &RealClock::Instance();
  std::unique_ptr<LogTailer> t(new LogTailer(std::move(options)));
  if (Status st = t->Init(); !st.ok()) return st;
  return t;
}

Status LogTailer::Init() {
  const LogSpec& spec = options_.spec;
  if (spec.name.empty()) return Status::Error("log: name is empty");
  if (spec.path.empty()) return Status::Error(spec.name + ": path is empty");
  auto format = RecordFormat::Create(spec.format, spec.entry_start);
  if (!format.ok()) return format.error().WithPrefix(spec.name);
  format_ = *format;
  assembler_options_ = RecordAssembler::OptionsFor(spec);
  std::filesystem::path p(spec.path);
  live_name_ = p.filename().string();
  glob_ = HasGlobMeta(live_name_) || HasGlobMeta(p.parent_path().string());
  rotated_names_ = std::make_unique<RotatedNameMatcher>(glob_ ? std::string() : live_name_);
  metrics_ = std::make_unique<TailMetrics>(options_.registry, spec.name);
  if (!options_.state_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.state_dir / "logs", ec);
    if (ec) {
      return Status::Error(spec.name + ": cannot create state directory " +
                           (options_.state_dir / "logs").string() + ": " + ec.message());
    }
    auto cp = CheckpointPath(options_.state_dir, spec.name);
    CheckpointState state;
    StateLoad load;
    if (options_.checkpoint) {
      state = *options_.checkpoint;
      load.source = StateSource::kCurrent;
    } else {
      load = LoadStateFile(cp, kMaxStateFileBytes, [&state](std::string_view text) {
        auto parsed = ParseCheckpoint(text);
        if (!parsed.ok()) return parsed.error();
        state = std::move(parsed).value();
        return Status::Ok();
      });
    }
    restored_from_ = load.source;
    restore_problem_ = load.problem;
    switch (load.source) {
      case StateSource::kNone:
        break;
      case StateSource::kCurrent:
        Restore(state);
        break;
      case StateSource::kPrevious:
        // One checkpoint interval older than the damaged one: what was handed on between the
        // two is read again (duplicates are the safe direction; nothing is skipped).
        Notice(NoticeLevel::kWarning,
               spec.name + ": checkpoint " + cp.string() + " unusable (" + load.problem +
                   "); resuming from the previous generation: lines handed on in the last "
                   "checkpoint interval before the stop are read again");
        Restore(state);
        break;
      case StateSource::kDamaged:
        // Starting as if fresh applies start_at and can skip what was written while we were
        // down: say what was lost, count it as a gap, keep the evidence (.corrupt).
        Gap("checkpoint " + cp.string() + " and its previous generation are unusable (" +
            load.problem + "); starting without them (start_at: " +
            std::string(StartAtName(spec.start_at)) + "): " +
            (spec.start_at == StartAt::kEnd ? "lines written while the daemon was down are skipped"
                                            : "the files are read again from the beginning"));
        break;
    }
  }
  UpdateStatus();
  metrics_->Sync(status_);
  return Status::Ok();
}

std::unique_ptr<TrackedFile> LogTailer::NewFile(const std::string& path) {
  auto f = std::make_unique<TrackedFile>(
      next_seq_++, std::make_unique<RecordAssembler>(format_, assembler_options_),
      options_.spec.max_line);
  f->path = path;
  f->last_growth = options_.clock->MonoNow();
  return f;
}

// ---------------------------------------------------------------------------------------------
// Poll

void LogTailer::Poll(const RecordSink& sink) {
  RecordSink counting = [&](const Record& r) { Count(r, sink); };
  ReadEnv env{counting, options_.clock->Now(), options_.clock->MonoNow(), buf_,
              options_.max_bytes_per_poll};
  Scan(env);
  ReadAll(env);
  Maintain(env);
  status_.bytes += env.bytes_read;
  status_.long_lines += env.long_lines;
  first_poll_ = false;
  UpdateStatus();
  metrics_->Sync(status_);
}

void LogTailer::Count(const Record& r, const RecordSink& sink) {
  status_.lines += r.lines;
  if (r.late) {
    // Lines of a record handed on already (early): not a record of their own, and in the
    // layout when that record is.
    status_.late_lines += r.lines;
    if (r.recognised) status_.recognised_lines += r.lines;
    if (sink) sink(r);
    return;
  }
  ++status_.records;
  status_.last_record_time = r.time;
  if (r.recognised) {
    ++status_.recognised_records;
    status_.recognised_lines += r.lines;
  }
  if (sink) sink(r);
}

void LogTailer::PollOpenFiles(const RecordSink& sink) {
  RecordSink counting = [&](const Record& r) { Count(r, sink); };
  ReadEnv env{counting, options_.clock->Now(), options_.clock->MonoNow(), buf_,
              options_.max_bytes_per_poll};
  ReadAll(env);
  status_.bytes += env.bytes_read;
  status_.long_lines += env.long_lines;
  UpdateStatus();
  metrics_->Sync(status_);
}

std::vector<DirEntry> LogTailer::MatchSpec() {
  if (glob_ && !first_poll_ && ListingStillValid()) {
    // The directory has not changed since the last listing: the same names hold the same
    // inodes. Open files are fstat'ed by the read anyway; only closed ones need a stat.
    std::vector<DirEntry> out = last_matches_;
    for (auto& e : out) {
      TrackedFile* f = FindByInode(e.st.device, e.st.inode);
      if (f != nullptr && f->is_open()) continue;
      if (StatPath(e.path, &e.st) != 0) return ListMatches();  // Raced: list again.
    }
    return out;
  }
  return ListMatches();
}

bool LogTailer::ListingStillValid() {
  FileStat d;
  if (listing_dir_.empty() || StatPath(listing_dir_, &d) != 0) return false;
  return d.mtime_ns == listing_dir_mtime_ns_ && listing_trusted_;
}

std::vector<DirEntry> LogTailer::ListMatches() {
  std::vector<DirEntry> out = ListMatchesUncached();
  if (glob_) {
    // Trust this listing while the directory's mtime stays the same - but only if that mtime
    // was already safely in the past when we listed: filesystem timestamps are coarse (a tick
    // of a few ms), so a change in the same tick right after the listing would keep the mtime.
    listing_dir_ =
        HasGlobMeta(SpecDirectory().string()) ? std::filesystem::path() : SpecDirectory();
    FileStat d;
    listing_trusted_ = false;
    if (!listing_dir_.empty() && StatPath(listing_dir_, &d) == 0) {
      listing_dir_mtime_ns_ = d.mtime_ns;
      int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           options_.clock->Now().time_since_epoch())
                           .count();
      listing_trusted_ = now_ns - d.mtime_ns > 1'000'000'000;
    }
    last_matches_ = out;
  }
  return out;
}

std::vector<DirEntry> LogTailer::ListMatchesUncached() {
  std::vector<DirEntry> out;
  auto add = [&](const std::filesystem::path& p) {
    DirEntry e;
    e.name = p.filename().string();
    if (MatchesAnyGlob(options_.spec.exclude, e.name)) return;
    e.path = p;
    int err = StatPath(p, &e.st);
    if (err != 0) {
      if (err != ENOENT) Error(nullptr, "stat:" + p.string(), p.string() + ": " + ErrnoText(err));
      return;
    }
    if (!e.st.regular) return;
    max_mtime_ns_ = std::max(max_mtime_ns_, e.st.mtime_ns);
    out.push_back(std::move(e));
  };
  if (glob_) {
    auto r = ExpandGlob(options_.spec.path);
    if (!r.ok()) {
      Error(nullptr, "glob", r.error().message());
      return out;
    }
    for (const auto& p : *r) add(p);
    if (out.empty() && !HasGlobMeta(SpecDirectory().string())) {
      // glob(3) reports an unreadable directory as "no match"; that must not look like every
      // file having been rotated away.
      std::vector<DirEntry> probe;
      int err = ListRegularFiles(SpecDirectory(), &probe);
      if (err != 0 && err != ENOENT) {
        Error(nullptr, "list:" + std::to_string(err),
              "cannot list " + SpecDirectory().string() + ": " + ErrnoText(err));
      }
    }
  } else {
    add(options_.spec.path);
  }
  return out;
}

void LogTailer::Scan(ReadEnv& env) {
  scan_error_ = false;
  std::vector<DirEntry> matches = MatchSpec();
  if (scan_error_) {
    // We could not see the directory as it is: conclude nothing about rotations or new files
    // this time (the files already open are still read).
    return;
  }
  last_error_key_.clear();  // The next scan problem is news again.
  scan_problem_.clear();
  matched_files_ = matches.size();
  for (auto& f : files_) f->matched = false;
  std::vector<DirEntry> fresh;
  for (auto& m : matches) {
    TrackedFile* f = FindByInode(m.st.device, m.st.inode);
    if (f != nullptr && f->gz) f = nullptr;  // A plain file reusing a .gz's inode number.
    if (f != nullptr && !f->is_open() && f->fp_len > 0 && f->copy_of < 0 && !f->live) {
      // A closed rotated file's inode number now names another file at a spec path: it was
      // deleted and the number reused. The file here is new; the old one is handled as gone.
      if (!SameHead(f->id, f->fp_len, m.path, false, &f->head)) f = nullptr;
    }
    if (f != nullptr && !f->is_open() && f->fp_len > 0 && f->copy_of < 0) {
      // Closed (idle, or restored from a checkpoint): the inode number alone proves nothing.
      if (!SameHead(f->id, f->fp_len, m.path, false, &f->head)) {
        // Same inode, other first bytes: rewritten in place (copytruncate while we were not
        // looking) or a re-created file that got the inode number back. Either way the old
        // content is gone from here: continue it from a copy if there is one, then read the
        // new content from 0.
        f->path = m.path.string();
        f->matched = true;
        f->stat = m.st;
        if (f->Open() == 0) {
          HandleReplaced(*f, env);
        } else {
          f->StartAt(0);
        }
        continue;
      }
    }
    if (f != nullptr) {
      if (f->path != m.path.string()) {
        if (f->live && !f->rotated) MarkRotated(*f, "renamed to " + m.path.string());
        f->SetPath(m.path.string());
      }
      f->matched = true;
      if (!f->is_open()) f->stat = m.st;
      continue;
    }
    fresh.push_back(std::move(m));
  }

  // Files that were at a path the spec matches and no longer are, and closed files that are
  // gone from where we last saw them.
  for (size_t i = 0; i < files_.size(); ++i) {
    TrackedFile& f = *files_[i];
    if (f.matched || f.finished || f.copy_of >= 0) continue;
    bool was_live = f.live && !f.rotated;
    if (f.is_open()) {
      if (was_live) {
        f.Refresh();
        MarkRotated(f, f.stat.nlink == 0 ? "deleted" : "moved away");
        // Its path may have held more files since we last looked (two rotations between
        // polls); a glob matches those by itself.
        if (!glob_) DiscoverSiblings(options_.spec.path, f.stat.mtime_ns, &f);
      }
      continue;
    }
    if (Locate(f)) {
      if (was_live) MarkRotated(f, "found as " + f.path);
      continue;
    }
    // A rotated file read to its end that disappears (retention) loses nothing; a live one,
    // or one with bytes we had not read, may have.
    if (was_live || f.position() < f.stat.size) {
      Gap(f.path + " (inode " + std::to_string(f.id.inode) + ", read up to offset " +
          std::to_string(f.position()) +
          ") is gone and was not found in its directory; lines written to it after that "
          "offset are lost");
    }
    if (f.restored && f.checkpoint_live) {
      restored_lost_live_.emplace_back(f.checkpoint_path, f.checkpoint_mtime_ns);
    }
    Forget(f.seq);
    --i;
  }

  if (first_poll_ && had_checkpoint_) RecoverRotatedWhileDown(env);
  Adopt(std::move(fresh), env);

  bool any = !matches.empty();
  if (!any && !waiting_noticed_) {
    Notice(NoticeLevel::kInfo, "waiting for " + options_.spec.path + " (no such file yet)");
    waiting_noticed_ = true;
  } else if (any && waiting_noticed_) {
    waiting_noticed_ = false;
  }
}

void LogTailer::Adopt(std::vector<DirEntry> fresh, ReadEnv& env) {
  (void)env;
  // Oldest first; at equal mtimes (coarse filesystem clocks) a rotated name before the name it
  // was rotated from, then natural name order.
  std::vector<std::tuple<int64_t, int, size_t>> order;
  for (size_t i = 0; i < fresh.size(); ++i) {
    int rank = 1;
    for (const auto& other : fresh) {
      if (&other != &fresh[i] && RotatedNameMatcher(other.name).Matches(fresh[i].name)) rank = 0;
    }
    order.emplace_back(fresh[i].st.mtime_ns, rank, i);
  }
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) < std::get<0>(b);
    if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) < std::get<1>(b);
    return NaturalLess(fresh[std::get<2>(a)].name, fresh[std::get<2>(b)].name);
  });

  const size_t established = files_.size();  // Copies are judged against these only.
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, MonoTime>> still_deferred;
  const MonoTime now = options_.clock->MonoNow();
  for (const auto& o : order) {
    const DirEntry& m = fresh[std::get<2>(o)];
    // Recovery or a copy continuation may have claimed it since the scan.
    if (IsTrackedOrRetired(m)) continue;
    bool defer = false;
    std::string head;
    TrackedFile* original = glob_ ? CopyOriginal(m, established, &defer, &head) : nullptr;
    if (defer) {
      // Its first bytes so far equal a tracked file's: possibly a copy being written. Wait
      // until it diverges or completes, but not forever.
      auto key = std::make_pair(m.st.device, m.st.inode);
      MonoTime since = now;
      for (const auto& d : deferred_) {
        if (d.first == key) since = d.second;
      }
      if (now - since < options_.rotate_wait) {
        still_deferred.emplace_back(key, since);
        continue;
      }
    }
    auto f = NewFile(m.path.string());
    f->stat = m.st;
    f->id = FileIdentity{m.st.device, m.st.inode, 0};
    f->matched = true;
    f->live = true;
    if (original != nullptr) {
      // A copy of a file we follow (copytruncate with a glob that matches the copy): never read
      // it on its own; its tail is read as the original's continuation if the original is
      // truncated.
      f->copy_of = static_cast<int64_t>(original->seq);
      f->head = head;
      f->fp_len = static_cast<uint32_t>(head.size());
      f->id.fingerprint = FingerprintOf(head);
      f->StartAt(std::min(m.st.size, original->position()));
      Notice(NoticeLevel::kInfo,
             m.path.string() + " is a copy of " + original->path + "; not read on its own");
      files_.push_back(std::move(f));
      continue;
    }
    uint64_t start = 0;
    std::string why = "new file";
    bool fresh_start =
        first_poll_ &&
        (!had_checkpoint_ || (pattern_changed_ && m.st.mtime_ns <= checkpoint_max_mtime_ns_));
    if (fresh_start) {
      if (options_.spec.start_at == StartAt::kEnd) {
        start = StartOffsetAtEnd(m.path.string(), m.st.size);
        why = "start_at end";
      } else {
        why = "start_at beginning";
      }
    } else if (first_poll_ && had_checkpoint_) {
      why = "created while the daemon was down";
    }
    f->StartAt(start);
    Notice(NoticeLevel::kInfo, "tailing " + m.path.string() + " from offset " +
                                   std::to_string(start) + " (" + why + ")");
    files_.push_back(std::move(f));
  }
  deferred_ = std::move(still_deferred);
}

uint64_t LogTailer::StartOffsetAtEnd(const std::string& path, uint64_t size) {
  // Start after the last complete line: a line being written is read once it completes.
  if (size == 0) return 0;
  int fd = OpenForReading(path);
  if (fd < 0) return size;
  size_t len = static_cast<size_t>(std::min<uint64_t>(size, options_.spec.max_line));
  std::string tail;
  int err = PreadUpTo(fd, size - len, len, &tail);
  ::close(fd);
  if (err != 0 || tail.size() != len) return size;
  size_t nl = tail.rfind('\n');
  if (nl == std::string::npos) return len == size ? 0 : size;
  return size - len + nl + 1;
}

void LogTailer::ReadAll(ReadEnv& env) {
  backlog_ = false;
  for (size_t i = 0; i < files_.size(); ++i) {
    if (env.budget == 0) {
      backlog_ = true;
      break;
    }
    TrackedFile* current = files_[i].get();
    ReadOne(*current, env);
    // A truncated file can move to the end of the read order (after copies it must follow):
    // whatever took its place has not been read yet.
    if (i < files_.size() && files_[i].get() != current) --i;
  }
}

void LogTailer::ReadOne(TrackedFile& f, ReadEnv& env) {
  if (f.finished || f.copy_of >= 0) return;
  if (f.gz) {
    if (!f.is_open()) {
      if (Status st = f.OpenGzip(); !st.ok()) {
        Gap(st.message() + "; its remaining lines cannot be read");
        f.finished = true;
        return;
      }
    }
    int err = f.ReadAvailable(env);
    if (err != 0) Gap(f.path + ": gzip stream damaged; the rest of it cannot be read");
    if (err != 0 || env.budget > 0) {
      f.FinishStream(env);
      f.Close();
      f.finished = true;
    } else {
      backlog_ = true;
    }
    return;
  }
  if (!f.is_open()) {
    if (!f.matched) return;
    // A closed file is opened only when stat says something changed.
    if (f.stat.size == f.position() && f.stat.mtime_ns == f.checked_mtime_ns) return;
    if (int err = f.Open(); err != 0) {
      if (err != ESTALE && err != ENOENT) {
        Error(&f, "open:" + std::to_string(err), "cannot open " + f.path + ": " + ErrnoText(err));
      }
      return;
    }
    if (f.fp_len > 0 && f.head.size() != f.fp_len) {
      std::string head;
      if (f.ReadHead(f.fp_len, &head) == 0 && head.size() == f.fp_len &&
          FingerprintOf(head) == f.id.fingerprint) {
        f.head = head;
      } else if (HandleReplaced(f, env)) {
        return;  // Read later in this pass, after the copies it must follow.
      }
    }
  }
  if (int err = f.Refresh(); err != 0) {
    Error(&f, "fstat:" + std::to_string(err), "cannot stat " + f.path + ": " + ErrnoText(err));
    return;
  }
  const bool changed = f.stat.size != f.checked_size || f.stat.mtime_ns != f.checked_mtime_ns;
  if (!changed && f.position() >= f.stat.size && f.at_eof) {
    // Idle: one fstat is all a poll costs.
    if (f.rotated) f.FlushPending(env.sink);
    return;
  }
  if (f.position() > 0 && changed) {
    if (f.ContentReplaced() && HandleReplaced(f, env)) return;
  }
  if (f.position() == 0 && f.fp_len == 0 && changed && f.stat.size > 0 && f.live && !f.rotated) {
    // We hold nothing of this file's content: it was empty when we last looked (just after a
    // copytruncate, or in the checkpoint). If it was copied and truncated again since - twice
    // between two looks, or while the daemon was down - the file itself shows nothing (there
    // is no position or fingerprint to contradict); the copies made since are the only trace
    // of those lines.
    int64_t empty_since = -1;
    if (f.checked_mtime_ns >= 0 && f.checked_size == 0) {
      empty_since = f.checked_mtime_ns;
    } else if (f.empty_at_checkpoint) {
      empty_since = f.checkpoint_mtime_ns;
    }
    f.empty_at_checkpoint = false;
    if (empty_since >= 0 && ReadUnseenCopiesFirst(f, empty_since)) {
      f.checked_size = 0;
      f.checked_mtime_ns = -1;
      return;
    }
  }
  f.checked_size = f.stat.size;
  f.checked_mtime_ns = f.stat.mtime_ns;
  for (int pass = 0; pass < 2; ++pass) {
    if (int err = f.ReadAvailable(env); err != 0) {
      Error(&f, "read:" + std::to_string(err), "cannot read " + f.path + ": " + ErrnoText(err));
      return;
    }
    f.Refresh();
    if (f.ExtendFingerprint()) break;
    // The bytes we fingerprinted changed under us: rewritten in place.
    if (HandleReplaced(f, env)) {
      f.at_eof = false;
      return;
    }
  }
  f.at_eof = env.budget > 0;
  if (!f.at_eof) backlog_ = true;
  f.last_error_key.clear();
  f.problem.clear();
  // A rotated file's last record goes on before anything from its successor.
  if (f.rotated && f.at_eof) f.FlushPending(env.sink);
}

bool LogTailer::HandleReplaced(TrackedFile& f, ReadEnv& env) {
  ++status_.truncations;
  const uint64_t pos = f.position();
  // The last mtime we saw of the old content (the checkpoint's, right after a restart).
  const int64_t old_mtime = f.checked_mtime_ns >= 0 ? f.checked_mtime_ns : f.checkpoint_mtime_ns;
  const uint64_t known = std::max(f.checked_size, pos);  // What we knew the file held.
  uint64_t copy_size = 0;
  if (pos > 0) {
    if (ContinueFromCopy(f, env, &copy_size)) {
      if (copy_size < known) {
        Gap(f.path + " was truncated and its copy holds " + std::to_string(copy_size) +
            " bytes where we had seen " + std::to_string(known) +
            "; lines written between the copy and the truncation are lost");
      }
    } else {
      Gap(f.path + " was truncated or rewritten at offset " + std::to_string(pos) +
          " and no copy of the old content was found; lines written after the last read may "
          "be lost");
    }
  }
  Notice(NoticeLevel::kInfo,
         f.path + " was truncated at offset " + std::to_string(pos) + "; reading it again from 0");
  f.FinishStream(env);
  f.StartAt(0);
  f.fp_len = 0;
  f.head.clear();
  f.id.fingerprint = 0;
  f.checked_size = 0;
  f.checked_mtime_ns = -1;
  f.empty_at_checkpoint = false;
  if (f.is_open()) f.Refresh();
  // More than one copytruncate since we last looked (two between polls, or while the daemon
  // was down): the newer copies hold content we never saw.
  return ReadUnseenCopiesFirst(f, old_mtime);
}

bool LogTailer::ReadUnseenCopiesFirst(TrackedFile& f, int64_t since_ns) {
  // Read them, oldest first, before the file's new content - which therefore moves to the end
  // of the read order.
  const size_t before = files_.size();
  std::string live_head;
  if (f.is_open()) f.ReadHead(kFingerprintBytes, &live_head);
  DiscoverSiblings(f.path, since_ns, nullptr, &live_head);
  if (files_.size() != before) {
    uint64_t old_seq = f.seq;
    f.seq = next_seq_++;
    auto it =
        std::find_if(files_.begin(), files_.end(), [&](const auto& p) { return p->seq == f.seq; });
    std::rotate(it, it + 1, files_.end());
    for (auto& c : files_) {
      if (c->copy_of == static_cast<int64_t>(old_seq)) c->copy_of = static_cast<int64_t>(f.seq);
    }
    return true;
  }
  return false;
}

void LogTailer::Maintain(ReadEnv& env) {
  for (size_t i = 0; i < files_.size(); ++i) {
    TrackedFile& f = *files_[i];
    if (f.copy_of >= 0) {
      bool original_alive = false;
      for (const auto& o : files_) original_alive |= static_cast<int64_t>(o->seq) == f.copy_of;
      if (!original_alive) {
        // Nothing left to continue: the copy's content was read through its original.
        f.copy_of = -1;
        f.finished = true;
        f.StartAt(f.stat.size);
      }
      continue;
    }
    if (!f.is_open() || f.gz || !f.at_eof) continue;
    auto idle = env.mono - f.last_growth;
    if (f.rotated) {
      if (idle >= options_.rotate_wait) {
        f.FinishStream(env);
        f.Close();
        if (!f.matched) {
          Retire(f);
          --i;
        }
      }
    } else if (idle >= options_.close_inactive && !f.has_pending()) {
      f.Close();
    }
  }
}

void LogTailer::MarkRotated(TrackedFile& f, std::string_view how) {
  f.rotated = true;
  f.live = false;
  if (!f.rotation_counted) {
    ++status_.rotations;
    f.rotation_counted = true;
  }
  Notice(NoticeLevel::kInfo, f.path + " rotated (" + std::string(how) + "); draining it");
}

void LogTailer::Retire(TrackedFile& f) {
  AddRetired(Retired{f.id, f.fp_len, f.path});
  Forget(f.seq);
}

void LogTailer::Forget(uint64_t seq) {
  files_.erase(
      std::remove_if(files_.begin(), files_.end(), [&](const auto& f) { return f->seq == seq; }),
      files_.end());
}

void LogTailer::FlushIdle(const RecordSink& sink) {
  RecordSink counting = [&](const Record& r) { Count(r, sink); };
  MonoTime now = options_.clock->MonoNow();
  bool any = false;
  for (auto& f : files_) any |= f->FlushIfIdle(now, options_.spec.flush_timeout, counting);
  if (any) metrics_->Sync(status_);
}

std::optional<MonoTime> LogTailer::NextFlushDeadline() const {
  std::optional<MonoTime> next;
  for (const auto& f : files_) {
    std::optional<MonoTime> t = f->FlushDeadline(options_.spec.flush_timeout);
    if (t && (!next || *t < *next)) next = t;
  }
  return next;
}

std::optional<std::chrono::nanoseconds> LogTailer::TimeUntilFlush() const {
  auto next = NextFlushDeadline();
  if (!next) return std::nullopt;
  return *next - options_.clock->MonoNow();
}

void LogTailer::UpdateStatus() {
  status_.files_open = 0;
  status_.lag_bytes = 0;
  status_.files_matched = matched_files_;
  status_.early_flush = std::chrono::microseconds(0);
  for (const auto& f : files_) {
    status_.early_flush =
        std::max(status_.early_flush,
                 std::chrono::duration_cast<std::chrono::microseconds>(f->early_flush()));
  }
  // What keeps this log from being read now, most basic first (see LogStatus::problem).
  status_.problem = scan_problem_;
  if (status_.problem.empty() && !first_poll_ && matched_files_ == 0) {
    status_.problem = "no file matches " + options_.spec.path;
  }
  for (const auto& f : files_) {
    if (status_.problem.empty() && f->matched && !f->problem.empty()) status_.problem = f->problem;
    if (f->is_open()) ++status_.files_open;
    if (!f->finished && !f->gz && f->copy_of < 0 && f->stat.size > f->position()) {
      status_.lag_bytes += f->stat.size - f->position();
    }
  }
}

LogStatus LogTailer::status() const {
  LogStatus s = status_;
  // The per-file list is built on demand (status pages), not on every poll.
  for (const auto& f : files_) {
    if (f->copy_of >= 0 || (f->finished && !f->matched)) continue;
    TailedFileStatus t;
    t.path = f->path;
    t.id = f->id;
    t.offset = f->position();
    t.size = f->stat.size;
    t.open = f->is_open();
    t.rotated = f->rotated;
    s.files.push_back(std::move(t));
  }
  return s;
}

std::filesystem::path LogTailer::SpecDirectory() const {
  auto dir = std::filesystem::path(options_.spec.path).parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

std::vector<std::filesystem::path> LogTailer::WatchDirectories() const {
  auto dir = SpecDirectory();
  if (!HasGlobMeta(dir.string())) return {dir};
  auto r = ExpandGlob(dir.string());
  return r.ok() ? *r : std::vector<std::filesystem::path>{};
}

bool LogTailer::Interested(std::string_view file_name) const {
  if (!glob_ && file_name == live_name_) return true;
  for (const auto& f : files_) {
    std::string_view p = f->path;
    if (p.size() > file_name.size() && p.substr(p.size() - file_name.size()) == file_name &&
        p[p.size() - file_name.size() - 1] == '/') {
      return true;
    }
  }
  if (glob_) {
    std::string name(file_name);
    return ::fnmatch(live_name_.c_str(), name.c_str(), 0) == 0;
  }
  // Rotated names and copies of the live file (copytruncate) appear here before they matter.
  return rotated_names_->Matches(file_name);
}

TrackedFile* LogTailer::FindByInode(uint64_t device, uint64_t inode) {
  // An open entry pins its inode, so it wins over a closed one whose number may be stale.
  TrackedFile* closed = nullptr;
  for (auto& f : files_) {
    if (f->id.device != device || f->id.inode != inode) continue;
    if (f->is_open()) return f.get();
    if (closed == nullptr) closed = f.get();
  }
  return closed;
}

void LogTailer::Notice(NoticeLevel level, const std::string& message) {
  if (options_.notice) options_.notice(level, options_.spec.name + ": " + message);
}

void LogTailer::Error(TrackedFile* f, const std::string& key, const std::string& message) {
  status_.last_error = message;
  if (f == nullptr) {
    scan_error_ = true;
    scan_problem_ = message;
  } else {
    f->problem = message;
  }
  std::string& last = f != nullptr ? f->last_error_key : last_error_key_;
  if (last == key) return;  // Said once; not again every poll.
  last = key;
  Notice(NoticeLevel::kWarning, message);
}

void LogTailer::Gap(const std::string& message) {
  ++status_.gap_events;
  status_.last_error = "gap: " + message;
  Notice(NoticeLevel::kWarning, "gap: " + message);
}

}  // namespace cg
