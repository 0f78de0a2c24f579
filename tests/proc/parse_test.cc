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
  auto bad = ParseProcStat("cpu  1 2 3 4\ncpu0 1 2 x 4\nbtime 5\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() == "stat:2: expected at least 4 tick counts after cpu0, got \"x\"");
  auto short_line = ParseProcStat("cpu 1 2 3\nbtime 5\n");
  REQUIRE_FALSE(short_line.ok());
  CHECK(short_line.error().message() ==
        "stat:1: expected at least 4 tick counts after cpu, got \"\"");
  auto no_btime = ParseProcStat("cpu 1 2 3 4\n");
  REQUIRE_FALSE(no_btime.ok());
  CHECK(no_btime.error().message() == "stat: no btime line");
  auto dup = ParseProcStat("cpu0 1 2 3 4\ncpu0 1 2 3 4\nbtime 1\n");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message() == "stat: cpu0 appears twice");
  auto empty = ParseProcStat("");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message() == "stat: no cpu lines");
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
  auto bad = ParseMeminfo("MemTotal: 100 kB\nMemAvailable: lots kB\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() == "meminfo:2: expected a number for MemAvailable, got \"lots\"");
  auto unit = ParseMeminfo("MemTotal: 100 MB\n");
  REQUIRE_FALSE(unit.ok());
  CHECK(unit.error().message() == "meminfo:1: expected unit kB for MemTotal, got \"MB\"");
  auto none = ParseMeminfo("MemFree: 1 kB\n");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message() == "meminfo: no MemTotal line");
}

TEST_CASE("loadavg parsing reads three averages and the task counts", "[collectors][proc][parse]") {
  auto l = ParseLoadavg(Slurp(ProcFixture("host/t0/loadavg")));
  REQUIRE(l.ok());
  CHECK(l->load1 == 1.5);
  CHECK(l->load5 == 0.75);
  CHECK(l->load15 == 0.25);
  CHECK(l->runnable == 3);
  CHECK(l->processes == 412);
  auto bad = ParseLoadavg("0.1 0.2\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() == "loadavg:1: expected a load average, got \"\"");
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
  auto p = ParsePressure("some avg10=1.00 avg60=2.00 total=42\n");
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().message() == "pressure:1: expected avg10=, avg60=, avg300= and total=");
  auto q = ParsePressure("some avg10=x avg60=2.00 avg300=1 total=42\n");
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().message() == "pressure:1: expected a number, got \"avg10=x\"");
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
  auto truncated = ParsePidStat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 3 4");
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().message() == "pid stat: truncated (fewer than 24 fields)");
  auto garbled = ParsePidStat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 three 4 0 0 0 0 1 0 9 0 5");
  REQUIRE_FALSE(garbled.ok());
  CHECK(garbled.error().message() == "pid stat: unexpected value in field 14, got \"three\"");
  auto no_comm = ParsePidStat("garbage");
  REQUIRE_FALSE(no_comm.ok());
  CHECK(no_comm.error().message() == "pid stat: expected \"PID (comm) ...\", got \"garbage\"");
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
  auto none = ParseOpenFilesLimit("Max processes 1 1 processes\n");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message() == "pid limits: no \"Max open files\" row");
}

TEST_CASE("pidfile parsing accepts surrounding whitespace and rejects the rest",
          "[collectors][proc][parse]") {
  CHECK(*ParsePidfile("4242\n") == 4242);
  CHECK(*ParsePidfile("  17  ") == 17);
  auto table = GENERATE(as<std::string>{}, "", "0", "-5", "12abc", "99999999", "1 2");
  auto p = ParsePidfile(table);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().message().starts_with("pidfile: expected a pid, got \""));
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
