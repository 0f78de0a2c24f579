// The change detectors: per-minute counts, the rate test, the rule syntax, and the engine's
// new_signature / signature_rate / error_storm alerts against a baseline (a snapshot or the
// records before the cutover mark).
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "rules/change/minute_ring.h"
#include "rules/change/poisson.h"
#include "rules/engine.h"
#include "rules/json.h"
#include "rules/rule_loader.h"
#include "rules/signatures/miner.h"
#include "tests/rules/rule_test_util.h"

namespace cg {
namespace {

using testing::FakeMetrics;
using testing::MakeRecord;
using testing::Sec;

// The pack's change rules, minus the source filter (the test records are "carbon").
constexpr const char* kChgRules = R"(
rules:
  - id: new_error
    description: new error
    severity: warning
    condition: new_signature
    threshold: {count: 3, window: 10m}
  - id: new_error.sustained
    description: new error, every minute
    severity: critical
    condition: new_signature
    threshold: {count: 10, window: 10m, minutes: 10}
  - id: rate
    description: grew beyond traffic
    severity: warning
    condition: signature_rate
    threshold: {count: 20, window: 10m}
    ratio: 10
    significance: 1.0e-6
  - id: storm
    description: unknown error storm
    severity: warning
    condition: error_storm
    threshold: {count: 50, window: 5m, minutes: 5}
  - id: known.db
    description: a rule that covers database errors
    severity: info
    match: 'Database unreachable'
    levels: [ERROR]
)";

// A cutover at 2 h; records before it are the baseline.
constexpr int64_t kChgCutover = 7200;

EngineOptions ChgCutover() {
  EngineOptions o;
  o.cutover_at = Sec(kChgCutover);
  return o;
}

void ChgFeed(Engine& e, int64_t second, std::string_view text, Level level = Level::kError,
             std::string_view logger = "org.example.Handler") {
  e.OnRecord(MakeRecord(text, level, logger, Sec(second)), Sec(second));
}

// `per_minute` INFO records a minute (the traffic) from `from` to `to` seconds, evaluating
// every 10 s.
void ChgTraffic(Engine& e, int64_t from, int64_t to, int per_minute) {
  FakeMetrics m;
  for (int64_t t = from; t < to; t += 60) {
    for (int i = 0; i < per_minute; ++i) {
      ChgFeed(e, t + i * 60 / per_minute, "Request served in 12 ms", Level::kInfo,
              "org.apache.synapse.Access");
    }
  }
}

void ChgTick(Engine& e, int64_t second) {
  FakeMetrics m;
  e.Evaluate(Sec(second), m);
}

std::vector<Alert> ChgFiring(Engine& e, std::string_view rule) {
  std::vector<Alert> out;
  for (auto& a : e.alerts()) {
    if (a.rule == rule && a.state == AlertState::kFiring) out.push_back(a);
  }
  return out;
}

const SignatureReport* ChgSignature(const std::vector<SignatureReport>& all,
                                    std::string_view needle) {
  for (const auto& s : all) {
    if (s.template_text.find(needle) != std::string::npos) return &s;
  }
  return nullptr;
}

// A baseline: an hour of traffic and a known database error, before the cutover.
void ChgBefore(Engine& e) {
  ChgTraffic(e, kChgCutover - 3600, kChgCutover, 10);
  for (int i = 0; i < 5; ++i) {
    ChgFeed(e, kChgCutover - 3000 + i * 300, "Database unreachable at 10.0.0.7:5432 after 3000 ms");
  }
  ChgTick(e, kChgCutover - 1);
}

}  // namespace

TEST_CASE("minute counts sum and count busy minutes over a window", "[change]") {
  MinuteRing r;
  CHECK(r.Sum(Sec(0), 10) == 0);
  const int64_t base = 60 * 1000;  // A minute boundary far from the epoch.
  r.Add(Sec(base + 5));
  r.Add(Sec(base + 50));
  r.Add(Sec(base + 65));
  r.Add(Sec(base + 65 + 600));
  CHECK(r.Sum(Sec(base + 65), 1) == 1);
  CHECK(r.Sum(Sec(base + 65), 2) == 3);
  CHECK(r.Nonzero(Sec(base + 65), 2) == 2);
  CHECK(r.Sum(Sec(base + 665), 10) == 1);  // The first minutes left the window.
  CHECK(r.Sum(Sec(base + 665), 12) == 4);
  CHECK(r.Nonzero(Sec(base + 665), 12) == 3);
  r.Add(Sec(base + 665 + 3600 * 2));  // Two hours later: everything before is gone.
  CHECK(r.Sum(Sec(base + 665 + 7200), 64) == 1);
  r.Add(Sec(base));  // Older than the ring: dropped.
  CHECK(r.Sum(Sec(base + 665 + 7200), 64) == 1);
  MinuteRing other;
  other.Add(Sec(base + 665 + 7200), 4);
  r.Merge(other);
  CHECK(r.Sum(Sec(base + 665 + 7200), 1) == 5);
}

