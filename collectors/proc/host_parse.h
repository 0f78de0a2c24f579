// Parsers for the host-wide /proc files. Each takes the file's text (read elsewhere) and returns
// a plain value or an error naming the file and line. Pure functions, thread-safe.
//
// Units: CPU times in USER_HZ clock ticks exactly as the kernel prints them; memory in bytes
// (the kernel's "kB" is KiB); pressure averages as ratios 0..1 (the kernel prints percent);
// pressure totals in microseconds.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cg::proc {

// The CPU modes cutover-guard reports. guest and guest_nice are not separate modes: the kernel
// already counts them inside user and nice, so adding them would count guest time twice.
enum CpuMode : size_t {
  kUser,
  kNice,
  kSystem,
  kIdle,
  kIowait,
  kIrq,
  kSoftirq,
  kSteal,
  kCpuModeCount,
};
inline constexpr std::array<std::string_view, kCpuModeCount> kCpuModeNames = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};

// One "cpu" or "cpuN" line of /proc/stat. Fields missing on old kernels (steal < 2.6.11) are 0.
using CpuTicks = std::array<uint64_t, kCpuModeCount>;

struct CoreTicks {
  uint32_t id = 0;  // N of "cpuN".
  CpuTicks ticks{};
};

// /proc/stat.
struct ProcStat {
  std::optional<CpuTicks> total;   // The aggregate "cpu" line.
  std::vector<CoreTicks> cores;    // Online cores, sorted by id (offline cores have no line).
  uint64_t boot_time_seconds = 0;  // "btime": the boot instant, seconds since the epoch.
  std::optional<uint64_t> procs_running;
  std::optional<uint64_t> procs_blocked;
};
// Needs at least one cpu line and btime; other lines (intr, ctxt, softirq, ...) are skipped
// without being tokenized, which is most of the file on large hosts.
Result<ProcStat> ParseProcStat(std::string_view text);

// /proc/meminfo, in bytes. Keys the kernel does not print stay nullopt.
struct MemInfo {
  std::optional<uint64_t> total;       // MemTotal
  std::optional<uint64_t> free;        // MemFree
  std::optional<uint64_t> available;   // MemAvailable (Linux >= 3.14)
  std::optional<uint64_t> buffers;     // Buffers
  std::optional<uint64_t> cached;      // Cached
  std::optional<uint64_t> swap_total;  // SwapTotal
  std::optional<uint64_t> swap_free;   // SwapFree
};
// Needs MemTotal. A known key with a malformed value is an error; unknown keys are ignored.
Result<MemInfo> ParseMeminfo(std::string_view text);

// /proc/loadavg: "0.52 0.58 0.59 2/1283 4567".
struct LoadAvg {
  double load1 = 0, load5 = 0, load15 = 0;
  uint64_t runnable = 0;   // Currently runnable scheduling entities.
  uint64_t processes = 0;  // Existing scheduling entities (threads).
};
Result<LoadAvg> ParseLoadavg(std::string_view text);

// One line of a /proc/pressure/* file.
struct PressureLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;  // Ratios 0..1 of wall time with tasks stalled.
  uint64_t total_us = 0;                    // Cumulative stall time, microseconds.
};
// /proc/pressure/{cpu,memory,io}. "full" is absent for cpu before Linux 5.13.
struct Pressure {
  PressureLine some;
  std::optional<PressureLine> full;
};
Result<Pressure> ParsePressure(std::string_view text);

// /proc/sys/fs/file-nr: "allocated unused max" (unused has been 0 since Linux 2.6).
struct FileNr {
  uint64_t allocated = 0;
  uint64_t unused = 0;
  uint64_t max = 0;
};
Result<FileNr> ParseFileNr(std::string_view text);

}  // namespace cg::proc
