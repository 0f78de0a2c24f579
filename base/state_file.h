// Generational state files: `<path>` (the current generation) and `<path>.prev` (the one
// before it). One damaged file never loses state: the loader falls back to the previous
// generation, which is at most one write older.
//
// Writing: the current file is renamed to `.prev` (atomic), then the new content is written
// with WriteFileAtomic (temp file, fsync, rename, directory fsync). A crash (SIGKILL, power
// loss) between the two steps leaves no current file and a good `.prev`, which the loader
// takes. Reading: the current file is read (size-capped) and checked by the caller's
// validator; a damaged one is set aside as `<path>.corrupt` (the evidence is kept, and the next
// write cannot rotate it into `.prev`) and `.prev` is tried.
//
// Plain functions over the filesystem; thread-safe as long as no two callers use the same path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cg {

// Where loaded state came from.
enum class StateSource : uint8_t {
  kNone,      // Neither generation exists: a first start.
  kCurrent,   // The current generation.
  kPrevious,  // `.prev`: the current one was missing or damaged (see `problem`).
  kDamaged,   // Both generations exist but neither is usable (see `problem`).
};
std::string_view StateSourceName(StateSource s);  // "none", "current", "previous", "damaged"

struct StateLoad {
  StateSource source = StateSource::kNone;
  std::string text;     // The accepted content (kCurrent, kPrevious).
  std::string problem;  // Why the current (and, for kDamaged, the previous) one was refused.
};

std::filesystem::path PreviousGeneration(const std::filesystem::path& path);  // <path>.prev

// Validates a generation's content; an error refuses it.
using StateValidator = std::function<Status(std::string_view text)>;

// Loads the newest usable generation (files larger than `max_bytes` are refused). Never fails:
// the outcome is in StateLoad::source.
StateLoad LoadStateFile(const std::filesystem::path& path, uint64_t max_bytes,
                        const StateValidator& validate);

// Makes `content` the current generation and the current one the previous generation.
Status WriteStateFile(const std::filesystem::path& path, std::string_view content);

}  // namespace cg