TEST_CASE("the Poisson tail matches closed forms", "[change]") {
  CHECK(std::exp(PoissonUpperTailLog(1, 1.0)) == Approx(1 - std::exp(-1.0)));
  CHECK(std::exp(PoissonUpperTailLog(3, 10.0)) ==
        Approx(1 - std::exp(-10.0) * (1 + 10 + 50)).epsilon(1e-9));
  // P(X >= 5 | 1) = 1 - e^-1 (1 + 1 + 1/2 + 1/6 + 1/24).
  CHECK(std::exp(PoissonUpperTailLog(5, 1.0)) ==
        Approx(1 - std::exp(-1.0) * (1 + 1 + 0.5 + 1.0 / 6 + 1.0 / 24)).epsilon(1e-9));
  CHECK(PoissonUpperTailLog(0, 3.0) == 0.0);
  CHECK(std::isinf(PoissonUpperTailLog(2, 0.0)));
  // Far in the tail it stays finite in log space.
  const double l = PoissonUpperTailLog(5000, 1.0);
  CHECK(std::isfinite(l));
  CHECK(l < -30000);
}

TEST_CASE("the rate test normalises by traffic", "[change]") {
  // Baseline: 30 in 3000 records (1%).
  const double share = BaselineShare(30, 3000);
  // Twice the traffic with twice the noise: 1% still.
  CHECK_FALSE(TestRate(20, 2000, share, 20, 10, 1e-6).regressed);
  // 50 times its share.
  const RateTest t = TestRate(100, 200, share, 20, 10, 1e-6);
  CHECK(t.regressed);
  CHECK(t.ratio > 40);
  CHECK(t.p_value < 1e-30);
  // Too few records to tell, however large the ratio.
  CHECK_FALSE(TestRate(5, 10, share, 20, 10, 1e-6).regressed);
}

TEST_CASE("change conditions load with their defaults and refuse what does not apply",
          "[change][loader]") {
  auto file = LoadRules(kChgRules, "c.yaml");
  REQUIRE(file.ok());
  const RuleSpec& n = file->rules[0];
  CHECK(n.kind == RuleKind::kNewSignature);
  CHECK(n.threshold.count == 3);
  CHECK(n.levels == ((1u << static_cast<unsigned>(Level::kError)) |
                     (1u << static_cast<unsigned>(Level::kFatal))));
  CHECK(file->rules[1].threshold.minutes == 10);
  CHECK(file->rules[2].kind == RuleKind::kSignatureRate);
  CHECK(file->rules[3].kind == RuleKind::kErrorStorm);
  CHECK(file->rules[3].threshold.minutes == 5);

  auto errors = [](std::string_view body) {
    return testing::LoadErrors("rules:\n  - id: x\n    description: d\n    severity: info\n" +
                               std::string(body));
  };
  CHECK_THAT(errors("    condition: new_signature\n    levels: [INFO, ERROR]\n"),
             Catch::Contains("WARN, ERROR and FATAL only"));
  CHECK_THAT(errors("    condition: error_storm\n    threshold: {count: 5, window: 2h}\n"),
             Catch::Contains("at most 1h"));
  CHECK_THAT(errors("    condition: error_storm\n    threshold: {count: 5, window: 2m, "
                    "minutes: 5}\n"),
             Catch::Contains("more minutes than the window"));
  CHECK_THAT(errors("    condition: new_signature\n    ratio: 3\n"),
             Catch::Contains("does not apply"));
  CHECK_THAT(errors("    condition: error_storm\n    match: x\n"), Catch::Contains("exclusive"));
  CHECK(errors("    condition: signature_rate\n    ratio: 3\n    traffic: access\n") == "");
  auto bad_traffic = LoadRules(
      "rules:\n  - id: x\n    description: d\n    severity: info\n    condition: signature_rate\n"
      "    traffic: acess\n",
      "t.yaml");
  REQUIRE(bad_traffic.ok());  // The log is checked against the configuration, later.
  auto set = CompileRules(bad_traffic->rules, testing::DefaultContext());
  REQUIRE_FALSE(set.ok());
  CHECK_THAT(set.error().ToString(), Catch::Contains("did you mean \"access\""));
}

