#include <catch2/catch.hpp>

#include "rules/recommendation_config.h"
#include "tests/rules/rule_test_util.h"

namespace cg {
namespace {

using cg::testing::Sec;

Alert MakeAlert(std::string rule, Severity sev, AlertState state, int64_t since,
                uint64_t count = 1) {
  Alert a;
  a.id = AlertId(rule, {});
  a.rule = std::move(rule);
  a.description = "d";
  a.severity = sev;
  a.state = state;
  a.first_seen = Sec(since);
  if (state == AlertState::kFiring) a.fired_at = Sec(since);
  if (state == AlertState::kPending) a.pending_since = Sec(since);
  a.count = count;
  return a;
}

TEST_CASE("a firing critical alert recommends rollback", "[rules][recommendation]") {
  auto r = Recommend({MakeAlert("db", Severity::kCritical, AlertState::kFiring, 5, 12),
                      MakeAlert("gw", Severity::kWarning, AlertState::kFiring, 2, 3)},
                     {});
  CHECK(r.verdict == Verdict::kRollback);
  REQUIRE(r.reasons.size() == 2);
  CHECK(r.reasons[0].rule == "db");  // Most severe first.
  CHECK(r.reasons[0].count == 12);
  CHECK(r.reasons[0].since == Sec(5));
  CHECK(r.summary ==
        "rollback: 2 alerts firing (critical db x12 since 2024-11-16T02:10:05.000Z, warning gw "
        "x3 since 2024-11-16T02:10:02.000Z)");
}

TEST_CASE("a blind spot makes continue unknown, but never hides a firing alert",
          "[rules][recommendation][unknown]") {
  const std::vector<BlindSpot> blind = {
      {"log carbon", "no file matches /x/wso2carbon.log", Sec(1)}};
  auto quiet = Recommend({}, {}, blind);
  CHECK(quiet.verdict == Verdict::kUnknown);
  CHECK(VerdictExitCode(quiet.verdict) == 3);
  CHECK(quiet.summary ==
        "unknown: cannot judge, 1 blind spot (log carbon: no file matches /x/wso2carbon.log)");
  auto warn = Recommend({MakeAlert("gw", Severity::kWarning, AlertState::kFiring, 2)}, {}, blind);
  CHECK(warn.verdict == Verdict::kInvestigate);
  CHECK(warn.blind_spots == blind);  // Still listed: the reasons list everything.
  CHECK(warn.summary.find("; and 1 blind spot") != std::string::npos);
  auto crit = Recommend({MakeAlert("db", Severity::kCritical, AlertState::kFiring, 2)}, {}, blind);
  CHECK(crit.verdict == Verdict::kRollback);
  // An info alert does not outrank a blind spot.
  auto info = Recommend({MakeAlert("i", Severity::kInfo, AlertState::kFiring, 2)}, {}, blind);
  CHECK(info.verdict == Verdict::kUnknown);
}

TEST_CASE("verdict precedence is rollback, investigate, unknown, continue",
          "[rules][recommendation][unknown]") {
  CHECK(VerdictRank(Verdict::kRollback) > VerdictRank(Verdict::kInvestigate));
  CHECK(VerdictRank(Verdict::kInvestigate) > VerdictRank(Verdict::kUnknown));
  CHECK(VerdictRank(Verdict::kUnknown) > VerdictRank(Verdict::kContinue));
  for (Verdict v : kAllVerdicts) CHECK(ParseVerdict(VerdictName(v)) == v);
  CHECK_FALSE(ParseVerdict("maybe").has_value());
}

TEST_CASE("a firing warning recommends investigate", "[rules][recommendation]") {
  auto r = Recommend({MakeAlert("gw", Severity::kWarning, AlertState::kFiring, 2),
                      MakeAlert("info", Severity::kInfo, AlertState::kFiring, 1)},
                     {});
  CHECK(r.verdict == Verdict::kInvestigate);
  REQUIRE(r.reasons.size() == 1);
  CHECK(r.reasons[0].rule == "gw");
}

TEST_CASE("pending, resolved and info alerts leave the verdict at continue",
          "[rules][recommendation]") {
  auto r = Recommend({MakeAlert("a", Severity::kCritical, AlertState::kPending, 1),
                      MakeAlert("b", Severity::kCritical, AlertState::kResolved, 1),
                      MakeAlert("c", Severity::kInfo, AlertState::kFiring, 1)},
                     {});
  CHECK(r.verdict == Verdict::kContinue);
  CHECK(r.reasons.empty());
}

TEST_CASE("min_alerts raises the bar for rollback", "[rules][recommendation]") {
  RecommendationPolicy p;
  p.rollback_min_alerts = 2;
  auto one = Recommend({MakeAlert("a", Severity::kCritical, AlertState::kFiring, 1)}, p);
  CHECK(one.verdict == Verdict::kInvestigate);  // Still >= warning.
  auto two = Recommend({MakeAlert("a", Severity::kCritical, AlertState::kFiring, 1),
                        MakeAlert("b", Severity::kCritical, AlertState::kFiring, 1)},
                       p);
  CHECK(two.verdict == Verdict::kRollback);
}

TEST_CASE("acknowledged alerts count unless the policy says otherwise", "[rules][recommendation]") {
  Alert a = MakeAlert("a", Severity::kCritical, AlertState::kFiring, 1);
  a.acked = true;
  CHECK(Recommend({a}, {}).verdict == Verdict::kRollback);
  RecommendationPolicy p;
  p.count_acknowledged = false;
  CHECK(Recommend({a}, p).verdict == Verdict::kContinue);
}

TEST_CASE("count_pending makes a pending alert worth investigating", "[rules][recommendation]") {
  RecommendationPolicy p;
  p.count_pending = true;
  auto r = Recommend({MakeAlert("a", Severity::kCritical, AlertState::kPending, 1)}, p);
  CHECK(r.verdict == Verdict::kInvestigate);
  REQUIRE(r.reasons.size() == 1);
  CHECK(r.reasons[0].state == AlertState::kPending);
}

TEST_CASE("the policy is read from the config with every problem reported",
          "[rules][recommendation]") {
  Diagnostics diags;
  YamlContext ctx("c.yaml", &diags);
  auto node = LoadYaml(R"(recommendation:
  rollback: {severity: warning, min_alerts: 2}
  investigate: {severity: info}
  count_pending: true
  count_acknowledged: false
)",
                       ctx);
  REQUIRE(node);
  RecommendationPolicy p;
  ReadRecommendationPolicy((*node)["recommendation"], ctx, &p);
  CHECK(diags.empty());
  CHECK(p.rollback_severity == Severity::kWarning);
  CHECK(p.rollback_min_alerts == 2);
  CHECK(p.investigate_severity == Severity::kInfo);
  CHECK(p.count_pending);
  CHECK_FALSE(p.count_acknowledged);

  Diagnostics bad;
  YamlContext bctx("c.yaml", &bad);
  auto bnode = LoadYaml(
      "recommendation:\n  rollback: {severity: info}\n  investigate: {severity: warning}\n  "
      "count_pendng: true\n",
      bctx);
  RecommendationPolicy q;
  ReadRecommendationPolicy((*bnode)["recommendation"], bctx, &q);
  CHECK(bad.ToString() ==
        "c.yaml:2:13: recommendation.rollback.severity: must not be below "
        "investigate.severity\n"
        "c.yaml:4:3: recommendation: unknown key \"count_pendng\" (did you mean "
        "\"count_pending\"?)\n");
}

}  // namespace
}  // namespace cg
