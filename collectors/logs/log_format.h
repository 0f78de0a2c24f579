// The record layouts the tailer understands, and where a tailer starts in a file never seen
// before: the one vocabulary for the config's `logs[].format` / `start_at`, the rule files'
// `source`, replay's `--log-format` and every report. Parsed once where text comes in (config,
// rule files, command line); everything after works with the enums. Pure values, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cg {

enum class LogFormat {
  kWso2Carbon,    // wso2carbon.log (log4j2 CARBON_LOGFILE layout, 2.6 with its tenant prefix).
  kWso2Console,   // What wso2server.sh/api-manager.sh print: nohup.out, wso2carbon.out, stdout.
  kWso2Errors,    // wso2-apigw-errors.log.
  kWso2Audit,     // audit.log.
  kTomcatAccess,  // http_access_*.log (one record per line).
  kPlain,         // Any text: one record per line.
  kCustom,        // Records start where the log's entry_start regex matches.
};

// "wso2-carbon", "wso2-console", "wso2-errors", "wso2-audit", "tomcat-access", "plain", "custom".
std::string_view LogFormatName(LogFormat format);
std::optional<LogFormat> ParseLogFormat(std::string_view name);
// Every name, in the order above (for error messages and "did you mean").
const std::vector<std::string>& LogFormatNames();

enum class StartAt {
  kEnd,        // Skip what the file holds now; read what is appended (the shipped default).
  kBeginning,  // Read the file from its first byte.
};

std::string_view StartAtName(StartAt start_at);  // "end", "beginning".
std::optional<StartAt> ParseStartAt(std::string_view name);
const std::vector<std::string>& StartAtNames();

}  // namespace cg