TEST_CASE("a new ERROR that recurs after the cutover fires and the baseline's do not",
          "[change][engine]") {
  auto e = testing::MakeEngine(kChgRules, ChgCutover());
  ChgBefore(*e);
  ChgTraffic(*e, kChgCutover, kChgCutover + 600, 10);
  // The known error again, under other numbers: known.
  for (int i = 0; i < 5; ++i) {
    ChgFeed(*e, kChgCutover + 10 + i * 30, "Database unreachable at 10.0.0.9:5432 after 4000 ms");
  }
  // A new one, three times in two minutes.
  for (int i = 0; i < 3; ++i) {
    ChgFeed(*e, kChgCutover + 100 + i * 40,
            "java.lang.NoSuchMethodError: org.example.Auth.check(Ljava/lang/String;)V in request " +
                std::to_string(1000 + i));
  }
  ChgTick(*e, kChgCutover + 300);
  auto fired = ChgFiring(*e, "new_error");
  REQUIRE(fired.size() == 1);
  const Alert& a = fired[0];
  CHECK(a.count == 3);
  CHECK(a.window_count == 3);
  CHECK_THAT(a.detail, Catch::Contains("absent from the baseline"));
  REQUIRE_FALSE(a.evidence.empty());
  CHECK_THAT(a.evidence.front().text, Catch::Contains("request 1000"));
  bool has_template = false;
  for (const auto& [k, v] : a.labels) {
    if (k == "template") has_template = v.find("NoSuchMethodError") != std::string::npos;
  }
  CHECK(has_template);
  CHECK(e->recommendation().verdict == Verdict::kInvestigate);
  CHECK(ChgFiring(*e, "new_error.sustained").empty());

  auto sigs = e->Signatures();
  const SignatureReport* db = ChgSignature(sigs, "Database unreachable");
  REQUIRE(db != nullptr);
  CHECK(db->state == SignatureState::kKnown);
  CHECK(db->baseline_count == 5);
  CHECK(db->count == 5);
  CHECK(db->covered);
  const SignatureReport* fresh = ChgSignature(sigs, "NoSuchMethodError");
  REQUIRE(fresh != nullptr);
  CHECK(fresh->state == SignatureState::kNew);
  auto summary = e->change_summary();
  CHECK(summary.baseline.source == "pre-cutover");
  CHECK(summary.known == 1);
  REQUIRE(summary.fresh.size() == 1);
  CHECK(ToJson(summary)["new"][0]["state"] == "new");
}

TEST_CASE("a one-off new ERROR is listed and never alerted", "[change][engine]") {
  auto e = testing::MakeEngine(kChgRules, ChgCutover());
  ChgBefore(*e);
  ChgTraffic(*e, kChgCutover, kChgCutover + 1800, 10);
  ChgFeed(*e, kChgCutover + 60, "java.lang.ClassCastException: a.B cannot be cast to c.D");
  for (int64_t t = kChgCutover; t <= kChgCutover + 1800; t += 10) ChgTick(*e, t);
  CHECK(e->alerts().empty());
  CHECK(e->recommendation().verdict == Verdict::kContinue);
  auto summary = e->change_summary();
  REQUIRE(summary.fresh.size() == 1);
  CHECK(summary.fresh[0].count == 1);
}

TEST_CASE("a new ERROR every minute for ten minutes is critical", "[change][engine]") {
  auto e = testing::MakeEngine(kChgRules, ChgCutover());
  ChgBefore(*e);
  for (int m = 0; m < 12; ++m) {
    const int64_t minute = kChgCutover + m * 60;
    ChgTraffic(*e, minute, minute + 30, 5);
    ChgFeed(*e, minute + 30,
            "Mediator failed: java.lang.NullPointerException at step " + std::to_string(m));
    ChgTraffic(*e, minute + 31, minute + 60, 5);
    ChgTick(*e, minute + 59);
    INFO("minute " << m);
    // Ten busy minutes are needed: a burst of ten in one minute would not do.
    CHECK(ChgFiring(*e, "new_error.sustained").size() == (m >= 9 ? 1u : 0u));
    ChgTick(*e, minute + 61);  // A new minute without its record yet: still sustained.
    CHECK(ChgFiring(*e, "new_error.sustained").size() == (m >= 9 ? 1u : 0u));
  }
  CHECK(e->recommendation().verdict == Verdict::kRollback);
}

