// Parsers: text in, values or positioned errors out.
#include <catch2/catch.hpp>

#include "collectors/proc/host_parse.h"
#include "collectors/proc/process_parse.h"
#include "collectors/proc/text.h"
#include "tests/proc/fixture_tree.h"

namespace cg::proc {
namespace {

using testing::ProcFixture;
using testing::Slurp;

// The error message of a parse that must fail.
template <typename T>
std::string ErrorOf(const Result<T>& parsed) {
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message();
}

TEST_CASE("stat parsing reads the aggregate, every core and btime", "[collectors][proc][parse]") {
  auto s = ParseProcStat(Slurp(ProcFixture("host/t0/stat")));
  REQUIRE(s.ok());
  REQUIRE(s->total.has_value());
  CHECK(*s->total == CpuTicks{2000, 100, 1000, 15000, 300, 50, 50, 0});
  REQUIRE(s->cores.size() == 2);
  CHECK(s->cores[0].id == 0);
  CHECK(s->cores[0].ticks == CpuTicks{1000, 50, 500, 7500, 150, 25, 25, 0});
  CHECK(s->cores[1].id == 1);
  CHECK(s->boot_time_seconds == 1763990000);
  CHECK(s->procs_running == 2u);
  CHECK(s->procs_blocked == 1u);
}

TEST_CASE("stat parsing accepts the four-field cpu lines of old kernels",
          "[collectors][proc][parse]") {
  auto s = ParseProcStat("cpu  10 20 30 40\ncpu0 10 20 30 40\nbtime 5\n");
  REQUIRE(s.ok());
  CHECK(s->cores[0].ticks == CpuTicks{10, 20, 30, 40, 0, 0, 0, 0});
}

TEST_CASE("stat parsing of 64 cores keeps them sorted by id", "[collectors][proc][parse]") {
  auto s = ParseProcStat(Slurp(ProcFixture("cpu64/t0/stat")));
  REQUIRE(s.ok());
  REQUIRE(s->cores.size() == 64);
  for (uint32_t i = 0; i < 64; ++i) {
    CHECK(s->cores[i].id == i);
    CHECK(s->cores[i].ticks[kUser] == 1000 + i);
  }
}

TEST_CASE("stat parsing errors name the line and the bad token", "[collectors][proc][parse]") {
  CHECK(ErrorOf(ParseProcStat("cpu  1 2 3 4\ncpu0 1 2 x 4\nbtime 5\n")) ==
        "stat:2: expected at least 4 tick counts after cpu0, got \"x\"");
  CHECK(ErrorOf(ParseProcStat("cpu 1 2 3\nbtime 5\n")) ==
        "stat:1: expected at least 4 tick counts after cpu, got \"\"");
  CHECK(ErrorOf(ParseProcStat("cpu 1 2 3 4\n")) == "stat: no btime line");
  CHECK(ErrorOf(ParseProcStat("cpu0 1 2 3 4\ncpu0 1 2 3 4\nbtime 1\n")) ==
        "stat: cpu0 appears twice");
  CHECK(ErrorOf(ParseProcStat("")) == "stat: no cpu lines");
}

TEST_CASE("meminfo parsing converts kB to bytes and skips unknown keys",
          "[collectors][proc][parse]") {
  auto m = ParseMeminfo(Slurp(ProcFixture("host/t0/meminfo")));
  REQUIRE(m.ok());
  CHECK(m->total == 8192000000u);
  CHECK(m->free == 1024000000u);
  CHECK(m->available == 2048000000u);
  CHECK(m->buffers == 102400000u);
  CHECK(m->cached == 3072000000u);
  CHECK(m->swap_total == 2048000000u);
  CHECK(m->swap_free == 1536000000u);
}

TEST_CASE("meminfo without MemAvailable leaves it unset", "[collectors][proc][parse]") {
  auto m = ParseMeminfo("MemTotal: 100 kB\nMemFree: 10 kB\n");
  REQUIRE(m.ok());
  CHECK_FALSE(m->available.has_value());
  CHECK(m->free == 10240u);
}

TEST_CASE("meminfo errors name the key and line", "[collectors][proc][parse]") {
  CHECK(ErrorOf(ParseMeminfo("MemTotal: 100 kB\nMemAvailable: lots kB\n")) ==
        "meminfo:2: expected a number for MemAvailable, got \"lots\"");
  CHECK(ErrorOf(ParseMeminfo("MemTotal: 100 MB\n")) ==
        "meminfo:1: expected unit kB for MemTotal, got \"MB\"");
  CHECK(ErrorOf(ParseMeminfo("MemFree: 1 kB\n")) == "meminfo: no MemTotal line");
}

TEST_CASE("loadavg parsing reads three averages and the task counts", "[collectors][proc][parse]") {
  auto l = ParseLoadavg(Slurp(ProcFixture("host/t0/loadavg")));
  REQUIRE(l.ok());
  CHECK(l->load1 == 1.5);
  CHECK(l->load5 == 0.75);
  CHECK(l->load15 == 0.25);
  CHECK(l->runnable == 3);
  CHECK(l->processes == 412);
  CHECK(ErrorOf(ParseLoadavg("0.1 0.2\n")) == "loadavg:1: expected a load average, got \"\"");
}

TEST_CASE("pressure parsing turns percent into ratios and keeps totals in microseconds",
          "[collectors][proc][parse]") {
  auto p = ParsePressure(Slurp(ProcFixture("host/t0/pressure/io")));
  REQUIRE(p.ok());
  CHECK(p->some.avg10 == Approx(0.25).epsilon(1e-12));
  CHECK(p->some.avg60 == Approx(0.10).epsilon(1e-12));
  CHECK(p->some.avg300 == Approx(0.02).epsilon(1e-12));
  CHECK(p->some.total_us == 9000000);
  REQUIRE(p->full.has_value());
  CHECK(p->full->avg10 == Approx(0.20).epsilon(1e-12));
  CHECK(p->full->total_us == 7000000);
}

TEST_CASE("pressure for cpu on kernels before 5.13 has no full line", "[collectors][proc][parse]") {
  auto p = ParsePressure("some avg10=1.00 avg60=2.00 avg300=3.00 total=42\n");
  REQUIRE(p.ok());
  CHECK_FALSE(p->full.has_value());
  CHECK(p->some.total_us == 42);
}

TEST_CASE("pressure parsing rejects incomplete lines", "[collectors][proc][parse]") {
  CHECK(ErrorOf(ParsePressure("some avg10=1.00 avg60=2.00 total=42\n")) ==
        "pressure:1: expected avg10=, avg60=, avg300= and total=");
  CHECK(ErrorOf(ParsePressure("some avg10=x avg60=2.00 avg300=1 total=42\n")) ==
        "pressure:1: expected a number, got \"avg10=x\"");
}

TEST_CASE("file-nr parsing reads allocated, unused and max", "[collectors][proc][parse]") {
  auto f = ParseFileNr(Slurp(ProcFixture("host/t0/sys/fs/file-nr")));
  REQUIRE(f.ok());
  CHECK(f->allocated == 2048);
  CHECK(f->unused == 0);
  CHECK(f->max == 819200);
  auto huge = ParseFileNr("449\t0\t9223372036854775807\n");
  REQUIRE(huge.ok());
  CHECK(huge->max == 9223372036854775807ull);
}

TEST_CASE("pid stat parsing finds the fields after a comm containing spaces and ')'",
          "[collectors][proc][parse]") {
  const std::string text = Slurp(ProcFixture("wso2/t0/4242/stat"));
  auto s = ParsePidStat(text);
  REQUIRE(s.ok());
  CHECK(s->pid == 4242);
  CHECK(s->comm == "java ) x (y");
  CHECK(s->state == 'S');
  CHECK(s->ppid == 4200);
  CHECK(s->utime_ticks == 1000);
  CHECK(s->stime_ticks == 200);
  CHECK(s->num_threads == 250);
  CHECK(s->start_ticks == 50000);
  CHECK(s->rss_pages == 262144);
}

TEST_CASE("pid stat parsing handles an empty comm and negative priority fields",
          "[collectors][proc][parse]") {
  auto s = ParsePidStat("7 () R 1 7 7 0 -1 0 0 0 0 0 3 4 -5 -6 -2 -20 1 0 99 0 5");
  REQUIRE(s.ok());
  CHECK(s->comm.empty());
  CHECK(s->state == 'R');
  CHECK(s->utime_ticks == 3);
  CHECK(s->start_ticks == 99);
  CHECK(s->rss_pages == 5);
}

TEST_CASE("pid stat parsing rejects truncated and garbled lines", "[collectors][proc][parse]") {
  CHECK(ErrorOf(ParsePidStat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 3 4")) ==
        "pid stat: truncated (fewer than 24 fields)");
  CHECK(ErrorOf(ParsePidStat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 three 4 0 0 0 0 1 0 9 0 5")) ==
        "pid stat: unexpected value in field 14, got \"three\"");
  CHECK(ErrorOf(ParsePidStat("garbage")) ==
        "pid stat: expected \"PID (comm) ...\", got \"garbage\"");
}

TEST_CASE("zombie and dead states are not running", "[collectors][proc][parse]") {
  CHECK(IsDeadState('Z'));
  CHECK(IsDeadState('X'));
  CHECK_FALSE(IsDeadState('S'));
  CHECK_FALSE(IsDeadState('D'));
}

TEST_CASE("pid status parsing reads VmRSS, VmSwap and Threads in bytes",
          "[collectors][proc][parse]") {
  auto s = ParsePidStatus(Slurp(ProcFixture("wso2/t0/4242/status")));
  REQUIRE(s.ok());
  CHECK(s->vm_rss == 1073741824u);
  CHECK(s->vm_swap == 2097152u);
  CHECK(s->threads == 250u);
  CHECK(s->voluntary_ctxt_switches == 100u);
  CHECK(s->nonvoluntary_ctxt_switches == 7u);
}

TEST_CASE("pid status of a kernel thread has no memory figures", "[collectors][proc][parse]") {
  auto s = ParsePidStatus(Slurp(ProcFixture("wso2/t0/2/status")));
  REQUIRE(s.ok());
  CHECK_FALSE(s->vm_rss.has_value());
  CHECK(s->threads == 1u);
}

TEST_CASE("limits parsing reads the open files row, unlimited as none",
          "[collectors][proc][parse]") {
  auto l = ParseOpenFilesLimit(Slurp(ProcFixture("wso2/t0/4242/limits")));
  REQUIRE(l.ok());
  CHECK(l->soft == 64u);
  CHECK(l->hard == 4096u);
  auto u =
      ParseOpenFilesLimit("Max open files            unlimited            unlimited    files\n");
  REQUIRE(u.ok());
  CHECK_FALSE(u->soft.has_value());
  CHECK(ErrorOf(ParseOpenFilesLimit("Max processes 1 1 processes\n")) ==
        "pid limits: no \"Max open files\" row");
}

TEST_CASE("pidfile parsing accepts surrounding whitespace and rejects the rest",
          "[collectors][proc][parse]") {
  CHECK(*ParsePidfile("4242\n") == 4242);
  CHECK(*ParsePidfile("  17  ") == 17);
  auto table = GENERATE(as<std::string>{}, "", "0", "-5", "12abc", "99999999", "1 2");
  CHECK(ErrorOf(ParsePidfile(table)).starts_with("pidfile: expected a pid, got \""));
}

TEST_CASE("number parsers take whole tokens only", "[collectors][proc][parse]") {
  uint64_t u = 0;
  CHECK(ParseU64("18446744073709551615", &u));
  CHECK(u == 18446744073709551615ull);
  CHECK_FALSE(ParseU64("18446744073709551616", &u));
  CHECK_FALSE(ParseU64("-1", &u));
  CHECK_FALSE(ParseU64("1x", &u));
  double d = 0;
  CHECK(ParseDouble("12.50", &d));
  CHECK(d == 12.5);
  CHECK_FALSE(ParseDouble("1e3", &d));
}

TEST_CASE("error tokens are quoted, escaped and shortened", "[collectors][proc][parse]") {
  CHECK(QuoteToken(std::string_view("a\0b", 3)) == "\"a\\x00b\"");
  CHECK(QuoteToken(std::string(50, 'x')) == "\"" + std::string(40, 'x') + "...\"");
}

}  // namespace
}  // namespace cg::proc
