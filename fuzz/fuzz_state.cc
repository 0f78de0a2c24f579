// Fuzzes the state files the daemon reads back at start: log checkpoints (ParseCheckpoint), the
// notification spool (Spool::Open on a file holding the input) and the daemon's state file
// (ParseStateBundle, then Engine::RestoreState), each followed by what the daemon does
// next with the result (serialise it again, evaluate, save).
//
// These files survive crashes, disk-full and hand edits, and a restart must never turn a
// damaged file into a crash loop: every one of them must load, or be refused with an error.
// The same input is given to all three loaders (they all read JSON).
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_bounded.h"
#include "collectors/logs/checkpoint.h"
#include "collectors/metric_source.h"
#include "daemon/notify/spool.h"
#include "daemon/state_bundle.h"
#include "rules/engine.h"
#include "rules/rule_loader.h"
#include "rules/rule_set.h"
#include "tests/rules/sample_rules.h"

namespace {

// A small rule set covering plain, captured-label, distinct and static-label rules, so that
// restored groups meet each way the engine keys them.
// The pool and per-API rules are the engine tests' (tests/rules/sample_rules.h).
constexpr std::string_view kManyApisRule = R"(  - id: gw.backend.many
    description: many APIs failing
    severity: critical
    match: '\{api:(?P<api>[^}]+)\} .*ERROR_CODE = 101503'
    threshold: {count: 3, window: 5m, distinct: {label: api, count: 3}}
)";

[[noreturn]] void Die(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_state: %s: %s\n", what, detail.c_str());
  std::abort();
}

class NoMetrics : public cg::MetricSource {
 public:
  std::optional<double> Latest(std::string_view, std::string_view) const override {
    return std::nullopt;
  }
};

std::shared_ptr<const cg::RuleSet> Rules() {
  static const auto* rules = [] {
    const std::string text =
        cg::testing::RuleFile({cg::testing::PoolRule(), cg::testing::kPerApiRule, kManyApisRule});
    auto file = cg::LoadRules(text, "fuzz-state-rules.yaml");
    if (!file.ok()) Die("inline rules do not load", file.error().ToString());
    cg::RuleContext ctx;
    ctx.logs = {{"carbon", cg::LogFormat::kWso2Carbon}, {"gw-errors", cg::LogFormat::kWso2Errors}};
    ctx.targets = {"wso2am"};
    auto set = cg::CompileRules(file->rules, ctx);
    if (!set.ok()) Die("inline rules do not compile", set.error().ToString());
    return new std::shared_ptr<const cg::RuleSet>(*set);
  }();
  return *rules;
}

// A private directory for the spool file, made once per process and removed at exit.
const std::filesystem::path& SpoolFile() {
  static const std::filesystem::path* file = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cg-fuzz-state-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp", tmpl);
    static const std::filesystem::path dir = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return new std::filesystem::path(dir / "notify" / "receiver.spool");
  }();
  return *file;
}

void FuzzCheckpoint(std::string_view text) {
  auto state = cg::ParseCheckpoint(text);
  if (!state.ok()) return;
  // What the tailer does with a loaded checkpoint at the next commit: write it again. It must
  // read back as the same thing.
  std::string again = cg::SerializeCheckpoint(*state);
  auto reparsed = cg::ParseCheckpoint(again);
  if (!reparsed.ok()) Die("a serialised checkpoint does not parse", reparsed.error().message());
  if (cg::SerializeCheckpoint(*reparsed) != again) Die("checkpoint round trip differs", again);
}

void FuzzSpool(std::string_view text) {
  const auto& path = SpoolFile();
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  // A small budget so that loading has to drop items.
  auto spool = cg::Spool::Open(path, 4096);
  if (!spool.ok()) return;
  cg::Spool& s = **spool;
  // Items are re-encoded when pushed; the receiver then reads them back out.
  s.Push(cg::SpoolItem{"fuzz-1", "alert", 1'764'000'000'000, nlohmann::json{{"k", "v"}}});
  uint64_t bytes = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const cg::SpoolItem& item = s.at(i);
    bytes += item.id.size() + item.kind.size();
    (void)item.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (s.bytes() > s.max_bytes()) Die("spool over its budget", std::to_string(s.bytes()));
  s.PopFront(s.size() / 2);
  (void)bytes;
}

void FuzzAlertState(std::string_view text) {
  // The daemon's loader: the state bundle (engine state + per-log checkpoints), which also
  // reads the engine-only version 1 files.
  auto bundle = cg::ParseStateBundle(text);
  if (!bundle.ok()) return;
  auto engine = cg::Engine::Create(Rules(), cg::EngineOptions{});
  if (!engine.ok()) Die("engine", engine.error().message());
  cg::Engine& e = **engine;
  if (!e.RestoreState(bundle->engine).ok()) return;
  // As the daemon after a restore: evaluate on the next tick, publish, checkpoint.
  const cg::WallTime now{std::chrono::seconds(1'764'000'000)};
  static const NoMetrics metrics;
  e.Evaluate(now, metrics);
  (void)e.TakeTransitions();
  (void)e.alerts();
  (void)e.recommendation();
  (void)e.rule_status();
  std::vector<cg::CheckpointState> logs;
  for (const auto& [name, cp] : bundle->logs) logs.push_back(cp);
  std::string saved = cg::SerializeStateBundle(e.SaveState(), logs);
  // What was saved must restore (the next start reads it).
  auto again = cg::ParseStateBundle(saved);
  if (!again.ok()) Die("saved state does not parse", again.error().message());
  auto fresh = cg::Engine::Create(Rules(), cg::EngineOptions{});
  if (!fresh.ok()) Die("engine", fresh.error().message());
  if (auto st = (*fresh)->RestoreState(again->engine); !st.ok()) {
    Die("saved alert state does not restore", st.message());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  FuzzCheckpoint(text);
  FuzzSpool(text);
  FuzzAlertState(text);
  return 0;
}
