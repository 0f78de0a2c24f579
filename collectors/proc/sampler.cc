#include "collectors/proc/sampler.h"

#include <unistd.h>

#include <set>

#include "collectors/proc/discovery.h"
#include "collectors/proc/host_collector.h"
#include "collectors/proc/proc_file.h"
#include "collectors/proc/proc_metrics.h"
#include "collectors/proc/target_collector.h"

namespace cg {
namespace {

using OptD = std::optional<double>;

template <typename T>
OptD D(const std::optional<T>& v) {
  return v ? OptD(static_cast<double>(*v)) : std::nullopt;
}

struct HostGetter {
  std::string_view name;
  OptD (*get)(const HostSummary&);
};
struct ProcessGetter {
  std::string_view name;
  OptD (*get)(const TargetSummary&);
};

// One getter per series, in column order. Create() checks that every name of metric_source.h
// is here, so a series added there without a getter fails loudly instead of staying empty.
constexpr HostGetter kHostGetters[] = {
    {"host.cpu_busy_ratio",
     [](const HostSummary& h) { return h.cpu ? OptD(h.cpu->busy) : OptD(); }},
    {"host.cpu_iowait_ratio",
     [](const HostSummary& h) { return h.cpu ? OptD(h.cpu->iowait) : OptD(); }},
    {"host.cpu_steal_ratio",
     [](const HostSummary& h) { return h.cpu ? OptD(h.cpu->steal) : OptD(); }},
    {"host.memory_used_ratio", [](const HostSummary& h) { return h.memory_used_ratio; }},
    {"host.memory_available_bytes",
     [](const HostSummary& h) { return D(h.memory_available_bytes); }},
    {"host.swap_used_ratio", [](const HostSummary& h) { return h.swap_used_ratio; }},
    {"host.load1", [](const HostSummary& h) { return h.load1; }},
    {"host.load5", [](const HostSummary& h) { return h.load5; }},
    {"host.load15", [](const HostSummary& h) { return h.load15; }},
    {"host.psi_cpu_some_avg10",
     [](const HostSummary& h) {
       return h.pressure_cpu ? OptD(h.pressure_cpu->some_avg10) : OptD();
     }},
    {"host.psi_memory_some_avg10",
     [](const HostSummary& h) {
       return h.pressure_memory ? OptD(h.pressure_memory->some_avg10) : OptD();
     }},
    {"host.psi_memory_full_avg10",
     [](const HostSummary& h) {
       return h.pressure_memory ? h.pressure_memory->full_avg10 : OptD();
     }},
    {"host.psi_io_some_avg10",
     [](const HostSummary& h) { return h.pressure_io ? OptD(h.pressure_io->some_avg10) : OptD(); }},
    {"host.psi_io_full_avg10",
     [](const HostSummary& h) { return h.pressure_io ? h.pressure_io->full_avg10 : OptD(); }},
    {"host.file_handles_ratio", [](const HostSummary& h) { return h.file_handles_ratio; }},
    {"host.cpu_user_ratio",
     [](const HostSummary& h) { return h.cpu ? OptD(h.cpu->user) : OptD(); }},
    {"host.cpu_system_ratio",
     [](const HostSummary& h) { return h.cpu ? OptD(h.cpu->system) : OptD(); }},
    {"host.cpus", [](const HostSummary& h) { return h.cpus > 0 ? OptD(h.cpus) : OptD(); }},
    {"host.memory_total_bytes", [](const HostSummary& h) { return D(h.memory_total_bytes); }},
    {"host.psi_cpu_some_avg60",
     [](const HostSummary& h) {
       return h.pressure_cpu ? OptD(h.pressure_cpu->some_avg60) : OptD();
     }},
    {"host.psi_memory_some_avg60",
     [](const HostSummary& h) {
       return h.pressure_memory ? OptD(h.pressure_memory->some_avg60) : OptD();
     }},
    {"host.psi_memory_full_avg60",
     [](const HostSummary& h) {
       return h.pressure_memory ? h.pressure_memory->full_avg60 : OptD();
     }},
    {"host.psi_io_some_avg60",
     [](const HostSummary& h) { return h.pressure_io ? OptD(h.pressure_io->some_avg60) : OptD(); }},
    {"host.psi_io_full_avg60",
     [](const HostSummary& h) { return h.pressure_io ? h.pressure_io->full_avg60 : OptD(); }},
};

constexpr ProcessGetter kProcessGetters[] = {
    {"process.up", [](const TargetSummary& t) { return OptD(t.up ? 1.0 : 0.0); }},
    {"process.cpu_ratio", [](const TargetSummary& t) { return t.cpu_ratio; }},
    {"process.resident_memory_bytes",
     [](const TargetSummary& t) { return D(t.resident_memory_bytes); }},
    {"process.threads", [](const TargetSummary& t) { return D(t.threads); }},
    {"process.open_fds", [](const TargetSummary& t) { return D(t.open_fds); }},
    {"process.fd_limit_ratio", [](const TargetSummary& t) { return t.fd_limit_ratio; }},
    {"process.restarts",
     [](const TargetSummary& t) { return OptD(static_cast<double>(t.restarts)); }},
    {"process.uptime_seconds", [](const TargetSummary& t) { return t.uptime_seconds; }},
    {"process.swap_bytes", [](const TargetSummary& t) { return D(t.swap_bytes); }},
    {"process.fd_soft_limit", [](const TargetSummary& t) { return D(t.fd_soft_limit); }},
};

constexpr size_t kHostColumns = std::size(kHostGetters);
constexpr size_t kProcessColumns = std::size(kProcessGetters);

template <typename Getters, typename Names>
Status CheckCovered(const Getters& getters, const Names& names, std::string_view what) {
  for (std::string_view n : names) {
    bool found = false;
    for (const auto& g : getters) found = found || g.name == n;
    if (!found)
      return Status::Error(std::string(what) + " series " + std::string(n) + " has no source");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Sampler>> Sampler::Create(SamplerOptions options) {
  if (options.sample_interval.count() <= 0) {
    return Status::Error("sample_interval must be positive");
  }
  if (options.history < options.sample_interval) {
    return Status::Error("history must be at least one sample_interval");
  }
  Status covered = CheckCovered(kHostGetters, kHostSeries, "host");
  if (covered.ok()) covered = CheckCovered(kProcessGetters, kProcessSeries, "process");
  if (!covered.ok()) return covered;

  std::unique_ptr<Sampler> s(new Sampler());
  int64_t hz = options.clock_ticks_per_second;
  if (hz <= 0) hz = ::sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;
  s->ticks_per_second_ = static_cast<double>(hz);

  auto root = proc::ProcRoot::Open(options.proc_root);
  if (!root.ok()) return root.error();
  s->root_ = std::move(*root);
  s->self_pid_ = options.exclude_self && s->root_->is_procfs() ? ::getpid() : 0;

  std::set<std::string> names;
  std::vector<std::string> target_names;
  for (const TargetSpec& t : options.targets) {
    if (t.name.empty()) return Status::Error("target without a name");
    if (!names.insert(t.name).second) {
      return Status::Error("target " + t.name + ": duplicate name");
    }
    if (t.pidfile.empty() && t.cmdline.empty()) {
      return Status::Error("target " + t.name + ": needs a pidfile, a cmdline pattern, or both");
    }
    std::unique_ptr<proc::CmdlineMatcher> matcher;
    if (!t.cmdline.empty()) {
      auto m = proc::CmdlineMatcher::Create(t.cmdline);
      if (!m.ok()) return m.error().WithPrefix("target " + t.name);
      matcher = std::move(*m);
    }
    s->targets_.push_back(std::make_unique<proc::TargetCollector>(
        t.name, t.pidfile, std::move(matcher), s->root_.get(), s->ticks_per_second_,
        options.fd_listing_interval));
    target_names.push_back(t.name);
  }
  s->host_ = std::make_unique<proc::HostCollector>(s->root_.get(), s->ticks_per_second_);

  if (options.registry != nullptr) {
    auto metrics = proc::ProcMetrics::Create(options.registry, target_names);
    if (!metrics.ok()) return metrics.error();
    s->metrics_ = std::move(*metrics);
  }

  const int64_t interval = options.sample_interval.count();
  const size_t rows = static_cast<size_t>((options.history.count() + interval - 1) / interval);
  s->history_ = std::make_unique<proc::SeriesHistory>(
      rows, kHostColumns + kProcessColumns * s->targets_.size());
  s->options_ = std::move(options);
  return s;
}

Sampler::~Sampler() = default;

void Sampler::Sample(WallTime now, MonoTime mono_now) {
  host_->Sample(now);
  if (metrics_) metrics_->UpdateHost(host_->summary(), host_->errors());

  proc::ProcessScan scan(root_.get(), self_pid_);
  proc::LocateContext ctx;
  ctx.root = root_.get();
  ctx.scan = &scan;
  ctx.boot_time_seconds = host_->boot_time_seconds();
  ctx.ticks_per_second = ticks_per_second_;
  ctx.pidfile_slack = options_.pidfile_slack;
  ctx.self_pid = self_pid_;
  for (size_t i = 0; i < targets_.size(); ++i) {
    targets_[i]->Sample(now, mono_now, ctx);
    if (metrics_) metrics_->UpdateTarget(i, targets_[i]->summary(), targets_[i]->errors());
  }
  if (scan.listed()) ++discovery_scans_;
  if (metrics_) metrics_->UpdateScans(discovery_scans_);
  ++samples_;
  Record();
}

void Sampler::Record() {
  history_->Append(host_->summary().sampled_at.value_or(WallTime{}));
  const HostSummary& h = host_->summary();
  for (size_t c = 0; c < kHostColumns; ++c) {
    if (auto v = kHostGetters[c].get(h)) history_->Set(c, *v);
  }
  for (size_t t = 0; t < targets_.size(); ++t) {
    const TargetSummary& s = targets_[t]->summary();
    for (size_t c = 0; c < kProcessColumns; ++c) {
      if (auto v = kProcessGetters[c].get(s))
        history_->Set(kHostColumns + t * kProcessColumns + c, *v);
    }
  }
}

std::optional<size_t> Sampler::Column(std::string_view series, std::string_view target) const {
  if (target.empty()) {
    for (size_t c = 0; c < kHostColumns; ++c) {
      if (kHostGetters[c].name == series) return c;
    }
    return std::nullopt;
  }
  for (size_t t = 0; t < targets_.size(); ++t) {
    if (targets_[t]->summary().name != target) continue;
    for (size_t c = 0; c < kProcessColumns; ++c) {
      if (kProcessGetters[c].name == series) return kHostColumns + t * kProcessColumns + c;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<double> Sampler::Latest(std::string_view series, std::string_view target) const {
  auto c = Column(series, target);
  return c ? history_->Latest(*c) : std::nullopt;
}

std::vector<SeriesPoint> Sampler::History(std::string_view series, std::string_view target,
                                          WallTime since) const {
  auto c = Column(series, target);
  return c ? history_->Since(*c, since) : std::vector<SeriesPoint>{};
}

HostSummary Sampler::host() const { return host_->summary(); }

std::vector<TargetSummary> Sampler::targets() const {
  std::vector<TargetSummary> out;
  out.reserve(targets_.size());
  for (const auto& t : targets_) out.push_back(t->summary());
  return out;
}

std::vector<std::string_view> Sampler::HostSeriesNames() {
  std::vector<std::string_view> out;
  for (const HostGetter& g : kHostGetters) out.push_back(g.name);
  return out;
}

std::vector<std::string_view> Sampler::ProcessSeriesNames() {
  std::vector<std::string_view> out;
  for (const ProcessGetter& g : kProcessGetters) out.push_back(g.name);
  return out;
}

}  // namespace cg
