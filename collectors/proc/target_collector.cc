#include "collectors/proc/target_collector.h"

#include <algorithm>
#include <cmath>

#include "collectors/proc/cpu_usage.h"
#include "collectors/proc/process_parse.h"

namespace cg::proc {
namespace {

std::string PidFile(pid_t pid, const char* name) { return std::to_string(pid) + "/" + name; }

}  // namespace

struct TargetCollector::Files {
  Files(const ProcRoot* root, pid_t pid)
      : stat(root, PidFile(pid, "stat")),
        status(root, PidFile(pid, "status")),
        limits(root, PidFile(pid, "limits")),
        fd(root, PidFile(pid, "fd")) {}
  ProcFile stat;
  ProcFile status;
  ProcFile limits;
  FdDirectory fd;
};

TargetCollector::TargetCollector(std::string name, std::filesystem::path pidfile,
                                 std::unique_ptr<CmdlineMatcher> matcher, const ProcRoot* root,
                                 double ticks_per_second,
                                 std::chrono::nanoseconds fd_listing_interval)
    : matcher_(std::move(matcher)),
      root_(root),
      ticks_per_second_(ticks_per_second),
      fd_listing_interval_(fd_listing_interval) {
  spec_.pidfile = std::move(pidfile);
  spec_.matcher = matcher_.get();
  summary_.name = std::move(name);
}

TargetCollector::~TargetCollector() = default;

void TargetCollector::Problem(std::string text) {
  summary_.last_error = text;
  summary_.last_error_at = now_;
  summary_.problems.push_back(std::move(text));
}

void TargetCollector::Error(std::string_view file, std::string_view reason, std::string text) {
  errors_.push_back({file, reason});
  ++summary_.errors_total;
  Problem(std::move(text));
}

void TargetCollector::Lose(std::string why) {
  files_.reset();
  current_.reset();
  prev_cpu_ticks_.reset();
  fd_denied_ = false;
  listed_fds_.reset();
  summary_.found_by.clear();
  Problem(std::move(why));
}

void TargetCollector::Sample(WallTime now, MonoTime mono_now, LocateContext& ctx) {
  now_ = now;
  errors_.clear();
  summary_.problems.clear();
  summary_.up = false;
  summary_.pid.reset();
  summary_.start_time.reset();
  summary_.uptime_seconds.reset();
  summary_.cpu_ratio.reset();
  summary_.resident_memory_bytes.reset();
  summary_.swap_bytes.reset();
  summary_.threads.reset();
  summary_.open_fds.reset();
  summary_.fd_soft_limit.reset();
  summary_.fd_limit_unlimited = false;
  summary_.fd_limit_ratio.reset();

  PidStat st;
  bool have = files_ != nullptr && Follow(&st);
  if (!have) have = Discover(ctx, &st);
  if (!have) return;
  ReadFigures(st, now, mono_now, ctx);
}

bool TargetCollector::Follow(PidStat* st) {
  const std::string pid = std::to_string(current_->pid);
  std::string_view text;
  int err = files_->stat.Read(&text);
  if (err != 0) {
    if (IsGoneError(err)) {
      Lose("process " + pid + " exited");
    } else {
      Error("stat", ReasonOf(err), files_->stat.Describe(err));
      Lose("process " + pid + " can no longer be followed");
    }
    return false;
  }
  auto parsed = ParsePidStat(text);
  if (!parsed.ok()) {
    Error("stat", "parse", files_->stat.path() + ": " + parsed.error().message());
    Lose("process " + pid + " can no longer be followed");
    return false;
  }
  if (parsed->pid != current_->pid || parsed->start_ticks != current_->start_ticks) {
    Lose("process " + pid + " exited (the pid now belongs to a newer process)");
    return false;
  }
  if (IsDeadState(parsed->state)) {
    Lose("process " + pid + " exited (zombie)");
    return false;
  }
  *st = *parsed;
  return true;
}

bool TargetCollector::Discover(LocateContext& ctx, PidStat* st) {
  Located loc = Locate(spec_, ctx);
  if (loc.pidfile_error) {
    errors_.push_back({"pidfile", "io"});
    ++summary_.errors_total;
  }
  for (std::string& p : loc.problems) Problem(std::move(p));
  if (!loc.process) return false;

  const pid_t pid = loc.process->pid;
  auto files = std::make_unique<Files>(root_, pid);
  std::string_view text;
  // Re-read through the descriptor that will be kept, and check it is still the process that
  // discovery chose: from here on, the kept descriptor pins it.
  bool same = false;
  if (files->stat.Read(&text) == 0) {
    auto parsed = ParsePidStat(text);
    if (parsed.ok() && parsed->start_ticks == loc.process->start_ticks &&
        !IsDeadState(parsed->state)) {
      *st = *parsed;
      same = true;
    }
  }
  if (!same) {
    Problem("process " + std::to_string(pid) + " exited during discovery");
    return false;
  }
  Identity id{pid, st->start_ticks};
  if (last_seen_ && *last_seen_ != id) ++summary_.restarts;
  last_seen_ = id;
  current_ = id;
  files_ = std::move(files);
  prev_cpu_ticks_.reset();
  fd_denied_ = false;
  listed_fds_.reset();
  summary_.found_by = loc.found_by;
  return true;
}

bool TargetCollector::VanishedMidSample() {
  std::string_view text;
  int err = files_->stat.Read(&text);
  if (err != 0) return IsGoneError(err);
  auto parsed = ParsePidStat(text);
  return parsed.ok() &&
         (parsed->start_ticks != current_->start_ticks || IsDeadState(parsed->state));
}

void TargetCollector::ReadFigures(const PidStat& st, WallTime now, MonoTime mono_now,
                                  const LocateContext& ctx) {
  const pid_t pid = current_->pid;
  // CPU: a ratio needs two samples of the same process; the running total starts from the
  // process's own counter the first time it is seen.
  const uint64_t ticks = st.utime_ticks + st.stime_ticks;
  if (prev_cpu_ticks_) {
    double elapsed = std::chrono::duration<double>(mono_now - prev_mono_).count();
    summary_.cpu_ratio = ProcessCpuRatio(*prev_cpu_ticks_, ticks, ticks_per_second_, elapsed);
    if (ticks >= *prev_cpu_ticks_) {
      summary_.cpu_seconds_total +=
          static_cast<double>(ticks - *prev_cpu_ticks_) / ticks_per_second_;
    }
  } else {
    summary_.cpu_seconds_total += static_cast<double>(ticks) / ticks_per_second_;
  }
  prev_cpu_ticks_ = ticks;
  prev_mono_ = mono_now;
  summary_.threads = st.num_threads;
  if (ctx.boot_time_seconds) {
    double start_s = static_cast<double>(*ctx.boot_time_seconds) +
                     static_cast<double>(st.start_ticks) / ticks_per_second_;
    auto start = WallTime(
        std::chrono::duration_cast<WallTime::duration>(std::chrono::duration<double>(start_s)));
    summary_.start_time = start;
    summary_.uptime_seconds = std::max(0.0, std::chrono::duration<double>(now - start).count());
  }

  // Any per-process file failing with ENOENT/ESRCH may mean the process exited between two
  // reads of this sample; the kept stat descriptor tells which.
  auto vanished = [&](int err) {
    if (!IsGoneError(err) || !VanishedMidSample()) return false;
    Lose("process " + std::to_string(pid) + " exited during the sample");
    summary_.pid.reset();
    summary_.start_time.reset();
    summary_.uptime_seconds.reset();
    summary_.cpu_ratio.reset();
    summary_.threads.reset();
    summary_.resident_memory_bytes.reset();
    summary_.swap_bytes.reset();
    summary_.fd_soft_limit.reset();
    summary_.open_fds.reset();
    return true;
  };

  std::string_view text;
  if (int err = files_->status.Read(&text); err != 0) {
    if (vanished(err)) return;
    Error("status", ReasonOf(err), files_->status.Describe(err));
  } else if (auto s = ParsePidStatus(text); !s.ok()) {
    Error("status", "parse", files_->status.path() + ": " + s.error().message());
  } else {
    summary_.resident_memory_bytes = s->vm_rss;
    summary_.swap_bytes = s->vm_swap;
  }

  if (int err = files_->limits.Read(&text); err != 0) {
    if (vanished(err)) return;
    Error("limits", ReasonOf(err), files_->limits.Describe(err));
  } else if (auto l = ParseOpenFilesLimit(text); !l.ok()) {
    Error("limits", "parse", files_->limits.path() + ": " + l.error().message());
  } else {
    summary_.fd_soft_limit = l->soft;
    summary_.fd_limit_unlimited = !l->soft.has_value();
  }

  if (fd_denied_) {
    // Permission does not change for the same process: say so every sample, count it once.
    Problem(fd_denied_text_);
  } else if (listed_fds_ && mono_now - listed_at_ < fd_listing_interval_) {
    // Listing a JVM's thousand descriptors costs the kernel ~170 us, ten times a whole sample;
    // the count moves slowly, so a listed count is reused for a while (kernels before 6.2).
    summary_.open_fds = listed_fds_;
  } else {
    uint64_t fds = 0;
    bool listed = false;
    if (int err = files_->fd.Count(&fds, &listed); err != 0) {
      if (vanished(err)) return;
      std::string text_err = "open fds unavailable: " + files_->fd.Describe(err);
      if (err == EACCES || err == EPERM) {
        fd_denied_ = true;
        fd_denied_text_ = text_err;
      }
      Error("fd", ReasonOf(err), std::move(text_err));
    } else {
      summary_.open_fds = fds;
      if (listed) {
        listed_fds_ = fds;
        listed_at_ = mono_now;
      } else {
        listed_fds_.reset();
      }
    }
  }
  if (summary_.open_fds && summary_.fd_soft_limit && *summary_.fd_soft_limit > 0) {
    summary_.fd_limit_ratio =
        static_cast<double>(*summary_.open_fds) / static_cast<double>(*summary_.fd_soft_limit);
  }
  summary_.up = true;
  summary_.pid = pid;
}

}  // namespace cg::proc
