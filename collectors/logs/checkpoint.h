// Checkpoint files: per log, the identity and committed offset of every file it tracks.
//
// One JSON document per log at <state_dir>/logs/<name>.json, written atomically (temp file,
// fsync, rename, directory fsync) by the tailer. The offset is the one just past the last
// record handed on, so a restart re-reads a pending record rather than skipping it.
// Plain functions over values; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "collectors/record.h"

namespace cg {

struct CheckpointEntry {
  std::string path;       // Where the file was last seen.
  FileIdentity id;        // device, inode, fingerprint.
  uint32_t fp_len = 0;    // Bytes the fingerprint covers.
  uint64_t offset = 0;    // Committed: just past the last record handed on.
  uint64_t size = 0;      // Size when checkpointed.
  int64_t mtime_ns = 0;   // mtime when checkpointed.
  bool live = false;      // Still at a path the spec matched (not rotated away).
  bool finished = false;  // Fully read and closed: kept only so it is never read again.
  bool gz = false;        // Read through gzip (offsets are decompressed bytes).
  std::string guard;      // Up to 32 bytes just before `offset` (to verify copies).
};

struct CheckpointState {
  std::string log;           // LogSpec::name.
  std::string pattern;       // LogSpec::path when written (a changed pattern changes start rules).
  int64_t max_mtime_ns = 0;  // Newest mtime among the files seen (filesystem time domain).
  std::vector<CheckpointEntry> files;
};

std::filesystem::path CheckpointPath(const std::filesystem::path& state_dir, std::string_view log);
std::string SerializeCheckpoint(const CheckpointState& state);
// Errors describe what is wrong (not JSON, too deep, wrong version, missing field).
Result<CheckpointState> ParseCheckpoint(std::string_view text);

// The same as a JSON value, for state files that carry checkpoints inside them (the daemon
// saves offsets together with its alert state).
inline constexpr size_t kMaxCheckpointDepth = 8;
nlohmann::json CheckpointToJson(const CheckpointState& state);
Result<CheckpointState> CheckpointFromJson(const nlohmann::json& j);

}  // namespace cg
