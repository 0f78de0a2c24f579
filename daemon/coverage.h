// Coverage: what the daemon sees and what it does not, and the blind spots that make the
// recommendation `unknown` (rules/recommendation.h) when no alert decides it.
//
// A blind spot, per subject:
//   rules          no rule is loaded (the engine itself adds this one);
//   log NAME       its directory cannot be listed, no file matches its path, or a matching
//                  file cannot be opened or read, for `coverage.grace` (counted from the
//                  daemon's start at the earliest, so a log that appears during start-up is
//                  not a blind spot); or at least kMinLinesToJudge lines were read and more
//                  than half of them are not in records of its layout (wrong `format`); or,
//                  with `max_silence`, no record for that long;
//   target NAME    the process is not found for `coverage.grace`;
//   host           /proc (meminfo, stat) cannot be read for `coverage.grace`.
//
// CoverageTracker keeps when each problem started; Update() is a pure function of its inputs
// and that memory, so tests drive it with any clock. Not thread-safe (the event loop owns it);
// the Coverage it returns is a plain value.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/logs/log_spec.h"
#include "collectors/proc/summary.h"
#include "rules/recommendation.h"

namespace cg {

// A log's lines must reach this count before a wrong layout is concluded from them.
inline constexpr uint64_t kMinLinesToJudge = 10;

struct CoverageLogInput {
  std::string path;  // As configured (file or glob).
  LogFormat format = LogFormat::kWso2Carbon;
  std::optional<std::chrono::milliseconds> max_silence;
  LogStatus status;
  // Loaded rules that read this log (or count it as traffic); nullopt: not known. A log no
  // rule reads is a blind spot at once (a customised carbon layout without `source_as`, a
  // rule pack whose `source:` lists do not name the log): nothing written there can raise
  // an alert. Access logs are exempt: their records are the traffic figure and coverage.
  std::optional<uint64_t> rules_reading;
};

struct CoverageInput {
  WallTime now{};
  std::vector<CoverageLogInput> logs;
  HostSummary host;
  std::vector<TargetSummary> targets;
  // Rule files configured (after glob expansion), and the source file of each loaded rule.
  std::vector<std::string> rule_files;
  std::vector<std::string> rule_sources;
};

struct LogCoverage {
  std::string name, path;
  LogFormat format = LogFormat::kWso2Carbon;
  bool seen = false;  // Being read, in its layout, and not silent beyond max_silence.
  std::string problem;
  std::optional<WallTime> problem_since;
  uint64_t files = 0;  // Files matched at the last scan.
  uint64_t lines = 0, recognised_lines = 0, records = 0;
  std::optional<WallTime> last_record_at;  // Wall time a record last arrived (this run).
};

struct TargetCoverage {
  std::string name;
  bool seen = false;  // The process is found.
  std::string problem;
  std::optional<WallTime> problem_since;
};

struct RuleFileCoverage {
  std::string path;
  uint64_t rules = 0;  // Rules loaded from it (0: the file holds none that apply).
};

struct Coverage {
  std::vector<LogCoverage> logs;
  std::vector<TargetCoverage> targets;
  std::vector<RuleFileCoverage> rule_files;
  uint64_t rules = 0;
  bool host_seen = true;
  std::string host_problem;
  std::vector<BlindSpot> blind_spots;  // Everything above that is not seen beyond its grace.
};

class CoverageTracker {
 public:
  CoverageTracker(std::chrono::milliseconds grace, WallTime started_at)
      : grace_(grace), started_at_(started_at) {}

  Coverage Update(const CoverageInput& in);

 private:
  // Records when `subject`'s current problem started (now, the first time it is seen; the
  // daemon's start if it is there from the first look) and whether it outlasted the grace.
  bool Outlasts(const std::string& subject, bool has_problem, WallTime now,
                std::optional<WallTime>* since);

  std::chrono::milliseconds grace_;
  WallTime started_at_;
  bool first_look_ = true;
  std::map<std::string, WallTime> problem_since_;
  struct Arrival {
    uint64_t records = 0;
    WallTime at{};
  };
  std::map<std::string, Arrival> arrivals_;  // Per log: record count and when it last grew.
};

}  // namespace cg
