#include "collectors/proc/process_parse.h"

#include <string>

#include "collectors/proc/text.h"

namespace cg::proc {
namespace {

// pid_max can be raised to 2^22 (PID_MAX_LIMIT on 64-bit); anything larger is not a pid.
constexpr uint64_t kPidMaxLimit = 4'194'304;

Status Malformed(std::string_view file, std::string_view what, std::string_view token) {
  return Status::Error(std::string(file) + ": " + std::string(what) + ", got " + QuoteToken(token));
}

bool ParsePid(std::string_view s, pid_t* out) {
  uint64_t v = 0;
  if (!ParseU64(s, &v) || v > kPidMaxLimit) return false;
  *out = static_cast<pid_t>(v);
  return true;
}

}  // namespace

bool IsDeadState(char state) { return state == 'Z' || state == 'X' || state == 'x'; }

Result<PidStat> ParsePidStat(std::string_view text) {
  PidStat out;
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return Malformed("pid stat", "expected \"PID (comm) ...\"", text);
  }
  if (!ParsePid(Trim(text.substr(0, open)), &out.pid)) {
    return Malformed("pid stat", "expected a pid before the command name", text.substr(0, open));
  }
  out.comm = text.substr(open + 1, close - open - 1);
  std::string_view rest = text.substr(close + 1);
  // Field numbers as in proc(5): 3 = state, right after the command name.
  size_t field = 3;
  bool have_rss = false;
  for (std::string_view tok = NextToken(&rest); !tok.empty() && !have_rss;
       tok = NextToken(&rest), ++field) {
    tok = Trim(tok);
    bool ok = true;
    switch (field) {
      case 3:
        ok = tok.size() == 1;
        out.state = tok.empty() ? '?' : tok[0];
        break;
      case 4:
        ok = ParsePid(tok, &out.ppid);
        break;
      case 14:
        ok = ParseU64(tok, &out.utime_ticks);
        break;
      case 15:
        ok = ParseU64(tok, &out.stime_ticks);
        break;
      case 20:
        ok = ParseU64(tok, &out.num_threads);
        break;
      case 22:
        ok = ParseU64(tok, &out.start_ticks);
        break;
      case 24:
        ok = ParseU64(tok, &out.rss_pages);
        have_rss = true;
        break;
      default:
        break;
    }
    if (!ok) {
      return Malformed("pid stat", "unexpected value in field " + std::to_string(field), tok);
    }
  }
  if (!have_rss) return Status::Error("pid stat: truncated (fewer than 24 fields)");
  return out;
}

Result<PidStatus> ParsePidStatus(std::string_view text) {
  PidStatus out;
  std::string_view line;
  while (NextLine(&text, &line)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::optional<uint64_t>* slot =
        key == "VmRSS"                        ? &out.vm_rss
        : key == "VmSwap"                     ? &out.vm_swap
        : key == "Threads"                    ? &out.threads
        : key == "voluntary_ctxt_switches"    ? &out.voluntary_ctxt_switches
        : key == "nonvoluntary_ctxt_switches" ? &out.nonvoluntary_ctxt_switches
                                              : nullptr;
    if (slot == nullptr) continue;
    uint64_t v = 0;
    std::string_view what, bad;
    if (!ParseKbValue(line.substr(colon + 1), &v, &what, &bad)) {
      return Malformed("pid status", std::string(what) + " for " + std::string(key), bad);
    }
    *slot = v;
  }
  return out;
}

Result<OpenFilesLimit> ParseOpenFilesLimit(std::string_view text) {
  std::string_view line;
  while (NextLine(&text, &line)) {
    if (!line.starts_with("Max open files ")) continue;
    // Columns: "Max open files", soft, hard, units. The name has spaces, so skip it by length.
    std::string_view rest = line.substr(std::string_view("Max open files").size());
    OpenFilesLimit out;
    std::optional<uint64_t>* slots[] = {&out.soft, &out.hard};
    for (auto* slot : slots) {
      std::string_view tok = NextToken(&rest);
      uint64_t v = 0;
      if (tok == "unlimited") {
        slot->reset();
      } else if (ParseU64(tok, &v)) {
        *slot = v;
      } else {
        return Malformed("pid limits", "expected a number or unlimited for Max open files", tok);
      }
    }
    return out;
  }
  return Status::Error("pid limits: no \"Max open files\" row");
}

Result<pid_t> ParsePidfile(std::string_view text) {
  std::string_view t = Trim(text);
  pid_t pid = 0;
  if (!ParsePid(t, &pid) || pid <= 0) return Malformed("pidfile", "expected a pid", t);
  return pid;
}

}  // namespace cg::proc
