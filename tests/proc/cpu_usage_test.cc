// CPU utilisation from two /proc/stat samples (pure computation).
#include "collectors/proc/cpu_usage.h"

#include <catch2/catch.hpp>

#include "tests/proc/fixture_tree.h"

namespace cg::proc {
namespace {

using testing::ProcFixture;
using testing::Slurp;

ProcStat Load(std::string_view fixture) {
  auto s = ParseProcStat(Slurp(ProcFixture(fixture)));
  REQUIRE(s.ok());
  return *s;
}

ProcStat Inline(std::string_view text) {
  auto s = ParseProcStat(text);
  REQUIRE(s.ok());
  return *s;
}

constexpr double kEps = 1e-12;

TEST_CASE("two-core ratios come from the tick deltas per mode", "[collectors][proc][cpu]") {
  CpuUsage u = ComputeCpuUsage(Load("host/t0/stat"), Load("host/t1/stat"));
  REQUIRE(u.total.has_value());
  CHECK(u.total->busy == Approx(0.325).epsilon(kEps));
  CHECK(u.total->mode[kUser] == Approx(0.175).epsilon(kEps));
  CHECK(u.total->mode[kNice] == Approx(0.025).epsilon(kEps));
  CHECK(u.total->mode[kSystem] == Approx(0.075).epsilon(kEps));
  CHECK(u.total->mode[kIdle] == Approx(0.65).epsilon(kEps));
  CHECK(u.total->mode[kIowait] == Approx(0.025).epsilon(kEps));
  CHECK(u.total->mode[kIrq] == Approx(0.0125).epsilon(kEps));
  CHECK(u.total->mode[kSoftirq] == Approx(0.0125).epsilon(kEps));
  CHECK(u.total->mode[kSteal] == Approx(0.025).epsilon(kEps));
  REQUIRE(u.cores.size() == 2);
  CHECK(u.cores[0].ratios.busy == Approx(0.45).epsilon(kEps));
  CHECK(u.cores[0].ratios.mode[kUser] == Approx(0.3).epsilon(kEps));
  CHECK(u.cores[1].ratios.busy == Approx(0.2).epsilon(kEps));
  CHECK(u.cores[1].ratios.mode[kSteal] == Approx(0.05).epsilon(kEps));
  CHECK(u.total_delta == CpuTicks{70, 10, 30, 260, 10, 5, 5, 10});
  CHECK(u.counter_resets == 0);
}

TEST_CASE("a single core host is its own aggregate", "[collectors][proc][cpu]") {
  CpuUsage u = ComputeCpuUsage(Load("cpu1/t0/stat"), Load("cpu1/t1/stat"));
  REQUIRE(u.total.has_value());
  CHECK(u.total->busy == Approx(0.45).epsilon(kEps));
  CHECK(u.total->mode[kIowait] == Approx(0.05).epsilon(kEps));
  REQUIRE(u.cores.size() == 1);
  CHECK(u.cores[0].ratios.busy == Approx(0.45).epsilon(kEps));
}

TEST_CASE("64 cores: 1.0 means all cores busy, per core 1.0 means that core",
          "[collectors][proc][cpu]") {
  CpuUsage u = ComputeCpuUsage(Load("cpu64/t0/stat"), Load("cpu64/t1/stat"));
  REQUIRE(u.total.has_value());
  CHECK(u.total->busy == Approx(0.3).epsilon(kEps));
  CHECK(u.total->mode[kUser] == Approx(0.225).epsilon(kEps));
  REQUIRE(u.cores.size() == 64);
  for (const CoreUsage& c : u.cores) {
    CHECK(c.ratios.busy == Approx(c.id % 2 == 0 ? 0.6 : 0.0).margin(kEps));
  }
}

TEST_CASE("a core that goes offline drops out of the aggregate", "[collectors][proc][cpu]") {
  CpuUsage u = ComputeCpuUsage(Load("cpu64/t0/stat"), Load("cpu64/t1-cpu63-offline/stat"));
  CHECK(u.cores_removed == 1);
  CHECK(u.cores_added == 0);
  REQUIRE(u.cores.size() == 63);
  CHECK(u.cores.back().id == 62);
  REQUIRE(u.total.has_value());
  CHECK(u.total->busy == Approx(1920.0 / 6300.0).epsilon(kEps));
}

TEST_CASE("a core that comes online has no ratio until its second sample",
          "[collectors][proc][cpu]") {
  ProcStat a = Inline("cpu0 100 0 0 100 0 0 0 0\nbtime 1\n");
  ProcStat b = Inline("cpu0 150 0 0 150 0 0 0 0\ncpu1 7 0 0 9 0 0 0 0\nbtime 1\n");
  ProcStat c = Inline("cpu0 200 0 0 200 0 0 0 0\ncpu1 107 0 0 9 0 0 0 0\nbtime 1\n");
  CpuUsage ab = ComputeCpuUsage(a, b);
  CHECK(ab.cores_added == 1);
  REQUIRE(ab.cores.size() == 1);
  CHECK(ab.total->busy == Approx(0.5).epsilon(kEps));
  CpuUsage bc = ComputeCpuUsage(b, c);
  REQUIRE(bc.cores.size() == 2);
  CHECK(bc.cores[1].ratios.busy == Approx(1.0).epsilon(kEps));
  CHECK(bc.total->busy == Approx(150.0 / 200.0).epsilon(kEps));
}

TEST_CASE("a counter that goes backwards skips that core for one interval",
          "[collectors][proc][cpu]") {
  CpuUsage u = ComputeCpuUsage(Load("host/t1/stat"), Load("host/t2/stat"));
  CHECK(u.counter_resets == 1);
  REQUIRE(u.cores.size() == 1);
  CHECK(u.cores[0].id == 0);
  REQUIRE(u.total.has_value());
  CHECK(u.total->busy == Approx(0.25).epsilon(kEps));
  CHECK(u.total_delta == CpuTicks{50, 0, 0, 150, 0, 0, 0, 0});
}

TEST_CASE("no elapsed ticks means no ratio rather than a division by zero",
          "[collectors][proc][cpu]") {
  ProcStat a = Load("host/t0/stat");
  CpuUsage u = ComputeCpuUsage(a, a);
  CHECK_FALSE(u.total.has_value());
  CHECK(u.cores.empty());
}

TEST_CASE("without per-core lines the aggregate line is used", "[collectors][proc][cpu]") {
  ProcStat a = Inline("cpu 100 0 100 800 0 0 0 0\nbtime 1\n");
  ProcStat b = Inline("cpu 150 0 150 900 0 0 0 0\nbtime 1\n");
  CpuUsage u = ComputeCpuUsage(a, b);
  REQUIRE(u.total.has_value());
  CHECK(u.total->busy == Approx(0.5).epsilon(kEps));
  ProcStat back = Inline("cpu 150 0 150 100 0 0 0 0\nbtime 1\n");
  CpuUsage r = ComputeCpuUsage(b, back);
  CHECK_FALSE(r.total.has_value());
  CHECK(r.counter_resets == 1);
}

TEST_CASE("process CPU ratio is ticks over wall time, 1.0 per core", "[collectors][proc][cpu]") {
  CHECK(*ProcessCpuRatio(1200, 1500, 100, 2.0) == Approx(1.5).epsilon(kEps));
  CHECK(*ProcessCpuRatio(0, 50, 100, 1.0) == Approx(0.5).epsilon(kEps));
  CHECK_FALSE(ProcessCpuRatio(1500, 1200, 100, 2.0).has_value());
  CHECK_FALSE(ProcessCpuRatio(1, 2, 100, 0.0).has_value());
  CHECK_FALSE(ProcessCpuRatio(1, 2, 0, 1.0).has_value());
}

}  // namespace
}  // namespace cg::proc
