// Fuzzes the two YAML front doors: the daemon config (cg::ParseConfig) and rule files
// (cg::LoadRules, then CompileRules when the file loads).
//
// Both take text an operator edits by hand and must turn any mistake into FILE:LINE:COL
// diagnostics, never a crash or an exception escaping yaml-cpp: a config reload (SIGHUP,
// POST /-/reload) runs them inside the live daemon. CompileRules runs against an empty context
// (every log/target reference fails to resolve) and against the shipped config's logs, so the
// RE2 compilation and matcher layout of rules that do resolve is reached too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/config.h"
#include "rules/rule_loader.h"
#include "rules/rule_set.h"

namespace {

const cg::RuleContext& PackContext() {
  static const cg::RuleContext* ctx = [] {
    auto* c = new cg::RuleContext;
    c->logs = {{"carbon", cg::LogFormat::kWso2Carbon}, {"gw-errors", cg::LogFormat::kWso2Errors},
               {"audit", cg::LogFormat::kWso2Audit},   {"access", cg::LogFormat::kTomcatAccess},
               {"plain", cg::LogFormat::kPlain},       {"custom", cg::LogFormat::kCustom}};
    c->targets = {"wso2am"};
    return c;
  }();
  return *ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto config = cg::ParseConfig(text, "fuzz.yaml");
  if (!config.ok()) (void)config.error().ToString();

  auto file = cg::LoadRules(text, "fuzz-rules.yaml");
  if (!file.ok()) {
    (void)file.error().ToString();
    return 0;
  }
  auto empty = cg::CompileRules(file->rules, cg::RuleContext{});
  if (!empty.ok()) (void)empty.error().ToString();
  auto pack = cg::CompileRules(file->rules, PackContext());
  if (!pack.ok()) (void)pack.error().ToString();
  return 0;
}
