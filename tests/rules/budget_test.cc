// RE2's memory budget: when the rules' matcher set does not compile, the error names the rules
// responsible and where they are written.
#include <catch2/catch.hpp>

#include "rules/rule_loader.h"
#include "rules/rule_set.h"
#include "tests/rules/rule_test_util.h"

namespace cg {
namespace {

using cg::testing::DefaultContext;

// One small rule, then the given patterns as rules big.0, big.1, ... (one per line pair).
std::vector<RuleSpec> Specs(const std::vector<std::string>& patterns) {
  std::string text = "rules:\n  - {id: small, description: d, severity: info, match: 'Boom'}\n";
  for (size_t i = 0; i < patterns.size(); ++i) {
    text += "  - {id: big." + std::to_string(i) + ", description: d, severity: info, match: '" +
            patterns[i] + "'}\n";
  }
  auto file = LoadRules(text, "pack.yaml");
  REQUIRE(file.ok());
  return file->rules;
}

TEST_CASE("a pattern too large for a matcher set is reported at its rule", "[rules][budget]") {
  // \pL{200} compiles as a single RE2 (the loader accepts it) but not inside an RE2::Set.
  auto compiled = CompileRules(Specs({"\\pL{200}"}), DefaultContext());
  REQUIRE_FALSE(compiled.ok());
  REQUIRE(compiled.error().size() == 1);
  const Diagnostic& d = compiled.error().items()[0];
  CHECK(d.ToString().rfind("pack.yaml:3:5: rule \"big.0\" (pack.yaml:3:5): pattern too large for "
                           "RE2's memory budget (8 MiB) in a matcher set",
                           0) == 0);
}

TEST_CASE("patterns that fit alone but not together name the rule that tips the set over",
          "[rules][budget]") {
  auto compiled =
      CompileRules(Specs({"a\\pL{60}", "b\\pL{60}", "c\\pL{60}", "d\\pL{60}"}), DefaultContext());
  REQUIRE_FALSE(compiled.ok());
  REQUIRE(compiled.error().size() == 1);
  const std::string msg = compiled.error().items()[0].ToString();
  INFO(msg);
  // small + big.0 + big.1 fit; big.2 is the fourth pattern and the first that does not.
  CHECK(msg.rfind("pack.yaml:5:5: rule \"big.2\" (pack.yaml:5:5): the rules' patterns do not fit "
                  "in RE2's memory budget (8 MiB) together from this rule on (4 of 8 patterns)",
                  0) == 0);
  CHECK(msg.find("largest before it: rule \"big.") != std::string::npos);
  CHECK(msg.find("(pack.yaml:3:5)") != std::string::npos);
  CHECK(msg.find("(pack.yaml:4:5)") != std::string::npos);
}

TEST_CASE("rules within the budget compile", "[rules][budget]") {
  auto compiled = CompileRules(Specs({"a\\pL{60}", "b\\pL{60}"}), DefaultContext());
  REQUIRE(compiled.ok());
  CHECK((*compiled)->rules().size() == 3);
}

TEST_CASE("a single pattern over the budget says so at its rule", "[rules][budget]") {
  std::vector<RuleSpec> specs = Specs({});
  specs[0].match = "\\pL{1000}";  // Past the loader, as a reload of a changed spec could be.
  auto compiled = CompileRules(specs, DefaultContext());
  REQUIRE_FALSE(compiled.ok());
  CHECK(compiled.error().items()[0].ToString() ==
        "pack.yaml:2:5: rule \"small\".match: pattern too large for RE2's memory budget (8 MiB): "
        "pattern too large - compile failed");
}

}  // namespace
}  // namespace cg
