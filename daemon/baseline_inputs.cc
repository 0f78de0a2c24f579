#include "daemon/baseline_inputs.h"

namespace cg {

Result<Baseline> BaselineFromFiles(
    const std::vector<std::string>& files,
    const std::function<LogSpec(const std::filesystem::path&)>& spec_for,
    std::optional<LogFormat> format, Level min_level, WallTime now) {
  LearnOptions learn;
  learn.min_level = min_level;
  std::vector<LearnInput> inputs;
  std::vector<std::string> snapshots;
  for (const auto& f : files) {
    std::error_code ec;
    const std::filesystem::path p(f);
    if (!std::filesystem::is_regular_file(p, ec)) {
      return Status::Error(f + ": not a readable file");
    }
    if (LooksLikeBaselineSnapshot(p)) {
      snapshots.push_back(f);
      continue;
    }
    LearnInput in{p, spec_for(p)};
    if (format) {
      in.spec.format = *format;
      in.spec.entry_start.clear();
    }
    in.spec.path = f;
    inputs.push_back(std::move(in));
  }
  auto learned = LearnBaseline(inputs, learn, now);
  if (!learned.ok()) return learned.error();
  Baseline b = std::move(learned).value();
  for (const auto& s : snapshots) {
    auto loaded = LoadBaseline(s);
    if (!loaded.ok()) return loaded.error();
    MergeBaseline(*loaded, &b);
  }
  return b;
}

}  // namespace cg
