#include "daemon/layout_check.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "base/fs.h"
#include "collectors/logs/dir_scan.h"
#include "collectors/logs/file_io.h"
#include "collectors/logs/layout_detect.h"
#include "daemon/preflight.h"

namespace cg {
namespace {

// The file the tailer reads first for `path`: the path itself, or the glob's newest match not
// excluded (the live file; rotated ones may be in an older layout after an upgrade, and an
// excluded sibling such as wso2carbon-trace-messages.log is another log).
std::optional<std::filesystem::path> NewestFile(const std::string& path,
                                                const std::vector<std::string>& exclude) {
  std::error_code ec;
  if (!HasGlobMeta(path)) {
    if (std::filesystem::is_regular_file(path, ec)) return std::filesystem::path(path);
    return std::nullopt;
  }
  auto matched = ExpandGlob(path);
  if (!matched.ok()) return std::nullopt;
  std::optional<std::filesystem::path> newest;
  std::filesystem::file_time_type newest_time{};
  for (const auto& f : *matched) {
    const auto t = std::filesystem::last_write_time(f, ec);
    if (ec || !std::filesystem::is_regular_file(f, ec)) continue;
    if (MatchesAnyGlob(exclude, f.filename().string())) continue;
    if (!newest || t > newest_time) {
      newest = f;
      newest_time = t;
    }
  }
  return newest;
}

}  // namespace

std::vector<std::string> CheckLogLayouts(const Config& config, Diagnostics* warnings) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < config.logs.size(); ++i) {
    const LogSpec& log = config.logs[i];
    const std::string what = "logs[" + std::to_string(i) + "] (" + log.name + ")";
    const auto file = NewestFile(log.path, log.exclude);
    if (!file) continue;  // Reported by the host checks (missing, unreadable).
    const LayoutDetection d =
        DetectLayout(ReadFileHead(*file, kLayoutHeadBytes), file->filename().string());
    std::string line = what + " " + file->string() + ": " + std::string(LogFormatName(log.format)) +
                       " as configured";
    if (d.sampled == 0) {
      lines.push_back(line + " (the file has no line to judge yet)");
      continue;
    }
    const std::string key = "logs[" + std::to_string(i) + "].path";
    if (log.format == LogFormat::kCustom || log.format == LogFormat::kPlain) {
      lines.push_back(line + "; detection: " + d.reason);
      continue;
    }
    if (!d.decided) {
      AddAt(warnings, config, key,
            what + ": " + file->string() + " is in no known layout (" + d.reason +
                "); configured " + std::string(LogFormatName(log.format)) +
                ", the rules may not read it");
      lines.push_back(line + "; layout NOT recognised: " + d.reason);
      continue;
    }
    if (d.format != log.format) {
      AddAt(warnings, config, key,
            what + ": " + file->string() + " looks like " + d.reason + "; configured " +
                std::string(LogFormatName(log.format)) +
                " (set format: " + std::string(LogFormatName(d.format)) + "?)");
      lines.push_back(line + "; but the content looks like " +
                      std::string(LogFormatName(d.format)));
      continue;
    }
    lines.push_back(line + "; the content agrees: " + d.reason);
  }
  return lines;
}

}  // namespace cg
