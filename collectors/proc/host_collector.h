// Host-wide sampling: /proc/stat, meminfo, loadavg, pressure/{cpu,memory,io}, sys/fs/file-nr.
//
// Each file is kept open and re-read with pread (see ProcFile). Read -> parse (host_parse.h) ->
// compute (cpu_usage.h) -> HostSummary. Problems never stop a sample: the affected figures
// become nullopt, the problem text goes to the summary and a ReadError is recorded for metrics.
// Not thread-safe (the daemon's event-loop thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "collectors/proc/host_parse.h"
#include "collectors/proc/proc_file.h"
#include "collectors/proc/read_error.h"
#include "collectors/proc/summary.h"

namespace cg::proc {

class HostCollector {
 public:
  // `root` is not owned and must outlive the collector. `ticks_per_second` is USER_HZ.
  HostCollector(const ProcRoot* root, double ticks_per_second);

  // Reads every host file once and updates summary().
  void Sample(WallTime now);

  const HostSummary& summary() const { return summary_; }
  // "btime" of the latest readable /proc/stat (kept across failed reads).
  std::optional<uint64_t> boot_time_seconds() const { return boot_time_seconds_; }
  // Failed reads and parses of the latest Sample().
  const std::vector<ReadError>& errors() const { return errors_; }

 private:
  struct PressureFile {
    const char* resource;
    ProcFile file;
    bool absent = false;  // The kernel has no PSI for it: never read again.
  };

  void SampleStat();
  void SampleMeminfo();
  void SampleLoadavg();
  void SamplePressure(PressureFile* p, std::optional<PressureSummary>* out);
  void SampleFileNr();
  // Reads `file`; on failure records the problem and returns false.
  bool ReadOrReport(ProcFile* file, std::string_view label, std::string_view* text);
  void ReportParse(std::string_view label, const Status& error);

  double ticks_per_second_;
  ProcFile stat_, meminfo_, loadavg_, file_nr_;
  PressureFile pressure_[3];
  std::optional<ProcStat> prev_stat_;
  std::optional<uint64_t> boot_time_seconds_;
  HostSummary summary_;
  std::vector<ReadError> errors_;
  WallTime now_{};
};

}  // namespace cg::proc
