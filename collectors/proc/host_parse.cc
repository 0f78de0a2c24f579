#include "collectors/proc/host_parse.h"

#include <algorithm>
#include <string>

#include "collectors/proc/text.h"

namespace cg::proc {
namespace {

Status Malformed(std::string_view file, size_t line_no, std::string_view what,
                 std::string_view token) {
  return Status::Error(
      ParseErrorAt(file, line_no, std::string(what) + ", got " + QuoteToken(token)));
}

// Parses the numbers after "cpu"/"cpuN". At least user, nice, system and idle must be present
// (every 2.6+ kernel prints them); later fields are optional and default to 0.
bool ParseCpuFields(std::string_view rest, CpuTicks* ticks, std::string_view* bad) {
  ticks->fill(0);
  size_t n = 0;
  for (std::string_view tok = NextToken(&rest); !tok.empty(); tok = NextToken(&rest), ++n) {
    uint64_t v = 0;
    if (!ParseU64(tok, &v)) {
      *bad = tok;
      return false;
    }
    if (n < kCpuModeCount) (*ticks)[n] = v;  // guest, guest_nice: already inside user/nice.
  }
  if (n < 4) {
    *bad = "";
    return false;
  }
  return true;
}

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text) {
  ProcStat out;
  bool have_btime = false;
  std::string_view line;
  size_t line_no = 0;
  while (NextLine(&text, &line)) {
    ++line_no;
    if (line.starts_with("cpu")) {
      std::string_view rest = line;
      std::string_view key = NextToken(&rest);
      CpuTicks ticks;
      std::string_view bad;
      if (!ParseCpuFields(rest, &ticks, &bad)) {
        return Malformed("stat", line_no,
                         "expected at least 4 tick counts after " + std::string(key), bad);
      }
      if (key == "cpu") {
        out.total = ticks;
      } else {
        uint64_t id = 0;
        if (!ParseU64(key.substr(3), &id) || id > UINT32_MAX) {
          return Malformed("stat", line_no, "expected cpuN", key);
        }
        out.cores.push_back({static_cast<uint32_t>(id), ticks});
      }
    } else if (line.starts_with("btime ") || line.starts_with("procs_")) {
      std::string_view rest = line;
      std::string_view key = NextToken(&rest);
      std::string_view value = NextToken(&rest);
      uint64_t v = 0;
      if (!ParseU64(value, &v)) {
        return Malformed("stat", line_no, "expected a number after " + std::string(key), value);
      }
      if (key == "btime") {
        out.boot_time_seconds = v;
        have_btime = true;
      } else if (key == "procs_running") {
        out.procs_running = v;
      } else if (key == "procs_blocked") {
        out.procs_blocked = v;
      }
    }
  }
  if (!out.total && out.cores.empty()) return Status::Error("stat: no cpu lines");
  if (!have_btime) return Status::Error("stat: no btime line");
  // The kernel prints cores in id order; sort anyway so lookups can binary-search.
  std::sort(out.cores.begin(), out.cores.end(),
            [](const CoreTicks& a, const CoreTicks& b) { return a.id < b.id; });
  for (size_t i = 1; i < out.cores.size(); ++i) {
    if (out.cores[i].id == out.cores[i - 1].id) {
      return Status::Error("stat: cpu" + std::to_string(out.cores[i].id) + " appears twice");
    }
  }
  return out;
}

Result<MemInfo> ParseMeminfo(std::string_view text) {
  MemInfo out;
  std::string_view line;
  size_t line_no = 0;
  while (NextLine(&text, &line)) {
    ++line_no;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::optional<uint64_t>* slot = key == "MemTotal"       ? &out.total
                                    : key == "MemFree"      ? &out.free
                                    : key == "MemAvailable" ? &out.available
                                    : key == "Buffers"      ? &out.buffers
                                    : key == "Cached"       ? &out.cached
                                    : key == "SwapTotal"    ? &out.swap_total
                                    : key == "SwapFree"     ? &out.swap_free
                                                            : nullptr;
    if (slot == nullptr) continue;
    uint64_t v = 0;
    std::string_view what, bad;
    if (!ParseKbValue(line.substr(colon + 1), &v, &what, &bad)) {
      return Malformed("meminfo", line_no, std::string(what) + " for " + std::string(key), bad);
    }
    *slot = v;
  }
  if (!out.total) return Status::Error("meminfo: no MemTotal line");
  return out;
}

Result<LoadAvg> ParseLoadavg(std::string_view text) {
  std::string_view rest = text;
  LoadAvg out;
  double* loads[] = {&out.load1, &out.load5, &out.load15};
  for (double* d : loads) {
    std::string_view tok = NextToken(&rest);
    if (!ParseDouble(Trim(tok), d)) return Malformed("loadavg", 1, "expected a load average", tok);
  }
  std::string_view procs = Trim(NextToken(&rest));
  size_t slash = procs.find('/');
  if (slash == std::string_view::npos || !ParseU64(procs.substr(0, slash), &out.runnable) ||
      !ParseU64(procs.substr(slash + 1), &out.processes)) {
    return Malformed("loadavg", 1, "expected runnable/total", procs);
  }
  return out;
}

Result<Pressure> ParsePressure(std::string_view text) {
  Pressure out;
  bool have_some = false;
  std::string_view line;
  size_t line_no = 0;
  while (NextLine(&text, &line)) {
    ++line_no;
    std::string_view rest = line;
    std::string_view kind = NextToken(&rest);
    if (kind.empty()) continue;
    PressureLine p;
    int seen = 0;
    for (std::string_view kv = NextToken(&rest); !kv.empty(); kv = NextToken(&rest)) {
      size_t eq = kv.find('=');
      std::string_view key = kv.substr(0, eq == std::string_view::npos ? 0 : eq);
      std::string_view value = eq == std::string_view::npos ? kv : kv.substr(eq + 1);
      bool ok = true;
      if (key == "avg10" || key == "avg60" || key == "avg300") {
        double pct = 0;
        ok = ParseDouble(value, &pct);
        double& slot = key == "avg10" ? p.avg10 : key == "avg60" ? p.avg60 : p.avg300;
        slot = pct / 100.0;
        ++seen;
      } else if (key == "total") {
        ok = ParseU64(value, &p.total_us);
        ++seen;
      }
      if (!ok) return Malformed("pressure", line_no, "expected a number", kv);
    }
    if (seen != 4) {
      return Status::Error(
          ParseErrorAt("pressure", line_no, "expected avg10=, avg60=, avg300= and total="));
    }
    if (kind == "some") {
      out.some = p;
      have_some = true;
    } else if (kind == "full") {
      out.full = p;
    } else {
      return Malformed("pressure", line_no, "expected some or full", kind);
    }
  }
  if (!have_some) return Status::Error("pressure: no \"some\" line");
  return out;
}

Result<FileNr> ParseFileNr(std::string_view text) {
  std::string_view rest = text;
  FileNr out;
  uint64_t* fields[] = {&out.allocated, &out.unused, &out.max};
  for (uint64_t* f : fields) {
    std::string_view tok = Trim(NextToken(&rest));
    if (!ParseU64(tok, f)) return Malformed("file-nr", 1, "expected three numbers", tok);
  }
  return out;
}

}  // namespace cg::proc
