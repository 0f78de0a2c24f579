// Directory helpers for the tailer: listing regular files with their stat, recognising the
// names a rotation scheme gives a log file, exclude globs, and a natural name order.
// Pure functions over the filesystem; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/logs/file_io.h"

namespace cg {

struct DirEntry {
  std::string name;
  std::filesystem::path path;
  FileStat st;
};

// Regular files directly in `dir` (symlinks followed, entries that vanish meanwhile skipped).
// Returns 0 or the errno of opening the directory.
int ListRegularFiles(const std::filesystem::path& dir, std::vector<DirEntry>* out);

// "a-2.log" < "a-10.log": runs of digits compare by value.
bool NaturalLess(std::string_view a, std::string_view b);

// True if fnmatch(3) matches `name` against any of `globs`.
bool MatchesAnyGlob(const std::vector<std::string>& globs, std::string_view name);

// Recognises names a rotation gives a live file: for "wso2carbon.log" (stem "wso2carbon",
// extension ".log") it accepts the stem, then only digits and - . _, then the extension, then
// only digits and - . _, then an optional ".gz":
//   wso2carbon-11-15-2024-1.log   wso2carbon-11-15-2024.log   wso2carbon.log.2024-11-15
//   wso2carbon.log.1              wso2-apigw-errors-11-16-2024-1.log.gz
// and rejects other logs sharing the prefix (wso2carbon-trace-messages.log, wso2carbon.log.lck).
class RotatedNameMatcher {
 public:
  explicit RotatedNameMatcher(std::string_view live_name);
  bool Matches(std::string_view name) const;

 private:
  std::string live_, stem_, ext_;
};

}  // namespace cg