TEST_CASE("without a baseline new_signature and signature_rate stay quiet", "[change][engine]") {
  auto e = testing::MakeEngine(kChgRules);  // No cutover, no snapshot.
  ChgTraffic(*e, 0, 900, 10);
  for (int i = 0; i < 20; ++i) ChgFeed(*e, 10 + i * 30, "Brand new failure in flow 42");
  ChgTick(*e, 900);
  CHECK(e->alerts().empty());
  auto sigs = e->Signatures();
  REQUIRE(sigs.size() == 1);
  CHECK(sigs[0].state == SignatureState::kUnjudged);
  CHECK(e->change_summary().baseline.source == "none");
}

TEST_CASE("an ERROR storm no rule covers fires without a baseline but a covered one does not",
          "[change][engine]") {
  auto e = testing::MakeEngine(kChgRules);
  for (int s = 0; s < 360; s += 5) {
    ChgFeed(*e, s, "Unexpected failure in custom handler for tenant " + std::to_string(s));
    ChgFeed(*e, s, "Database unreachable at 10.0.0.7:5432 after 3000 ms");
    if (s % 10 == 0) ChgTick(*e, s);
  }
  ChgTick(*e, 362);  // A new minute without a record yet: the storm is still on.
  auto storm = ChgFiring(*e, "storm");
  REQUIRE(storm.size() == 1);
  CHECK_THAT(storm[0].detail, Catch::Contains("no rule covers it"));
  bool unknown_one = false;
  for (const auto& [k, v] : storm[0].labels) {
    if (k == "template") unknown_one = v.find("custom handler") != std::string::npos;
  }
  CHECK(unknown_one);
  CHECK(e->recommendation().verdict == Verdict::kInvestigate);
}

TEST_CASE("a WARN growing far beyond traffic fires but noise growing with traffic does not",
          "[change][engine]") {
  auto e = testing::MakeEngine(kChgRules, ChgCutover());
  // Baseline: an hour at 20 records a minute; "slow backend" is 10% of it, "cache miss" 0.1%.
  ChgTraffic(*e, kChgCutover - 3600, kChgCutover, 18);
  for (int64_t t = kChgCutover - 3600; t < kChgCutover; t += 30) {
    ChgFeed(*e, t, "Slow backend response from pizzashack", Level::kWarn, "org.example.Backend");
  }
  ChgFeed(*e, kChgCutover - 1800, "Cache miss storm for key tenant-7", Level::kWarn,
          "org.example.Cache");
  ChgTick(*e, kChgCutover - 1);
  // After: three times the traffic, slow backend still 10%; cache misses 50x their share.
  ChgTraffic(*e, kChgCutover, kChgCutover + 600, 54);
  for (int64_t t = kChgCutover; t < kChgCutover + 600; t += 10) {
    ChgFeed(*e, t, "Slow backend response from pizzashack", Level::kWarn, "org.example.Backend");
  }
  for (int64_t t = kChgCutover; t < kChgCutover + 600; t += 12) {
    ChgFeed(*e, t, "Cache miss storm for key tenant-" + std::to_string(t % 7), Level::kWarn,
            "org.example.Cache");
  }
  ChgTick(*e, kChgCutover + 599);
  auto fired = ChgFiring(*e, "rate");
  REQUIRE(fired.size() == 1);
  CHECK_THAT(fired[0].detail, Catch::Contains("its baseline share"));
  bool cache = false;
  for (const auto& [k, v] : fired[0].labels) {
    if (k == "template") cache = v.find("Cache miss") != std::string::npos;
  }
  CHECK(cache);
  auto summary = e->change_summary();
  REQUIRE(summary.regressed.size() == 1);
  CHECK(summary.regressed[0].ratio > 20);
  CHECK(e->recommendation().verdict == Verdict::kInvestigate);
}

TEST_CASE("a baseline snapshot makes its signatures known", "[change][engine]") {
  // Learn a template the way `baseline learn` does: mine the old environment's messages.
  auto miner = SignatureMiner::Create({});
  REQUIRE(miner.ok());
  const SignatureKey key{"carbon", Level::kError, "org.example.Handler"};
  for (int i = 0; i < 4; ++i) {
    (*miner)->Add(key,
                  "Token validation failed for user u" + std::to_string(i * 17) + " with code " +
                      std::to_string(900 + i),
                  Sec(i));
  }
  auto baseline = std::make_shared<Baseline>();
  BaselineLog log;
  log.name = "carbon";
  log.records = 10000;
  log.first = Sec(-86400);
  log.last = Sec(0);
  baseline->logs.push_back(log);
  for (const auto& s : (*miner)->Signatures()) {
    BaselineSignature b;
    b.id = s.id;
    b.log = "carbon";
    b.level = s.level;
    b.logger = s.logger;
    b.template_text = s.template_text;
    b.count = s.count;
    baseline->signatures.push_back(b);
  }
  REQUIRE(baseline->signatures.size() == 1);
  EngineOptions o;
  o.baseline = baseline;
  auto e = testing::MakeEngine(kChgRules, o);
  ChgTraffic(*e, 0, 600, 10);
  for (int i = 0; i < 6; ++i) {
    ChgFeed(*e, 10 + i * 20,
            "Token validation failed for user u" + std::to_string(500 + i) + " with code 901");
  }
  ChgTick(*e, 600);
  CHECK(ChgFiring(*e, "new_error").empty());
  auto sigs = e->Signatures();
  REQUIRE(sigs.size() == 1);
  CHECK(sigs[0].state == SignatureState::kKnown);
  CHECK(sigs[0].baseline_count == 4);
  CHECK(e->baseline_status().source == "snapshot");
  CHECK(e->baseline_status().signatures == 1);
}

