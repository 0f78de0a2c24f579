// The daemon's configuration: one YAML file, parsed and validated as a whole.
//
// ParseConfig() never stops at the first mistake: it returns every problem as FILE:LINE:COL
// diagnostics (unknown keys with a "did you mean" hint, wrong types, out-of-range values,
// unreadable rule files). Relative paths are resolved against the config file's directory.
// A Config is a plain value, immutable once built; share it as shared_ptr<const Config>.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/diagnostics.h"
#include "base/status.h"
#include "base/units.h"
#include "collectors/logs/log_spec.h"
#include "collectors/proc/target_spec.h"
#include "daemon/notify/notify_config.h"
#include "rules/recommendation.h"

namespace cg {

using std::chrono::milliseconds;

struct CutoverConfig {
  std::optional<WallTime> at;  // The cutover mark; observation starts here.
  std::string at_text;         // As written, for display.
  milliseconds warmup{5 * 60 * 1000};
};

// When a blind spot makes the verdict `unknown` (daemon/coverage.h).
// What "before the cutover" looked like, for the change detectors (README "Change
// detectors"): a snapshot written by `cutover-guard baseline learn`. Without one, the records
// before cutover.at are the baseline.
struct BaselineConfig {
  std::filesystem::path snapshot;  // Empty: none. Relative paths resolve against the config.
  bool operator==(const BaselineConfig&) const = default;
};

struct CoverageConfig {
  // A log missing or unreadable, or a target not found, for this long (and not before this
  // long after the daemon's start) is a blind spot.
  milliseconds grace{5 * 60 * 1000};
};

struct ApiConfig {
  std::filesystem::path token_file;  // Optional; without it, write endpoints are disabled.
  uint64_t max_body_bytes = 64 * 1024;
  int64_t threads = 4;              // I/O threads of the HTTP server.
  int64_t max_connections = 256;    // Open HTTP connections at most (daemon/http/http_api.h).
  milliseconds head_timeout{5000};  // A request line and headers must arrive within this.
  milliseconds idle_timeout{2000};  // A connection that sends nothing for this long is closed.
  bool operator==(const ApiConfig&) const = default;
};

// 1-based position of a value in the config file; 0 = unknown.
struct ConfigPos {
  int line = 0;
  int column = 0;
};

struct Config {
  std::filesystem::path source;  // The file it came from ("" for inline text).
  std::string instance;          // Alertmanager `instance` label; default: the host name.
  HostPort listen{"127.0.0.1", 9860};
  std::filesystem::path state_dir = "/var/lib/cutover-guard";
  std::filesystem::path proc_root = "/proc";
  milliseconds sample_interval{1000};
  milliseconds history{15 * 60 * 1000};  // Length of each series' history ring.
  // How often alert state and offsets are saved (at most this much is read again after a
  // crash; every save is an fsync).
  milliseconds checkpoint_interval{5000};
  CutoverConfig cutover;
  BaselineConfig baseline;
  CoverageConfig coverage;
  std::vector<TargetSpec> targets;                // collectors/proc/target_spec.h
  std::vector<LogSpec> logs;                      // collectors/logs/log_spec.h; paths resolved.
  std::vector<std::string> rule_files;            // Globs as written (resolved).
  std::vector<std::filesystem::path> rule_paths;  // What the globs matched, sorted, unique.
  AlertingConfig alerting;
  ApiConfig api;
  RecommendationPolicy recommendation;  // `recommendation:` (see README "Rules").
  Diagnostics warnings;                 // Not fatal (e.g. a rule glob that matches nothing).
  // Where values were written, for checks made after parsing (check-config's host checks).
  // Keys: "state_dir", "api.token_file", "rule_files", "logs[I].path", "targets[I].pidfile"
  // (I = list index); a key is absent when the value was not written. Kept out of LogSpec and
  // TargetSpec so their operator== (used on reload) ignores where a value moved to.
  std::map<std::string, ConfigPos> positions;
};

// Parses and validates config text. `name` is used in diagnostics and as the base for
// relative paths (its directory). Checks rule file globs against the filesystem.
Result<Config, Diagnostics> ParseConfig(std::string_view text, const std::filesystem::path& name);

// Reads `path` and calls ParseConfig.
Result<Config, Diagnostics> LoadConfigFile(const std::filesystem::path& path);

}  // namespace cg
