#include "collectors/logs/log_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "base/fs.h"
#include "collectors/logs/file_io.h"
#include "collectors/logs/log_tailer.h"

namespace cg {
namespace {

// Directory events. IN_MODIFY on a directory watch reports writes to the files in it.
constexpr uint32_t kNameEvents =
    IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_ATTRIB | IN_CLOSE_WRITE;
constexpr uint32_t kDataEvents = IN_MODIFY;
constexpr uint32_t kSelfEvents = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT;
constexpr uint32_t kWatchMask =
    kNameEvents | kDataEvents | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

}  // namespace

LogWatcher::LogWatcher(boost::asio::io_context& io, std::vector<LogTailer*> tailers,
                       RecordSink sink, LogWatcherOptions options)
    : io_(io),
      tailers_(std::move(tailers)),
      sink_(std::move(sink)),
      options_(std::move(options)),
      event_buf_(64 * 1024),
      flush_timer_(io),
      checkpoint_timer_(io),
      batch_timer_(io),
      pending_full_(tailers_.size(), 0),
      pending_read_(tailers_.size(), 0),
      backlog_posted_(tailers_.size(), 0) {}

LogWatcher::~LogWatcher() { Stop(); }

void LogWatcher::Start() {
  if (started_) return;
  started_ = true;
  SetUpInotify();
  // One timer per distinct poll_interval (not per log): fewer wake-ups when idle.
  for (size_t i = 0; i < tailers_.size(); ++i) {
    auto interval = tailers_[i]->spec().poll_interval;
    auto g = std::find_if(poll_groups_.begin(), poll_groups_.end(),
                          [&](const PollGroup& p) { return p.interval == interval; });
    if (g == poll_groups_.end()) {
      poll_groups_.push_back(
          PollGroup{interval, {}, std::make_unique<boost::asio::steady_timer>(io_), {}});
      g = poll_groups_.end() - 1;
    }
    g->tailers.push_back(i);
    tailers_[i]->Poll(sink_);
    AfterPoll(i);
  }
  for (size_t g = 0; g < poll_groups_.size(); ++g) {
    poll_groups_[g].next = std::chrono::steady_clock::now() + poll_groups_[g].interval;
    ArmPollTimer(g);
  }
  ArmFlushTimer();
  ArmCheckpointTimer();
}

void LogWatcher::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  *alive_ = false;
  alive_ = std::make_shared<bool>(false);  // Queued handlers hold the old token.
  for (auto& g : poll_groups_) g.timer->cancel();
  flush_timer_.cancel();
  checkpoint_timer_.cancel();
  batch_timer_.cancel();
  if (stream_) {
    boost::system::error_code ec;
    stream_->close(ec);  // Closes the inotify fd (and with it every watch).
    stream_.reset();
    inotify_fd_ = -1;
  }
  CheckpointAll();
}

void LogWatcher::SetUpInotify() {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    Notice(NoticeLevel::kWarning, "inotify",
           std::string("inotify unavailable (") + std::strerror(errno) +
               "); relying on the stat poll alone");
    return;
  }
  for (auto* t : tailers_) {
    dynamic_dirs_ |= HasGlobMeta(std::filesystem::path(t->spec().path).parent_path().string());
  }
  stream_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, inotify_fd_);
  stats_.inotify_available = true;
  AddWatches();
  ArmRead();
}

void LogWatcher::AddWatches() {
  if (inotify_fd_ < 0) return;
  watches_incomplete_ = false;
  for (size_t i = 0; i < tailers_.size(); ++i) {
    for (const auto& dir : tailers_[i]->WatchDirectories()) {
      auto it = watches_.find(dir);
      if (it == watches_.end()) {
        int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), kWatchMask);
        if (wd < 0) {
          // Missing directory (created later), permissions, or the watch limit: the stat poll
          // covers it; we retry on every tick and say so once.
          Notice(NoticeLevel::kWarning, "watch:" + dir.string(),
                 "cannot watch " + dir.string() + ": " + std::strerror(errno) +
                     "; polling it every " +
                     std::to_string(tailers_[i]->spec().poll_interval.count()) + "ms");
          watches_incomplete_ = true;
          continue;
        }
        noticed_.erase("watch:" + dir.string());
        it = watches_.emplace(dir, Watch{wd, {}}).first;
        wd_dirs_[wd] = dir;
      }
      auto& list = it->second.tailers;
      if (std::find(list.begin(), list.end(), i) == list.end()) list.push_back(i);
    }
  }
  stats_.watches = watches_.size();
}

void LogWatcher::ArmRead() {
  if (!stream_) return;
  std::weak_ptr<bool> alive = alive_;
  stream_->async_read_some(
      boost::asio::buffer(event_buf_),
      [this, alive](const boost::system::error_code& ec, size_t n) {
        if (alive.expired() || !*alive.lock()) return;
        if (ec) {
          if (ec != boost::asio::error::operation_aborted) {
            Notice(NoticeLevel::kWarning, "inotify-read",
                   "inotify read failed: " + ec.message() + "; relying on the stat poll");
          }
          return;
        }
        OnEvents(n);
        ArmRead();
      });
}

