#include "daemon/status_json.h"

#include "base/units.h"

namespace cg {
namespace {

using nlohmann::json;

template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
json Time(const std::optional<WallTime>& t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

json ToJson(const CpuUtilisation& c) {
  return {{"busy", c.busy},     {"user", c.user},       {"nice", c.nice},
          {"system", c.system}, {"idle", c.idle},       {"iowait", c.iowait},
          {"irq", c.irq},       {"softirq", c.softirq}, {"steal", c.steal}};
}

json ToJson(const std::optional<PressureSummary>& p) {
  if (!p) return nullptr;
  return {{"some_avg10", p->some_avg10},        {"some_avg60", p->some_avg60},
          {"some_avg300", p->some_avg300},      {"some_total_seconds", p->some_total_seconds},
          {"full_avg10", Opt(p->full_avg10)},   {"full_avg60", Opt(p->full_avg60)},
          {"full_avg300", Opt(p->full_avg300)}, {"full_total_seconds", Opt(p->full_total_seconds)}};
}

}  // namespace

json ToJson(const HostSummary& h) {
  json cores = json::array();
  for (const auto& c : h.cores) cores.push_back({{"cpu", c.cpu}, {"busy", c.ratios.busy}});
  return {
      {"sampled_at", Time(h.sampled_at)},
      {"cpus", h.cpus},
      {"cpu", h.cpu ? ToJson(*h.cpu) : json(nullptr)},
      {"cores", std::move(cores)},
      {"memory",
       {{"total_bytes", Opt(h.memory_total_bytes)},
        {"available_bytes", Opt(h.memory_available_bytes)},
        {"buffers_bytes", Opt(h.memory_buffers_bytes)},
        {"cached_bytes", Opt(h.memory_cached_bytes)},
        {"used_ratio", Opt(h.memory_used_ratio)}}},
      {"swap",
       {{"total_bytes", Opt(h.swap_total_bytes)},
        {"free_bytes", Opt(h.swap_free_bytes)},
        {"used_ratio", Opt(h.swap_used_ratio)}}},
      {"load", {{"load1", Opt(h.load1)}, {"load5", Opt(h.load5)}, {"load15", Opt(h.load15)}}},
      {"pressure",
       {{"cpu", ToJson(h.pressure_cpu)},
        {"memory", ToJson(h.pressure_memory)},
        {"io", ToJson(h.pressure_io)}}},
      {"file_handles",
       {{"allocated", Opt(h.file_handles_allocated)},
        {"max", Opt(h.file_handles_max)},
        {"ratio", Opt(h.file_handles_ratio)}}},
      {"problems", h.problems},
      {"last_error", h.last_error},
      {"last_error_at", Time(h.last_error_at)},
      {"errors_total", h.errors_total},
  };
}

json ToJson(const TargetSummary& t) {
  return {
      {"name", t.name},
      {"up", t.up},
      {"found_by", t.found_by},
      {"pid", t.pid ? json(static_cast<int64_t>(*t.pid)) : json(nullptr)},
      {"start_time", Time(t.start_time)},
      {"uptime_seconds", Opt(t.uptime_seconds)},
      {"cpu_ratio", Opt(t.cpu_ratio)},
      {"resident_memory_bytes", Opt(t.resident_memory_bytes)},
      {"threads", Opt(t.threads)},
      {"open_fds", Opt(t.open_fds)},
      {"fd_soft_limit", Opt(t.fd_soft_limit)},
      {"fd_limit_ratio", Opt(t.fd_limit_ratio)},
      {"restarts", t.restarts},
      {"problems", t.problems},
      {"last_error", t.last_error},
      {"last_error_at", Time(t.last_error_at)},
  };
}

json ToJson(const LogStatus& l) {
  json files = json::array();
  for (const auto& f : l.files) {
    files.push_back({{"path", f.path},
                     {"offset", f.offset},
                     {"size", f.size},
                     {"open", f.open},
                     {"rotated", f.rotated}});
  }
  const bool any_record = l.last_record_time != WallTime{};
  return {
      {"name", l.name},
      {"lines", l.lines},
      {"records", l.records},
      {"bytes", l.bytes},
      {"lag_bytes", l.lag_bytes},
      {"rotations", l.rotations},
      {"truncations", l.truncations},
      {"long_lines", l.long_lines},
      {"gap_events", l.gap_events},
      {"files_open", l.files_open},
      {"files_matched", l.files_matched},
      {"recognised_records", l.recognised_records},
      {"problem", l.problem},
      {"last_record_time", any_record ? json(FormatRfc3339(l.last_record_time)) : json(nullptr)},
      {"last_error", l.last_error},
      {"files", std::move(files)},
  };
}

json ToJson(const Coverage& c) {
  json rule_files = json::array();
  for (const auto& f : c.rule_files) rule_files.push_back({{"path", f.path}, {"rules", f.rules}});
  json logs = json::array();
  for (const auto& l : c.logs) {
    logs.push_back({{"name", l.name},
                    {"path", l.path},
                    {"format", LogFormatName(l.format)},
                    {"seen", l.seen},
                    {"problem", l.problem},
                    {"problem_since", Time(l.problem_since)},
                    {"files", l.files},
                    {"lines", l.lines},
                    {"recognised_lines", l.recognised_lines},
                    {"records", l.records},
                    {"last_record_at", Time(l.last_record_at)}});
  }
  json targets = json::array();
  for (const auto& t : c.targets) {
    targets.push_back({{"name", t.name},
                       {"seen", t.seen},
                       {"problem", t.problem},
                       {"problem_since", Time(t.problem_since)}});
  }
  json blind = json::array();
  for (const auto& b : c.blind_spots) {
    blind.push_back({{"subject", b.subject},
                     {"description", b.description},
                     {"since", FormatRfc3339(b.since)}});
  }
  return {{"rules", c.rules},
          {"rule_files", std::move(rule_files)},
          {"host", {{"seen", c.host_seen}, {"problem", c.host_problem}}},
          {"logs", std::move(logs)},
          {"targets", std::move(targets)},
          {"blind_spots", std::move(blind)}};
}

}  // namespace cg
