// Small filesystem helpers with Status-style errors (no exceptions escape).
// Thread-safe (they touch only their arguments and the filesystem).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"

namespace cg {

// Size caps for the files the daemon reads (anything read from outside is bounded).
inline constexpr uint64_t kMaxConfigFileBytes = 4ull << 20;  // Config, rule files.
inline constexpr uint64_t kMaxSecretFileBytes = 4096;        // Token, webhook secrets.
inline constexpr uint64_t kMaxStateFileBytes = 64ull << 20;  // Checkpoints, alert state.

// Reads a whole file of at most `max_bytes` bytes; a larger file (or a device that never
// ends, such as /dev/zero) is an error that says so, after reading at most max_bytes + 1
// bytes. Errors name the path and the errno text.
Result<std::string> ReadFile(const std::filesystem::path& path, uint64_t max_bytes);

// Writes via temp file + fsync + rename + directory fsync, so readers see old or new, never a
// torn file, even across a crash.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content);

// True if `pattern` contains glob metacharacters (* ? [).
bool HasGlobMeta(std::string_view pattern);

// Expands a glob(3) pattern to the matching paths, sorted. A pattern without metacharacters
// yields itself if it exists. No match is not an error (empty list); an I/O error is.
Result<std::vector<std::filesystem::path>> ExpandGlob(const std::string& pattern);

// Resolves `p` against `base_dir` when it is relative (config paths are relative to the
// config file's directory).
std::filesystem::path ResolveAgainst(const std::filesystem::path& base_dir,
                                     const std::filesystem::path& p);

}  // namespace cg
