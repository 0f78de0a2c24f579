// The daemon's state file, <state_dir>/alerts.json: the rule engine's alert state and, from
// the same event-loop turn, every log's checkpoint. One file, written atomically as one
// generation (base/state_file.h keeps the previous one), so alert state and offsets
// always agree: after any crash the daemon resumes from a pair where every record after the
// offsets is absent from the alert state, and reading those records again re-fires what they
// fired. Nothing is lost and nothing counts twice; at most one checkpoint interval is re-read.
//
//   {"version": 2, "engine": <Engine::SaveState()>, "logs": {"<name>": <checkpoint>, ...}}
//
// Version 1 files (the engine state alone, written before 0.2) are read as an engine state
// without offsets (the logs then resume from their own checkpoint files).
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "collectors/logs/checkpoint.h"

namespace cg {

inline constexpr size_t kMaxStateDepth = 32;

// The records before the cutover mark as a baseline snapshot (rules/signatures/baseline.h),
// written by the daemon once the mark has passed and read at start when its source names the
// configured mark (README "Change detectors").
inline constexpr const char* kPreCutoverFile = "baseline-before-cutover.json";

struct StateBundle {
  nlohmann::json engine;                        // Engine::RestoreState input.
  std::map<std::string, CheckpointState> logs;  // By log name.
};

std::string SerializeStateBundle(const nlohmann::json& engine,
                                 const std::vector<CheckpointState>& logs);
// Size- and depth-capped; errors say what is wrong.
Result<StateBundle> ParseStateBundle(std::string_view text);

}  // namespace cg
