// Finding a target process: by pidfile, by an RE2 pattern over the command line, or both.
//
// Discovery runs only while a target is not known; once found, the process is followed through
// its kept /proc/PID/stat descriptor and the pattern is not re-run (see Sampler). Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "collectors/proc/proc_file.h"

namespace re2 {
class RE2;
}

namespace cg::proc {

// A process as discovery sees it.
struct Candidate {
  pid_t pid = 0;
  pid_t ppid = 0;
  uint64_t start_ticks = 0;  // /proc/PID/stat field 22: USER_HZ ticks after boot.
};

// The documented tie-break for several matching processes: drop every match that descends
// (through any chain of parents) from another match, then pick the oldest (smallest start time,
// then smallest pid). A JVM's helper children and a wrapper's re-exec'd child lose to the
// process that started them. `parent_of` returns a pid's parent, nullopt when unknown.
std::optional<Candidate> PickTarget(const std::vector<Candidate>& matches,
                                    const std::function<std::optional<pid_t>(pid_t)>& parent_of);

// An RE2 pattern over the command line. The kernel separates arguments with NUL bytes and ends
// the last one with a NUL; the final NUL is dropped before matching, so `$` anchors at the end
// of the last argument and `\x00` matches an argument boundary. Unanchored (partial) match.
class CmdlineMatcher {
 public:
  static Result<std::unique_ptr<CmdlineMatcher>> Create(std::string_view pattern);
  ~CmdlineMatcher();
  bool Matches(std::string_view cmdline) const;

 private:
  explicit CmdlineMatcher(std::unique_ptr<re2::RE2> re);
  std::unique_ptr<re2::RE2> re_;
};

// One pass over the process table, shared by every target that needs a cmdline search in the
// same sample. Command lines and stat lines are read lazily, at most once per pid per scan.
class ProcessScan {
 public:
  struct Entry {
    pid_t pid;
    std::string cmdline;  // Raw, NUL-separated; empty for kernel threads and zombies.
  };
  // `root` is not owned and must outlive the scan. `exclude_pid` (0 = none) is skipped.
  ProcessScan(const ProcRoot* root, pid_t exclude_pid) : root_(root), exclude_pid_(exclude_pid) {}

  // Every process with a non-empty command line. Processes that vanish or deny access while
  // being read are skipped (counted in skipped()).
  const std::vector<Entry>& Processes();
  // ppid/start time of `pid`; nullopt when gone, unreadable or a zombie.
  std::optional<Candidate> Stat(pid_t pid);

  bool listed() const { return listed_; }  // Processes() was called: a scan happened.
  uint64_t skipped() const { return skipped_; }
  int list_error() const { return list_error_; }  // errno of listing the root, 0 = fine.

 private:
  const ProcRoot* root_;
  pid_t exclude_pid_;
  bool listed_ = false;
  std::vector<Entry> processes_;
  std::unordered_map<pid_t, std::optional<Candidate>> stats_;
  uint64_t skipped_ = 0;
  int list_error_ = 0;
};

// Result of one discovery attempt.
struct Located {
  std::optional<Candidate> process;
  std::string found_by;  // "pidfile" or "cmdline" when found.
  // Why the pidfile was not used, or why nothing was found ("" when found by pidfile).
  std::vector<std::string> problems;
  bool pidfile_error = false;  // The pidfile existed but could not be read or parsed.
};

// What a target is found by (TargetSpec minus the name, with the compiled pattern).
struct LocatorSpec {
  std::filesystem::path pidfile;            // Empty = none.
  const CmdlineMatcher* matcher = nullptr;  // Null = none. Not owned.
};

// Context shared by the discovery of every target in one sample.
struct LocateContext {
  const ProcRoot* root = nullptr;
  ProcessScan* scan = nullptr;  // Created by the caller; only touched when a search is needed.
  std::optional<uint64_t> boot_time_seconds;  // From /proc/stat, for the stale-pidfile check.
  double ticks_per_second = 100;
  // A pidfile names a reused pid when its process started this long after the pidfile was
  // last written (WSO2's start script writes the pidfile right after starting the JVM).
  std::chrono::seconds pidfile_slack{600};
  pid_t self_pid = 0;  // Never chosen by pidfile either (0 = no exclusion).
};

// Pidfile first: its pid is used when the process is alive, not a zombie, matches the pattern
// (if any) and did not start long after the pidfile was written (pid reuse). Otherwise, with a
// pattern, the process table is searched and PickTarget() breaks ties.
Located Locate(const LocatorSpec& spec, LocateContext& ctx);

}  // namespace cg::proc
