#include "collectors/proc/discovery.h"

#include <fcntl.h>
#include <re2/re2.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "collectors/proc/process_parse.h"

namespace cg::proc {
namespace {

// Deep enough for any real process tree; bounds the walk if parent links ever form a loop in a
// corrupt fixture.
constexpr int kMaxAncestry = 64;

std::string PidPath(pid_t pid, const char* file) { return std::to_string(pid) + "/" + file; }

}  // namespace

std::optional<Candidate> PickTarget(const std::vector<Candidate>& matches,
                                    const std::function<std::optional<pid_t>(pid_t)>& parent_of) {
  std::unordered_set<pid_t> matched;
  for (const Candidate& c : matches) matched.insert(c.pid);
  std::optional<Candidate> best;
  for (const Candidate& c : matches) {
    bool descends = false;
    std::optional<pid_t> p = c.ppid;
    for (int depth = 0; depth < kMaxAncestry && p && *p > 0 && *p != c.pid; ++depth) {
      if (matched.count(*p)) {
        descends = true;
        break;
      }
      p = parent_of(*p);
    }
    if (descends) continue;
    if (!best || c.start_ticks < best->start_ticks ||
        (c.start_ticks == best->start_ticks && c.pid < best->pid)) {
      best = c;
    }
  }
  return best;
}

CmdlineMatcher::CmdlineMatcher(std::unique_ptr<re2::RE2> re) : re_(std::move(re)) {}
CmdlineMatcher::~CmdlineMatcher() = default;

Result<std::unique_ptr<CmdlineMatcher>> CmdlineMatcher::Create(std::string_view pattern) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (!re->ok()) {
    return Status::Error("cmdline pattern \"" + std::string(pattern) + "\": " + re->error());
  }
  return std::unique_ptr<CmdlineMatcher>(new CmdlineMatcher(std::move(re)));
}

bool CmdlineMatcher::Matches(std::string_view cmdline) const {
  if (!cmdline.empty() && cmdline.back() == '\0') cmdline.remove_suffix(1);
  return re2::RE2::PartialMatch(re2::StringPiece(cmdline.data(), cmdline.size()), *re_);
}

const std::vector<ProcessScan::Entry>& ProcessScan::Processes() {
  if (listed_) return processes_;
  listed_ = true;
  std::vector<pid_t> pids;
  list_error_ = root_->ListPids(&pids);
  std::string cmdline;
  for (pid_t pid : pids) {
    if (pid == exclude_pid_) continue;
    int err = ReadFileAt(root_->fd(), PidPath(pid, "cmdline").c_str(), &cmdline);
    if (err != 0) {
      ++skipped_;  // Exited since the listing, or hidden from us: not a candidate either way.
      continue;
    }
    if (cmdline.empty()) continue;  // Kernel thread or zombie.
    processes_.push_back({pid, cmdline});
  }
  return processes_;
}

std::optional<Candidate> ProcessScan::Stat(pid_t pid) {
  auto it = stats_.find(pid);
  if (it != stats_.end()) return it->second;
  std::optional<Candidate> out;
  std::string text;
  if (ReadFileAt(root_->fd(), PidPath(pid, "stat").c_str(), &text) == 0) {
    auto st = ParsePidStat(text);
    if (st.ok() && !IsDeadState(st->state)) out = Candidate{st->pid, st->ppid, st->start_ticks};
  }
  stats_.emplace(pid, out);
  return out;
}

Located Locate(const LocatorSpec& spec, LocateContext& ctx) {
  Located out;
  if (!spec.pidfile.empty()) {
    std::string text;
    std::string where = "pidfile " + spec.pidfile.string();
    int err = ReadFileAt(AT_FDCWD, spec.pidfile.c_str(), &text);
    struct stat st;
    if (err == 0 && ::stat(spec.pidfile.c_str(), &st) != 0) err = errno;
    if (err != 0) {
      out.problems.push_back(where + ": " + std::strerror(err));
      out.pidfile_error = err != ENOENT;  // A missing pidfile is how a stopped WSO2 looks.
    } else if (auto pid = ParsePidfile(text); !pid.ok()) {
      out.problems.push_back(where + ": " + pid.error().message());
      out.pidfile_error = true;
    } else if (*pid == ctx.self_pid) {
      out.problems.push_back(where + ": names cutover-guard's own pid " + std::to_string(*pid));
    } else {
      std::string p = where + " names pid " + std::to_string(*pid);
      std::string stat_text;
      std::optional<PidStat> ps;
      std::string parse_error;
      if (ReadFileAt(ctx.root->fd(), PidPath(*pid, "stat").c_str(), &stat_text) == 0) {
        auto parsed = ParsePidStat(stat_text);
        if (parsed.ok()) {
          ps = *parsed;
        } else {
          parse_error = parsed.error().message();
        }
      }
      std::string cmdline;
      if (!parse_error.empty()) {
        out.problems.push_back(p + ", whose stat cannot be read: " + parse_error);
      } else if (!ps) {
        out.problems.push_back(p + ", which is not running");
      } else if (IsDeadState(ps->state)) {
        out.problems.push_back(p + ", which has exited (zombie)");
      } else if (spec.matcher != nullptr &&
                 (ReadFileAt(ctx.root->fd(), PidPath(*pid, "cmdline").c_str(), &cmdline) != 0 ||
                  !spec.matcher->Matches(cmdline))) {
        out.problems.push_back(p + ", whose command line does not match the pattern");
      } else {
        double start = static_cast<double>(ctx.boot_time_seconds.value_or(0)) +
                       static_cast<double>(ps->start_ticks) / ctx.ticks_per_second;
        double written =
            static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
        if (ctx.boot_time_seconds &&
            start > written + static_cast<double>(ctx.pidfile_slack.count())) {
          out.problems.push_back(p + ", which started after the pidfile was written (pid reused)");
        } else {
          out.process = Candidate{ps->pid, ps->ppid, ps->start_ticks};
          out.found_by = "pidfile";
          return out;
        }
      }
    }
  }
  if (spec.matcher == nullptr) return out;

  std::vector<Candidate> matches;
  for (const ProcessScan::Entry& e : ctx.scan->Processes()) {
    if (!spec.matcher->Matches(e.cmdline)) continue;
    if (auto c = ctx.scan->Stat(e.pid)) matches.push_back(*c);
  }
  auto parent_of = [&ctx](pid_t pid) -> std::optional<pid_t> {
    auto c = ctx.scan->Stat(pid);
    return c ? std::optional<pid_t>(c->ppid) : std::nullopt;
  };
  out.process = PickTarget(matches, parent_of);
  if (out.process) {
    out.found_by = "cmdline";
  } else if (ctx.scan->list_error() != 0) {
    out.problems.push_back("listing " + ctx.root->path().string() + ": " +
                           std::strerror(ctx.scan->list_error()));
  } else {
    out.problems.push_back("no process matches the cmdline pattern");
  }
  return out;
}

}  // namespace cg::proc
