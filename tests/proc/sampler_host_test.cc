// Sampler against fixture trees: host figures.
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <catch2/catch.hpp>

#include "collectors/proc/sampler.h"
#include "tests/proc/fixture_tree.h"
#include "tests/proc/metrics_probe.h"
#include "tests/proc/sampler_fixture.h"

namespace cg {
namespace {

using testing::kEps;
using testing::MetricValue;
using testing::ProcTree;
using testing::SeriesCount;

struct HostFixture {
  // A full host (host/t0), with `layer` (another host's files) laid over it.
  explicit HostFixture(std::string_view layer = "") {
    tree.Overlay("host/t0");
    if (!layer.empty()) tree.Overlay(layer);
  }
  std::unique_ptr<Sampler> Make(std::chrono::milliseconds history = std::chrono::minutes(15)) {
    return testing::MustCreateSampler({.proc_root = tree.root(),
                                       .targets = {},
                                       .sample_interval = std::chrono::seconds(1),
                                       .history = history,
                                       .registry = &registry});
  }
  void Sample(Sampler& s) {
    s.Sample(clock.Now(), clock.MonoNow());
    clock.Advance(std::chrono::seconds(1));
  }
  // A new sampler that has sampled once, then once more after each layer of `then` is laid
  // over the tree.
  std::unique_ptr<Sampler> Sampled(std::initializer_list<std::string_view> then = {}) {
    auto s = Make();
    Sample(*s);
    for (std::string_view layer : then) {
      tree.Overlay(layer);
      Sample(*s);
    }
    return s;
  }
  ProcTree tree;
  prometheus::Registry registry;
  FakeClock clock;
};

TEST_CASE("the first sample has memory and load but no CPU ratio yet",
          "[collectors][proc][sampler]") {
  HostFixture f;
  auto s = f.Sampled();
  HostSummary h = s->host();
  CHECK_FALSE(h.cpu.has_value());
  CHECK(h.cpus == 2);
  CHECK(h.memory_total_bytes == 8192000000u);
  CHECK_FALSE(s->has_sampled());
  CHECK_FALSE(s->Latest("host.cpu_busy_ratio", "").has_value());
  CHECK(*s->Latest("host.memory_used_ratio", "") == Approx(0.75).epsilon(kEps));
  CHECK_FALSE(MetricValue(f.registry, "cutover_guard_host_cpu_busy_ratio").has_value());
}

TEST_CASE("host ratios over two samples match the hand-computed fixture figures",
          "[collectors][proc][sampler]") {
  HostFixture f;
  auto s = f.Sampled({"host/t1"});
  CHECK(s->has_sampled());
  HostSummary h = s->host();
  REQUIRE(h.cpu.has_value());
  CHECK(h.cpu->busy == Approx(0.325).epsilon(kEps));
  CHECK(h.cpu->user == Approx(0.175).epsilon(kEps));
  CHECK(h.cpu->iowait == Approx(0.025).epsilon(kEps));
  CHECK(h.cpu->steal == Approx(0.025).epsilon(kEps));
  REQUIRE(h.cores.size() == 2);
  CHECK(h.cores[0].ratios.busy == Approx(0.45).epsilon(kEps));
  CHECK(h.cores[1].ratios.busy == Approx(0.2).epsilon(kEps));
  CHECK(h.memory_available_bytes == 2048000000u);
  CHECK(*h.memory_used_ratio == Approx(0.75).epsilon(kEps));
  CHECK(*h.swap_used_ratio == Approx(0.25).epsilon(kEps));
  CHECK(h.load1 == 1.5);
  CHECK(h.load5 == 0.75);
  CHECK(h.load15 == 0.25);
  REQUIRE(h.pressure_cpu.has_value());
  CHECK(h.pressure_cpu->some_avg10 == Approx(0.125).epsilon(kEps));
  CHECK(h.pressure_cpu->some_total_seconds == Approx(123.456789).epsilon(kEps));
  CHECK(*h.pressure_memory->full_avg10 == Approx(0.01).epsilon(kEps));
  CHECK(*h.pressure_io->full_avg60 == Approx(0.08).epsilon(kEps));
  CHECK(h.file_handles_allocated == 2048u);
  CHECK(*h.file_handles_ratio == Approx(0.0025).epsilon(kEps));
  CHECK(h.boot_time == WallTime(std::chrono::seconds(1763990000)));
  CHECK(h.problems.empty());
  CHECK(h.errors_total == 0);
  // cpu_seconds_total starts at the kernel counters (user 2000 ticks) plus the interval (70).
  CHECK(h.cpu_seconds_total[0] == Approx(20.70).epsilon(kEps));

  CHECK(*s->Latest("host.cpu_busy_ratio", "") == Approx(0.325).epsilon(kEps));
  CHECK(*s->Latest("host.cpu_iowait_ratio", "") == Approx(0.025).epsilon(kEps));
  CHECK(*s->Latest("host.cpu_steal_ratio", "") == Approx(0.025).epsilon(kEps));
  CHECK(*s->Latest("host.memory_available_bytes", "") == 2048000000.0);
  CHECK(*s->Latest("host.psi_io_some_avg10", "") == Approx(0.25).epsilon(kEps));
  CHECK(*s->Latest("host.psi_memory_full_avg10", "") == Approx(0.01).epsilon(kEps));
  CHECK(*s->Latest("host.file_handles_ratio", "") == Approx(0.0025).epsilon(kEps));
  CHECK(*s->Latest("host.load15", "") == 0.25);
  CHECK(*s->Latest("host.cpus", "") == 2.0);
}

TEST_CASE("host figures are exported under the fixed metric names",
          "[collectors][proc][sampler][metrics]") {
  HostFixture f;
  auto s = f.Sampled({"host/t1"});
  const auto& r = f.registry;
  CHECK(*MetricValue(r, "cutover_guard_host_cpu_busy_ratio") == Approx(0.325).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_cpu_mode_ratio", {{"mode", "iowait"}}) ==
        Approx(0.025).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_cpu_mode_ratio", {{"mode", "idle"}}) ==
        Approx(0.65).epsilon(kEps));
  CHECK(SeriesCount(r, "cutover_guard_host_cpu_mode_ratio") == 8);
  CHECK(*MetricValue(r, "cutover_guard_host_cpu_core_busy_ratio", {{"cpu", "1"}}) ==
        Approx(0.2).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_cpu_core_mode_ratio",
                     {{"cpu", "1"}, {"mode", "steal"}}) == Approx(0.05).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_cpu_seconds_total", {{"mode", "user"}}) ==
        Approx(20.70).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_memory_available_bytes") == 2048000000.0);
  CHECK(*MetricValue(r, "cutover_guard_host_memory_total_bytes") == 8192000000.0);
  CHECK(*MetricValue(r, "cutover_guard_host_memory_used_ratio") == Approx(0.75).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_swap_used_ratio") == Approx(0.25).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_load1") == 1.5);
  CHECK(*MetricValue(r, "cutover_guard_host_pressure_ratio",
                     {{"resource", "io"}, {"kind", "full"}, {"window", "10s"}}) ==
        Approx(0.2).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_pressure_stalled_seconds_total",
                     {{"resource", "cpu"}, {"kind", "some"}}) == Approx(123.456789).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_file_handles_ratio") == Approx(0.0025).epsilon(kEps));
  CHECK(*MetricValue(r, "cutover_guard_host_cpus") == 2.0);
  CHECK(*MetricValue(r, "cutover_guard_proc_samples_total") == 2.0);
}

TEST_CASE("a one-core host reports one CPU and its exact busy ratio",
          "[collectors][proc][sampler]") {
  HostFixture f("cpu1/t0");
  auto s = f.Sampled({"cpu1/t1"});
  CHECK(s->host().cpus == 1);
  CHECK(*s->Latest("host.cpu_busy_ratio", "") == Approx(0.45).epsilon(kEps));
  CHECK(*s->Latest("host.cpu_iowait_ratio", "") == Approx(0.05).epsilon(kEps));
}

TEST_CASE("a 64-core host reports 64 CPUs, per-core gauges and the aggregate",
          "[collectors][proc][sampler]") {
  HostFixture f("cpu64/t0");
  auto s = f.Sampled({"cpu64/t1"});
  CHECK(s->host().cpus == 64);
  CHECK(s->host().cores.size() == 64);
  CHECK(*s->Latest("host.cpu_busy_ratio", "") == Approx(0.3).epsilon(kEps));
  CHECK(SeriesCount(f.registry, "cutover_guard_host_cpu_core_busy_ratio") == 64);
  CHECK(SeriesCount(f.registry, "cutover_guard_host_cpu_core_mode_ratio") == 64 * 8);
  CHECK(*MetricValue(f.registry, "cutover_guard_host_cpu_core_busy_ratio", {{"cpu", "62"}}) ==
        Approx(0.6).epsilon(kEps));
}

TEST_CASE("an unplugged core disappears from the gauges and the aggregate",
          "[collectors][proc][sampler]") {
  HostFixture f("cpu64/t0");
  auto s = f.Sampled();
  f.tree.Write("stat", testing::Slurp(testing::ProcFixture("cpu64/t1-cpu63-offline/stat")));
  f.Sample(*s);
  CHECK(s->host().cpus == 63);
  CHECK(*s->Latest("host.cpu_busy_ratio", "") == Approx(1920.0 / 6300.0).epsilon(kEps));
  CHECK(SeriesCount(f.registry, "cutover_guard_host_cpu_core_busy_ratio") == 63);
  CHECK_FALSE(MetricValue(f.registry, "cutover_guard_host_cpu_core_busy_ratio", {{"cpu", "63"}}));
}

TEST_CASE("a CPU counter going backwards skips that core and is counted",
          "[collectors][proc][sampler]") {
  HostFixture f;
  auto s = f.Sampled({"host/t1", "host/t2"});
  HostSummary h = s->host();
  CHECK(h.cpu_counter_resets_total == 1);
  REQUIRE(h.cores.size() == 1);
  CHECK(h.cores[0].cpu == 0);
  CHECK(h.cpu->busy == Approx(0.25).epsilon(kEps));
  CHECK(*MetricValue(f.registry, "cutover_guard_host_cpu_time_regressions_total") == 1.0);
  // The counters never go down, whatever the kernel does.
  CHECK(*MetricValue(f.registry, "cutover_guard_host_cpu_seconds_total", {{"mode", "iowait"}}) ==
        Approx(3.10).epsilon(kEps));
}

TEST_CASE("a kernel without PSI has no pressure figures, no problems and no series",
          "[collectors][proc][sampler]") {
  HostFixture f;
  f.tree.Remove("pressure");
  auto s = f.Sampled();
  f.Sample(*s);
  HostSummary h = s->host();
  CHECK_FALSE(h.pressure_cpu.has_value());
  CHECK_FALSE(h.pressure_memory.has_value());
  CHECK_FALSE(h.pressure_io.has_value());
  CHECK(h.problems.empty());
  CHECK(h.errors_total == 0);
  CHECK_FALSE(s->Latest("host.psi_cpu_some_avg10", "").has_value());
  CHECK(SeriesCount(f.registry, "cutover_guard_host_pressure_ratio") == 0);
  CHECK(SeriesCount(f.registry, "cutover_guard_host_pressure_stalled_seconds_total") == 0);
}

TEST_CASE("cpu pressure without a full line (Linux < 5.13) exports only some",
          "[collectors][proc][sampler]") {
  HostFixture f;
  f.tree.Write("pressure/cpu", "some avg10=1.00 avg60=2.00 avg300=3.00 total=4000000\n");
  auto s = f.Sampled();
  CHECK(*MetricValue(f.registry, "cutover_guard_host_pressure_ratio",
                     {{"resource", "cpu"}, {"kind", "some"}, {"window", "60s"}}) ==
        Approx(0.02).epsilon(kEps));
  CHECK_FALSE(MetricValue(f.registry, "cutover_guard_host_pressure_ratio",
                          {{"resource", "cpu"}, {"kind", "full"}, {"window", "10s"}}));
  CHECK_FALSE(MetricValue(f.registry, "cutover_guard_host_pressure_stalled_seconds_total",
                          {{"resource", "cpu"}, {"kind", "full"}}));
}

TEST_CASE("a garbled host file is reported and counted, the rest is still sampled",
          "[collectors][proc][sampler]") {
  HostFixture f;
  f.tree.Write("meminfo", "MemTotal: lots kB\n");
  auto s = f.Sampled();
  HostSummary h = s->host();
  CHECK_FALSE(h.memory_total_bytes.has_value());
  CHECK(h.load1 == 1.5);
  REQUIRE(h.problems.size() == 1);
  CHECK(h.problems[0] == "meminfo:1: expected a number for MemTotal, got \"lots\"");
  CHECK(h.last_error == h.problems[0]);
  CHECK(h.errors_total == 1);
  CHECK(*MetricValue(f.registry, "cutover_guard_host_read_errors_total",
                     {{"file", "meminfo"}, {"reason", "parse"}}) == 1.0);
  CHECK_FALSE(MetricValue(f.registry, "cutover_guard_host_memory_total_bytes").has_value());

  f.tree.Overlay("host/t0");  // Fixed: the figure comes back, the last error stays visible.
  f.Sample(*s);
  h = s->host();
  CHECK(h.memory_total_bytes == 8192000000u);
  CHECK(h.problems.empty());
  CHECK(h.last_error == "meminfo:1: expected a number for MemTotal, got \"lots\"");
  CHECK(*MetricValue(f.registry, "cutover_guard_host_memory_total_bytes") == 8192000000.0);
}

TEST_CASE("missing host files are reported with their path", "[collectors][proc][sampler]") {
  HostFixture f;
  f.tree.Remove("loadavg");
  f.tree.Remove("sys");
  auto s = f.Sampled();
  HostSummary h = s->host();
  CHECK_FALSE(h.load1.has_value());
  CHECK_FALSE(h.file_handles_ratio.has_value());
  REQUIRE(h.problems.size() == 2);
  CHECK(h.problems[0] == (f.tree / "loadavg").string() + ": No such file or directory");
  CHECK(h.problems[1] == (f.tree / "sys/fs/file-nr").string() + ": No such file or directory");
  CHECK(*MetricValue(f.registry, "cutover_guard_host_read_errors_total",
                     {{"file", "loadavg"}, {"reason", "missing"}}) == 1.0);
}

TEST_CASE("an unreadable /proc/stat keeps the previous baseline for the next interval",
          "[collectors][proc][sampler]") {
  HostFixture f;
  auto s = f.Sampled();
  f.tree.Write("stat", "garbage\n");
  f.Sample(*s);
  CHECK_FALSE(s->host().cpu.has_value());
  CHECK(s->host().errors_total == 1);
  f.tree.Overlay("host/t1");
  f.Sample(*s);
  CHECK(*s->Latest("host.cpu_busy_ratio", "") == Approx(0.325).epsilon(kEps));
}

TEST_CASE("MemAvailable is estimated on kernels that lack it", "[collectors][proc][sampler]") {
  HostFixture f;
  f.tree.Write("meminfo",
               "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n"
               "SwapTotal: 0 kB\nSwapFree: 0 kB\n");
  auto s = f.Sampled();
  CHECK(s->host().memory_available_bytes == 400u * 1024);
  CHECK(*s->Latest("host.memory_used_ratio", "") == Approx(0.6).epsilon(kEps));
  CHECK(*s->Latest("host.swap_used_ratio", "") == 0.0);
}

TEST_CASE("history keeps one point per sample, bounded by history / sample_interval",
          "[collectors][proc][sampler]") {
  HostFixture f;
  auto s = f.Make(std::chrono::seconds(3));
  const WallTime start = f.clock.Now();
  for (int i = 0; i < 5; ++i) f.Sample(*s);
  auto pts = s->History("host.load1", "", start);
  REQUIRE(pts.size() == 3);
  CHECK(pts[0].time == start + std::chrono::seconds(2));
  CHECK(pts[2].time == start + std::chrono::seconds(4));
  CHECK(pts[2].value == 1.5);
  auto recent = s->History("host.load1", "", start + std::chrono::seconds(4));
  CHECK(recent.size() == 1);
  // CPU ratios exist from the second sample on; in the ring: samples 3..5 (all identical
  // stat files: no elapsed ticks, so no ratio either).
  CHECK(s->History("host.cpu_busy_ratio", "", start).empty());
}

TEST_CASE("unknown series, unknown targets and host series with a target have no value",
          "[collectors][proc][sampler]") {
  HostFixture f;
  auto s = f.Sampled();
  CHECK_FALSE(s->Latest("host.nope", "").has_value());
  CHECK_FALSE(s->Latest("host.load1", "wso2am").has_value());
  CHECK_FALSE(s->Latest("process.up", "wso2am").has_value());
  CHECK(s->History("host.nope", "", WallTime{}).empty());
}

TEST_CASE("every series of metric_source.h has a source", "[collectors][proc][sampler]") {
  auto host = Sampler::HostSeriesNames();
  for (std::string_view n : kHostSeries) {
    CHECK(std::find(host.begin(), host.end(), n) != host.end());
  }
  auto process = Sampler::ProcessSeriesNames();
  for (std::string_view n : kProcessSeries) {
    CHECK(std::find(process.begin(), process.end(), n) != process.end());
  }
  CHECK(host.size() == std::size(kHostSeries));
  CHECK(process.size() == std::size(kProcessSeries));
}

TEST_CASE("every host series has a value after two samples of a full host",
          "[collectors][proc][sampler]") {
  HostFixture f;
  auto s = f.Sampled({"host/t1"});
  for (std::string_view n : Sampler::HostSeriesNames()) {
    INFO(n);
    CHECK(s->Latest(n, "").has_value());
  }
}

TEST_CASE("Create refuses bad options with a clear reason", "[collectors][proc][sampler]") {
  ProcTree tree;
  auto make = [&](SamplerOptions o) {
    auto s = Sampler::Create(std::move(o));
    REQUIRE_FALSE(s.ok());
    return s.error().message();
  };
  CHECK(make({.proc_root = "/nonexistent"}) == "proc_root /nonexistent: No such file or directory");
  CHECK(make({.proc_root = tree.root(), .sample_interval = std::chrono::milliseconds(0)}) ==
        "sample_interval must be positive");
  CHECK(make({.proc_root = tree.root(),
              .sample_interval = std::chrono::seconds(2),
              .history = std::chrono::seconds(1)}) ==
        "history must be at least one sample_interval");
  CHECK(make({.proc_root = tree.root(), .targets = {{.name = "a"}}}) ==
        "target a: needs a pidfile, a cmdline pattern, or both");
  CHECK(make({.proc_root = tree.root(), .targets = {{.name = "a", .cmdline = "x("}}}) ==
        "target a: cmdline pattern \"x(\": missing ): x(");
  CHECK(make({.proc_root = tree.root(),
              .targets = {{.name = "a", .cmdline = "x"}, {.name = "a", .cmdline = "y"}}}) ==
        "target a: duplicate name");
}

TEST_CASE("a metric name clash in the registry is an error, not an exception",
          "[collectors][proc][sampler][metrics]") {
  ProcTree tree;
  prometheus::Registry registry;
  prometheus::BuildCounter().Name("cutover_guard_host_load1").Help("x").Register(registry);
  auto s = Sampler::Create({.proc_root = tree.root(), .registry = &registry});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().starts_with("registering /proc metrics: "));
}

TEST_CASE("a second sampler on the same registry continues the same series",
          "[collectors][proc][sampler][metrics]") {
  HostFixture f;
  {
    auto s = f.Make();
    f.Sample(*s);
  }
  auto s2 = f.Make();
  f.Sample(*s2);
  CHECK(SeriesCount(f.registry, "cutover_guard_host_load1") == 1);
  // The counter carries on from the first sampler's value rather than starting over...
  CHECK(*MetricValue(f.registry, "cutover_guard_proc_samples_total") == 2.0);
  // ...and counters that mirror the kernel's do not count its time twice (user: 2000 ticks).
  CHECK(*MetricValue(f.registry, "cutover_guard_host_cpu_seconds_total", {{"mode", "user"}}) ==
        Approx(20.0).epsilon(kEps));
  CHECK(*MetricValue(f.registry, "cutover_guard_host_pressure_stalled_seconds_total",
                     {{"resource", "io"}, {"kind", "some"}}) == Approx(9.0).epsilon(kEps));
}

}  // namespace
}  // namespace cg
