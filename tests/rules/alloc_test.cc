// The hot path's promise: a record that matches nothing allocates nothing (after warm-up).
// Counts global operator new calls while a flag is set; the replacement is for this test
// executable only.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>

#include "tests/rules/rule_test_util.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Every non-aligned form is replaced, so all of them pair malloc with free (sanitizers check
// that allocation and deallocation functions match).
namespace {
void* Allocate(size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace

void* operator new(size_t n) {
  if (void* p = Allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  if (void* p = Allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
// GCC cannot see that the replaced news allocate with malloc.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace cg {
namespace {

using cg::testing::MakeRecord;
using cg::testing::Sec;

TEST_CASE("a record that matches no rule allocates nothing on the hot path",
          "[rules][engine][alloc]") {
  auto e = cg::testing::MakeEngine(R"(rules:
  - id: db
    description: d
    severity: critical
    match: 'PoolExhaustedException|Communications link failure'
    levels: [ERROR, FATAL]
  - id: fault
    description: d
    severity: warning
    match: '\{api:(?P<api>[^}]+)\} .*ERROR_CODE = 10150[345]'
    loggers: 'LogMediator$'
  - id: oom
    description: d
    severity: critical
    match: 'java\.lang\.OutOfMemoryError'
)");
  std::vector<Record> records = {
      MakeRecord("Pass-through HTTP Listener started on 0.0.0.0:8280", Level::kInfo,
                 "org.apache.synapse.transport.passthru.core.PassThroughListeningIOReactorManager",
                 Sec(0)),
      MakeRecord("STATUS = Message dispatched to the main sequence. Invalid URL.", Level::kInfo,
                 "org.apache.synapse.mediators.builtin.LogMediator", Sec(0)),
      MakeRecord("Error while retrieving API Artifact\n\tat a.b.C.d(C.java:1)", Level::kError,
                 "org.wso2.carbon.apimgt.impl.utils.APIUtil", Sec(0)),
      MakeRecord("10.40.2.17 - - [16/Nov/2024:02:15:44 +0000] POST /oauth2/token HTTP/1.1 200",
                 Level::kUnknown, "", Sec(0), "access"),
  };
  // Warm-up: every logger, bucket and RE2 DFA state is seen once.
  for (int round = 0; round < 3; ++round) {
    for (const auto& r : records) e->OnRecord(r, Sec(round));
  }
  g_allocations = 0;
  g_counting = true;
  for (int round = 0; round < 1000; ++round) {
    for (const auto& r : records) e->OnRecord(r, Sec(10 + round));
  }
  g_counting = false;
  CHECK(g_allocations.load() == 0);
  CHECK(e->records() == 4 * 1003);
}

}  // namespace
}  // namespace cg