void LogWatcher::OnEvents(size_t bytes) {
  size_t off = 0;
  while (off + sizeof(inotify_event) <= bytes) {
    inotify_event ev;
    std::memcpy(&ev, event_buf_.data() + off, sizeof ev);
    std::string_view name;
    if (ev.len > 0) {
      const char* p = event_buf_.data() + off + sizeof(inotify_event);
      name = std::string_view(p, ::strnlen(p, ev.len));
    }
    off += sizeof(inotify_event) + ev.len;
    if (ev.mask & IN_Q_OVERFLOW) {
      ++stats_.inotify_overflows;
      Notice(NoticeLevel::kWarning, "overflow",
             "inotify queue overflowed; polling every log (watch limits: "
             "fs.inotify.max_queued_events)");
      noticed_.erase("overflow");  // Each overflow is news.
      std::fill(pending_full_.begin(), pending_full_.end(), 1);
      continue;
    }
    auto dir = wd_dirs_.find(ev.wd);
    if (dir == wd_dirs_.end()) continue;
    auto w = watches_.find(dir->second);
    if (w == watches_.end()) continue;
    if (ev.mask & kSelfEvents) {
      // The directory itself went away or was renamed: forget the watch (re-added by the next
      // tick if the path exists again) and let the tailers look.
      for (size_t i : w->second.tailers) pending_full_[i] = 1;
      if (ev.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
        if (!(ev.mask & IN_IGNORED)) ::inotify_rm_watch(inotify_fd_, ev.wd);
        wd_dirs_.erase(dir);
        watches_.erase(w);
        stats_.watches = watches_.size();
        watches_incomplete_ = true;
      }
      continue;
    }
    for (size_t i : w->second.tailers) {
      if (!tailers_[i]->Interested(name)) continue;
      if (ev.mask & kNameEvents) {
        pending_full_[i] = 1;
      } else {
        pending_read_[i] = 1;
      }
    }
  }
  auto now = std::chrono::steady_clock::now();
  if (now - last_batch_ >= options_.min_batch_interval) {
    HandlePending();
  } else if (!batch_armed_) {
    batch_armed_ = true;
    batch_timer_.expires_at(last_batch_ + options_.min_batch_interval);
    std::weak_ptr<bool> alive = alive_;
    batch_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
      if (ec || alive.expired() || !*alive.lock()) return;
      batch_armed_ = false;
      HandlePending();
    });
  }
}

void LogWatcher::HandlePending() {
  last_batch_ = std::chrono::steady_clock::now();
  bool any = false;
  for (size_t i = 0; i < tailers_.size(); ++i) {
    if (pending_full_[i]) {
      tailers_[i]->Poll(sink_);
    } else if (pending_read_[i]) {
      tailers_[i]->PollOpenFiles(sink_);
    } else {
      continue;
    }
    any = true;
    pending_full_[i] = pending_read_[i] = 0;
    AfterPoll(i);
  }
  if (any) {
    ++stats_.inotify_wakeups;
    ArmFlushTimer();
  }
}

void LogWatcher::AfterPoll(size_t i) {
  if (!tailers_[i]->backlog() || backlog_posted_[i]) return;
  backlog_posted_[i] = 1;
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [this, alive, i] {
    if (alive.expired() || !*alive.lock()) return;
    backlog_posted_[i] = 0;
    tailers_[i]->PollOpenFiles(sink_);
    AfterPoll(i);
    ArmFlushTimer();
  });
}

void LogWatcher::ArmPollTimer(size_t group) {
  PollGroup& g = poll_groups_[group];
  g.timer->expires_at(g.next);
  std::weak_ptr<bool> alive = alive_;
  g.timer->async_wait([this, alive, group](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !*alive.lock()) return;
    PollGroup& pg = poll_groups_[group];
    // Directory globs can gain directories at any time; fixed directories only need a retry
    // after a failure.
    if (watches_incomplete_ || dynamic_dirs_) AddWatches();
    for (size_t i : pg.tailers) {
      ++stats_.timer_polls;
      tailers_[i]->Poll(sink_);
      pending_full_[i] = pending_read_[i] = 0;
      AfterPoll(i);
    }
    ArmFlushTimer();
    // Fixed rate without drift; after a stall, skip the missed ticks rather than catch up.
    auto now = std::chrono::steady_clock::now();
    pg.next += pg.interval;
    if (pg.next <= now) pg.next = now + pg.interval;
    ArmPollTimer(group);
  });
}

void LogWatcher::ArmFlushTimer() {
  std::optional<std::chrono::nanoseconds> next;
  for (auto* t : tailers_) {
    auto d = t->TimeUntilFlush();
    if (d && (!next || *d < *next)) next = d;
  }
  if (!next) {
    flush_timer_.cancel();
    return;
  }
  auto wait = *next < std::chrono::nanoseconds(0) ? std::chrono::nanoseconds(0) : *next;
  flush_timer_.expires_after(wait);
  std::weak_ptr<bool> alive = alive_;
  flush_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !*alive.lock()) return;
    for (auto* t : tailers_) t->FlushIdle(sink_);
    ArmFlushTimer();
  });
}

void LogWatcher::ArmCheckpointTimer() {
  if (options_.checkpoint_interval.count() <= 0) return;
  checkpoint_timer_.expires_after(options_.checkpoint_interval);
  std::weak_ptr<bool> alive = alive_;
  checkpoint_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !*alive.lock()) return;
    CheckpointAll();
    ArmCheckpointTimer();
  });
}

void LogWatcher::CheckpointAll() {
  for (auto* t : tailers_) {
    Status st = t->Checkpoint();
    if (!st.ok()) {
      Notice(NoticeLevel::kError, "checkpoint:" + t->spec().name, st.message());
    } else {
      noticed_.erase("checkpoint:" + t->spec().name);
    }
  }
}

void LogWatcher::Notice(NoticeLevel level, const std::string& key, const std::string& message) {
  if (noticed_[key]) return;
  noticed_[key] = true;
  if (options_.notice) options_.notice(level, message);
}

}  // namespace cg
