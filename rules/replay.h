// Replay: whole log files through the live record assembler and the rule engine, in log time.
//
// Used by `cutover-guard replay` (daemon/replay_command.cc) and the golden tests. Each file is
// read with ReadRecordsFromFile (plain or gzip, the same assembler as live tailing). With more
// than one file the records are merged by timestamp (stable: file order breaks ties), so
// wso2carbon.log, its rotated siblings and the errors log interleave as they happened. The
// engine runs on the records' own timestamps: Evaluate() is called whenever log time has moved
// `tick` past the previous evaluation (and once at the end), then the record is handed on.
// Pure apart from reading the files; thread-safe (each call has its own engine).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "collectors/logs/layout_detect.h"
#include "collectors/logs/log_spec.h"
#include "rules/engine.h"

namespace cg {

struct ReplayFile {
  std::filesystem::path path;
  LogSpec spec;  // name, format, envelope, entry_start, timezone, max_line are used.
  // How the layout was chosen (InferLogSpec's detection, the config, --log-format), for the
  // report; `layout_recognised` false: no layout explains the file, it is read as plain text
  // and the verdict is `unknown`.
  std::string layout_reason;
  bool layout_recognised = true;
};

struct ReplayInput {
  std::vector<ReplayFile> files;
  std::shared_ptr<const RuleSet> rules;
  EngineOptions engine;  // policy, cutover_at, warmup, baseline (registry: usually null).
  std::chrono::milliseconds tick{1000};
};

struct ReplayFileStats {
  std::string path;
  std::string log;
  LogFormat format = LogFormat::kPlain;
  uint64_t lines = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t recognised_lines = 0;  // Lines in records whose first line is in the layout.
  Envelope envelope = Envelope::kAuto;
  std::string layout_reason;  // ReplayFile's.
  bool layout_recognised = true;
};

struct ReplayResult {
  std::vector<AlertEvent> timeline;  // Every transition, in time order.
  std::vector<Alert> alerts;         // Final state (pending, firing, resolved).
  Recommendation recommendation;
  std::vector<RuleStatus> rules;
  // What is new or growing since the cutover (change detectors; empty without them).
  ChangeSummary signatures;
  std::vector<ReplayFileStats> files;
  uint64_t records = 0;
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t records_before_cutover = 0;
  std::optional<WallTime> first_record;
  std::optional<WallTime> last_record;
};

// Fails (nothing partial) if a file cannot be read completely: a verdict over missing data
// would not be trustworthy. The verdict is `unknown` (with the blind spots as reasons) when no
// alert decides and the input could not be judged (ReplayBlindSpots).
Result<ReplayResult> Replay(const ReplayInput& input);

// A file needs this many lines before its share of unrecognised lines makes it a blind spot.
inline constexpr uint64_t kMinLinesToJudgeLayout = 10;

// What replay could not judge, from the per-file counts: no record at all, or a file where
// more than half of the lines are not in records of its layout (a wrong --log-format: the
// lines then fold into one undated record, or become records no header was parsed from).
std::vector<BlindSpot> ReplayBlindSpots(const ReplayResult& r, WallTime at);

// The log name and layout for a file replayed without a matching config entry: by the content
// of its first 64 KiB (gzip-aware; collectors/logs/layout_detect.h DetectLayout, the file name
// only breaking ties), else by its file name when there is no line to judge (wso2carbon* ->
// carbon/wso2-carbon, *.out -> console/wso2-console, wso2-apigw-errors* -> gw-errors/wso2-errors,
// audit* -> audit/wso2-audit, http_access* -> access/tomcat-access), else plain. The log name
// is DefaultLogName(format). `detection` (optional) receives the evidence.
LogSpec InferLogSpec(const std::filesystem::path& file, LayoutDetection* detection = nullptr);

// Where the WSO2 rule pack is: the installed copy (<prefix>/share/cutover-guard/rules/wso2-apim)
// if it exists, else the source tree's rules/wso2-apim (a build that is not installed).
std::filesystem::path DefaultRulePackDir();

}  // namespace cg
