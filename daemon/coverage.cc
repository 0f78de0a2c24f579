#include "daemon/coverage.h"

#include <algorithm>

#include "base/units.h"

namespace cg {

bool CoverageTracker::Outlasts(const std::string& subject, bool has_problem, WallTime now,
                               std::optional<WallTime>* since) {
  if (!has_problem) {
    problem_since_.erase(subject);
    return false;
  }
  // A problem there from the first look has been there since the start.
  auto [it, inserted] = problem_since_.try_emplace(subject, first_look_ ? started_at_ : now);
  (void)inserted;
  *since = it->second;
  // Start-up counts as part of the problem's grace: a log that appears while WSO2 boots, or a
  // JVM that is still starting, is not a blind spot.
  const WallTime from = std::max(it->second, started_at_);
  return now - from >= grace_;
}

Coverage CoverageTracker::Update(const CoverageInput& in) {
  Coverage out;
  const WallTime now = in.now;
  const auto seconds = [](std::chrono::milliseconds d) { return FormatDuration(d); };

  for (const CoverageLogInput& l : in.logs) {
    const LogStatus& s = l.status;
    LogCoverage c;
    c.name = s.name;
    c.path = l.path;
    c.format = l.format;
    c.files = s.files_matched;
    c.lines = s.lines;
    c.recognised_lines = s.recognised_lines;
    c.records = s.records;
    const std::string subject = "log " + s.name;

    auto& arrival = arrivals_.try_emplace(s.name, Arrival{s.records, started_at_}).first->second;
    if (s.records != arrival.records) arrival = Arrival{s.records, now};
    if (s.records > 0) c.last_record_at = arrival.at;

    // Most basic first: a log that cannot be read says nothing about its layout or silence.
    std::string problem = s.problem;
    bool immediate = false;
    if (problem.empty() && s.lines >= kMinLinesToJudge && 2 * s.recognised_lines < s.lines) {
      problem = std::to_string(s.lines - s.recognised_lines) + " of " + std::to_string(s.lines) +
                " lines are not in the " + std::string(LogFormatName(l.format)) +
                " layout: the rules cannot read them (check `format`)";
      immediate = true;  // Known from the lines themselves; waiting would not change it.
    }
    if (problem.empty() && l.rules_reading && *l.rules_reading == 0 &&
        l.format != LogFormat::kTomcatAccess) {
      problem = "no loaded rule reads it (format " + std::string(LogFormatName(l.format)) +
                "): nothing written there can raise an alert (a WSO2 log in a customised "
                "layout needs `source_as`; else add a rule whose `source:` names it)";
      immediate = true;  // Known from the rule set; waiting would not change it.
    }
    if (problem.empty() && l.max_silence && now - arrival.at >= *l.max_silence) {
      problem = "no record for " +
                seconds(std::chrono::duration_cast<std::chrono::milliseconds>(now - arrival.at)) +
                " (max_silence " + seconds(*l.max_silence) + ")";
      immediate = true;  // max_silence is its own grace.
    }
    const bool blind = Outlasts(subject, !problem.empty(), now, &c.problem_since) || (immediate);
    c.problem = problem;
    c.seen = problem.empty();
    if (blind) out.blind_spots.push_back({subject, problem, c.problem_since.value_or(now)});
    out.logs.push_back(std::move(c));
  }

  for (const TargetSummary& t : in.targets) {
    TargetCoverage c;
    c.name = t.name;
    c.seen = t.up;
    const std::string subject = "target " + t.name;
    if (!t.up) {
      c.problem = "process not found";
      if (!t.problems.empty()) c.problem += ": " + t.problems.front();
    }
    if (Outlasts(subject, !t.up, now, &c.problem_since)) {
      out.blind_spots.push_back(
          {subject, c.problem + " for " + seconds(grace_) + " or more", *c.problem_since});
    }
    out.targets.push_back(std::move(c));
  }

  // /proc: meminfo is read from the first sample on; CPU ratios need two samples.
  std::string host_problem;
  if (in.host.samples_total >= 1 && !in.host.memory_total_bytes) {
    host_problem = "memory figures unavailable";
  }
  if (in.host.samples_total >= 2 && !in.host.cpu) {
    host_problem += std::string(host_problem.empty() ? "" : ", ") + "CPU figures unavailable";
  }
  if (!host_problem.empty() && !in.host.problems.empty()) {
    host_problem += " (" + in.host.problems.front() + ")";
  }
  std::optional<WallTime> host_since;
  if (Outlasts("host", !host_problem.empty(), now, &host_since)) {
    out.blind_spots.push_back({"host", "/proc cannot be read: " + host_problem, *host_since});
  }
  out.host_seen = host_problem.empty();
  out.host_problem = host_problem;

  std::map<std::string, uint64_t> per_file;
  for (const auto& f : in.rule_files) per_file[f] = 0;
  for (const auto& f : in.rule_sources) ++per_file[f];
  for (const auto& [path, n] : per_file) out.rule_files.push_back({path, n});
  out.rules = in.rule_sources.size();
  first_look_ = false;
  return out;
}

}  // namespace cg
