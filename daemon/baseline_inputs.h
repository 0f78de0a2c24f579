// A baseline from the files an operator names: `baseline learn LOGS...` and
// `replay --baseline FILE...` accept both snapshots (written by `baseline learn`) and raw logs
// of the old environment (plain or .gz), learned on the fly. Snapshots are recognised by their
// first bytes (LooksLikeBaselineSnapshot), logs are learned with LearnBaseline, and everything
// is merged into one baseline. Reads files; thread-compatible.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "collectors/logs/log_format.h"
#include "collectors/logs/log_spec.h"
#include "rules/signatures/baseline.h"

namespace cg {

// `spec_for` names each log file (log name and layout); `format`, when set, overrides the
// layout of every log. Errors: a file that is not readable, a snapshot that does not load, a
// log that cannot be read completely; the message names the file.
Result<Baseline> BaselineFromFiles(
    const std::vector<std::string>& files,
    const std::function<LogSpec(const std::filesystem::path&)>& spec_for,
    std::optional<LogFormat> format, Level min_level, WallTime now);

}  // namespace cg