TEST_CASE("a snapshot's counts survive until their signature shows up past max_tracked",
          "[change][engine]") {
  auto baseline = std::make_shared<Baseline>();
  BaselineLog log;
  log.name = "carbon";
  log.records = 100000;
  log.first = Sec(-86400);
  log.last = Sec(0);
  baseline->logs.push_back(log);
  BaselineSignature b;
  b.log = "carbon";
  b.level = Level::kWarn;
  b.logger = "org.example.Cache";
  b.template_text = "Cache refresh slow for region <NUM>";
  b.count = 5000;  // 5% of the traffic: 20 in 400 records is no regression.
  baseline->signatures.push_back(b);
  EngineOptions o;
  o.baseline = baseline;
  o.change.max_tracked = 4;
  auto e = testing::MakeEngine(kChgRules, o);
  // Many other signatures first: the tracked table turns over several times.
  for (int i = 0; i < 40; ++i) {
    ChgFeed(*e, i,
            "Distinct failure number " + std::string(1, static_cast<char>('a' + i % 26)) +
                std::string(1, static_cast<char>('a' + i / 26)) + " happened",
            Level::kWarn, "org.example.Other" + std::to_string(i));
  }
  ChgTraffic(*e, 60, 660, 40);
  for (int i = 0; i < 25; ++i) {
    ChgFeed(*e, 100 + i * 20, "Cache refresh slow for region " + std::to_string(i), Level::kWarn,
            "org.example.Cache");
  }
  ChgTick(*e, 660);
  CHECK(ChgFiring(*e, "rate").empty());
  const auto sigs = e->Signatures();  // The pointer below points into it.
  const SignatureReport* cache = ChgSignature(sigs, "Cache refresh");
  REQUIRE(cache != nullptr);
  CHECK(cache->state == SignatureState::kKnown);
  CHECK(cache->baseline_count == 5000);
}

TEST_CASE("with no baseline possible only what error_storm reads is mined", "[change][engine]") {
  auto none = testing::MakeEngine(kChgRules);  // No snapshot, no cutover mark.
  ChgFeed(*none, 1, "Slow backend response from pizzashack", Level::kWarn, "org.example.Backend");
  ChgFeed(*none, 2, "Brand new failure in flow 42");
  ChgTick(*none, 3);
  auto sigs = none->Signatures();
  REQUIRE(sigs.size() == 1);  // The ERROR; the WARN only counts as traffic.
  CHECK(sigs[0].level == Level::kError);
  // A cutover mark makes a baseline possible: WARNs are mined from then on.
  none->SetCutover(Sec(10));
  ChgFeed(*none, 20, "Slow backend response from pizzashack", Level::kWarn, "org.example.Backend");
  ChgTick(*none, 21);
  CHECK(none->Signatures().size() == 2);
}

TEST_CASE("change alerts are not saved and restoring the rest still works", "[change][engine]") {
  auto e = testing::MakeEngine(kChgRules, ChgCutover());
  ChgBefore(*e);
  for (int i = 0; i < 3; ++i)
    ChgFeed(*e, kChgCutover + 10 + i, "Brand new failure " + std::to_string(i));
  ChgTick(*e, kChgCutover + 60);
  REQUIRE(ChgFiring(*e, "new_error").size() == 1);
  auto state = e->SaveState();
  // The saved state holds the rule but none of its alert identities.
  bool saw_rule = false;
  for (const auto& r : state["rules"]) {
    if (r["id"] != "new_error") continue;
    saw_rule = true;
    CHECK(r["groups"].empty());
  }
  CHECK(saw_rule);
  auto fresh = testing::MakeEngine(kChgRules, ChgCutover());
  REQUIRE(fresh->RestoreState(state).ok());
  CHECK(fresh->alerts().empty());
}

}  // namespace cg
