// Helpers for the rules tests: hand-built records, a fake metric source, compiling inline YAML.
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "collectors/metric_source.h"
#include "collectors/record.h"
#include "rules/engine.h"
#include "rules/rule_loader.h"
#include "rules/rule_set.h"

namespace cg::testing {

// 2024-11-16T02:10:00Z: the sample lines' night.
inline WallTime T0() { return WallTime(std::chrono::seconds(1'731'723'000)); }
inline WallTime At(std::chrono::milliseconds offset) { return T0() + offset; }
inline WallTime Sec(int64_t s) { return T0() + std::chrono::seconds(s); }

inline RuleContext DefaultContext() {
  RuleContext ctx;
  ctx.logs = {{"carbon", LogFormat::kWso2Carbon},
              {"gw-errors", LogFormat::kWso2Errors},
              {"access", LogFormat::kTomcatAccess}};
  ctx.targets = {"wso2am"};
  return ctx;
}

inline Record MakeRecord(std::string_view text, Level level = Level::kError,
                         std::string_view logger = "org.example.Component", WallTime time = T0(),
                         std::string_view log = "carbon") {
  Record r;
  r.log = std::string(log);
  r.file = "/var/log/wso2/" + std::string(log) + ".log";
  r.offset = 0;
  r.time = time;
  r.time_from_log = true;
  r.recognised = true;  // Stands for an entry line of the log's layout.
  r.level = level;
  r.logger = std::string(logger);
  r.text = std::string(text);
  r.lines = 1;
  for (char c : text) r.lines += c == '\n';
  return r;
}

class FakeMetrics : public MetricSource {
 public:
  void Set(std::string_view series, std::string_view target, double v) {
    values_[{std::string(series), std::string(target)}] = v;
  }
  void Clear(std::string_view series, std::string_view target) {
    values_.erase({std::string(series), std::string(target)});
  }
  std::optional<double> Latest(std::string_view series, std::string_view target) const override {
    auto it = values_.find({std::string(series), std::string(target)});
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::pair<std::string, std::string>, double> values_;
};

inline std::shared_ptr<const RuleSet> Compile(std::string_view yaml,
                                              const RuleContext& ctx = DefaultContext()) {
  auto file = LoadRules(yaml, "test.yaml");
  if (!file.ok()) FAIL("rule file does not load:\n" << file.error().ToString());
  auto set = CompileRules(file->rules, ctx);
  if (!set.ok()) FAIL("rules do not compile:\n" << set.error().ToString());
  return *set;
}

inline std::unique_ptr<Engine> MakeEngine(std::string_view yaml, EngineOptions options = {},
                                          const RuleContext& ctx = DefaultContext()) {
  auto e = Engine::Create(Compile(yaml, ctx), std::move(options));
  if (!e.ok()) FAIL("engine: " << e.error().message());
  return std::move(e).value();
}

// The errors of a rule file that must not load, as one string.
inline std::string LoadErrors(std::string_view yaml) {
  auto file = LoadRules(yaml, "r.yaml");
  if (file.ok()) return "";
  return file.error().ToString();
}

}  // namespace cg::testing
