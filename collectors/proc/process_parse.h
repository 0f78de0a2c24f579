// Parsers for per-process /proc files and for pidfiles. Each takes the file's text and returns a
// plain value or an error naming the file. Pure functions, thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace cg::proc {

// /proc/PID/stat (see proc(5)). Only the fields cutover-guard uses.
struct PidStat {
  pid_t pid = 0;
  std::string_view comm;  // Points into the parsed text; may contain spaces and ')'.
  char state = '?';       // R, S, D, Z, X, ...
  pid_t ppid = 0;
  uint64_t utime_ticks = 0;  // USER_HZ clock ticks.
  uint64_t stime_ticks = 0;
  uint64_t num_threads = 0;
  uint64_t start_ticks = 0;  // Start time after boot, USER_HZ clock ticks.
  uint64_t rss_pages = 0;
};
// The command name sits between the first '(' and the LAST ')': a comm may itself contain ") "
// (a process can name itself anything up to 15 bytes), so everything after the last ')' is
// parsed positionally.
Result<PidStat> ParsePidStat(std::string_view text);

// True for states in which a pid no longer runs code: zombie (Z) and dead (X, x).
bool IsDeadState(char state);

// /proc/PID/status, in bytes. Kernel threads and zombies have no Vm* lines (nullopt).
struct PidStatus {
  std::optional<uint64_t> vm_rss;   // VmRSS
  std::optional<uint64_t> vm_swap;  // VmSwap
  std::optional<uint64_t> threads;  // Threads
  std::optional<uint64_t> voluntary_ctxt_switches;
  std::optional<uint64_t> nonvoluntary_ctxt_switches;
};
Result<PidStatus> ParsePidStatus(std::string_view text);

// The "Max open files" row of /proc/PID/limits. nullopt = "unlimited".
struct OpenFilesLimit {
  std::optional<uint64_t> soft;
  std::optional<uint64_t> hard;
};
Result<OpenFilesLimit> ParseOpenFilesLimit(std::string_view text);

// A pidfile: one positive decimal pid, optionally surrounded by whitespace/newlines.
Result<pid_t> ParsePidfile(std::string_view text);

}  // namespace cg::proc
