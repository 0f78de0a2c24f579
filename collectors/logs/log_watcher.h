// LogWatcher: wakes LogTailers when their files change. The only class that touches inotify
// and Boost.Asio in cg_logs.
//
// - inotify on each tailer's directories (create, rename in/out, delete, modify, attrib): a
//   change of names triggers a full Poll(); "modified" only reads the files already followed
//   (PollOpenFiles), so a busy log costs a read, not a directory scan, per wake-up.
// - A steady_timer per distinct poll_interval runs Poll() on its tailers regardless: it catches
// what
//   inotify misses (queue overflow, network filesystems, a directory that did not exist yet, a
//   failed watch - watches are retried on each tick).
// - Wake-ups closer than min_batch_interval are batched (bounded CPU under a flood of events).
// - A timer at the earliest pending-record deadline calls FlushIdle(); a periodic timer calls
//   Checkpoint(); Stop() checkpoints once more.
// - A tailer with a read backlog is polled again through asio::post (the loop stays fair).
//
// Threading: everything runs on the io_context's thread; construct, Start and Stop there (or
// before it runs / after it stopped). The tailers and the io_context must outlive the watcher.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "collectors/logs/log_spec.h"

namespace cg {

class LogTailer;

struct LogWatcherOptions {
  // How often Checkpoint() runs on every tailer (it writes only when offsets moved).
  // Zero: never (the owner checkpoints).
  std::chrono::milliseconds checkpoint_interval{5000};
  // Minimum spacing of inotify-driven reads; events inside it are handled together.
  std::chrono::milliseconds min_batch_interval{1};
  // inotify problems (cannot watch a directory, queue overflow), once per condition.
  NoticeSink notice;
};

struct LogWatcherStats {
  uint64_t inotify_wakeups = 0;    // Batches of inotify events handled.
  uint64_t inotify_overflows = 0;  // IN_Q_OVERFLOW seen (everything was polled).
  uint64_t timer_polls = 0;        // Poll() calls from the stat-poll timers.
  uint64_t watches = 0;            // Directories currently watched.
  bool inotify_available = false;
};

class LogWatcher {
 public:
  LogWatcher(boost::asio::io_context& io, std::vector<LogTailer*> tailers, RecordSink sink,
             LogWatcherOptions options = {});
  ~LogWatcher();  // Stop().
  LogWatcher(const LogWatcher&) = delete;
  LogWatcher& operator=(const LogWatcher&) = delete;

  // Polls every tailer once, sets up inotify and the timers.
  void Start();
  // Cancels timers and inotify, flushes nothing (pending records are re-read after a restart),
  // and checkpoints every tailer. Idempotent.
  void Stop();

  const LogWatcherStats& stats() const { return stats_; }

 private:
  struct Watch {
    int wd = -1;
    std::vector<size_t> tailers;
  };

  void SetUpInotify();
  void AddWatches();
  void ArmRead();
  void OnEvents(size_t bytes);
  void HandlePending();
  void ArmPollTimer(size_t group);
  void ArmFlushTimer();
  void ArmCheckpointTimer();
  void CheckpointAll();
  void AfterPoll(size_t i);
  void Notice(NoticeLevel level, const std::string& key, const std::string& message);

  boost::asio::io_context& io_;
  std::vector<LogTailer*> tailers_;
  RecordSink sink_;
  LogWatcherOptions options_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // Guards queued handlers.
  bool started_ = false;
  bool stopped_ = false;

  int inotify_fd_ = -1;
  std::unique_ptr<boost::asio::posix::stream_descriptor> stream_;
  std::vector<char> event_buf_;
  std::map<std::filesystem::path, Watch> watches_;  // By directory.
  std::map<int, std::filesystem::path> wd_dirs_;
  bool watches_incomplete_ = false;  // Some directory could not be watched: retry per tick.
  bool dynamic_dirs_ = false;        // Some log has a glob in its directory part.

  struct PollGroup {
    std::chrono::milliseconds interval;
    std::vector<size_t> tailers;
    std::unique_ptr<boost::asio::steady_timer> timer;
    std::chrono::steady_clock::time_point next;
  };
  std::vector<PollGroup> poll_groups_;  // One stat-poll timer per distinct interval.
  boost::asio::steady_timer flush_timer_;
  boost::asio::steady_timer checkpoint_timer_;
  boost::asio::steady_timer batch_timer_;
  bool batch_armed_ = false;
  std::chrono::steady_clock::time_point last_batch_{};
  std::vector<uint8_t> pending_full_;  // Per tailer: a full Poll() is due.
  std::vector<uint8_t> pending_read_;  // Per tailer: a PollOpenFiles() is due.
  std::vector<uint8_t> backlog_posted_;
  std::map<std::string, bool> noticed_;

  LogWatcherStats stats_;
};

}  // namespace cg
