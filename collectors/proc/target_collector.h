// One target process: discovery, identity, per-sample figures, restart counting.
//
// Life cycle per Sample(): if a process is known, re-read its kept /proc/PID/stat; if that fails
// (ESRCH: it exited, even if the pid was reused since), shows a different start time (pid
// reuse seen through a fixture tree) or a zombie, the process is lost. When nothing is known,
// discovery (discovery.h) runs in the same sample, so a restart between two samples shows as
// up with restarts + 1. A new identity (pid, start time) after a previous one counts a restart.
// The cmdline pattern only runs during discovery, never for a process already known.
//
// Not thread-safe (the daemon's event-loop thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collectors/proc/discovery.h"
#include "collectors/proc/proc_file.h"
#include "collectors/proc/process_parse.h"
#include "collectors/proc/read_error.h"
#include "collectors/proc/summary.h"

namespace cg::proc {

class TargetCollector {
 public:
  // `root` is not owned and must outlive the collector; `matcher` may be null (pidfile only).
  // `fd_listing_interval`: how long an fd count obtained by listing /proc/PID/fd (kernels
  // before 6.2) is reused before listing again; the O(1) count of newer kernels is read on
  // every sample.
  TargetCollector(std::string name, std::filesystem::path pidfile,
                  std::unique_ptr<CmdlineMatcher> matcher, const ProcRoot* root,
                  double ticks_per_second, std::chrono::nanoseconds fd_listing_interval);
  ~TargetCollector();

  // True when the next Sample() will have to search for the process (nothing known).
  bool needs_discovery() const { return files_ == nullptr; }
  // True if discovery may need a process-table scan (the target has a cmdline pattern).
  bool has_pattern() const { return matcher_ != nullptr; }

  // `ctx` carries the shared scan and boot time for discovery.
  void Sample(WallTime now, MonoTime mono_now, LocateContext& ctx);

  const TargetSummary& summary() const { return summary_; }
  const std::vector<ReadError>& errors() const { return errors_; }

 private:
  struct Identity {
    pid_t pid;
    uint64_t start_ticks;
    bool operator==(const Identity&) const = default;
  };
  struct Files;  // The kept per-process descriptors.

  // Re-reads the known process's stat; returns false (and forgets it) when it is gone.
  bool Follow(PidStat* st);
  // Locates the process and opens its files; returns false when nothing usable was found.
  bool Discover(LocateContext& ctx, PidStat* st);
  void Lose(std::string why);
  // Everything but stat; `st` was read in this sample.
  void ReadFigures(const PidStat& st, WallTime now, MonoTime mono_now, const LocateContext& ctx);
  void Problem(std::string text);
  void Error(std::string_view file, std::string_view reason, std::string text);
  // After `file` failed with a "gone" errno: is the process itself gone (stat unreadable)?
  bool VanishedMidSample();

  std::string pidfile_display_;
  LocatorSpec spec_;
  std::unique_ptr<CmdlineMatcher> matcher_;
  const ProcRoot* root_;
  double ticks_per_second_;

  std::unique_ptr<Files> files_;
  std::optional<Identity> current_;
  std::optional<Identity> last_seen_;  // For restarts: survives Lose().
  std::optional<uint64_t> prev_cpu_ticks_;
  MonoTime prev_mono_{};
  bool fd_denied_ = false;  // /proc/PID/fd refused for the current identity: stop retrying.
  std::string fd_denied_text_;
  std::chrono::nanoseconds fd_listing_interval_;
  std::optional<uint64_t> listed_fds_;  // Last count obtained by listing, and when.
  MonoTime listed_at_{};

  TargetSummary summary_;
  std::vector<ReadError> errors_;
  WallTime now_{};
};

}  // namespace cg::proc
