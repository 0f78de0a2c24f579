// DetectLayout: which WSO2 layout a log file is in, from its first lines, with the evidence.
//
// Every known layout (wso2-carbon, wso2-console, wso2-errors, wso2-audit, tomcat-access) is
// scored on the same sample: the share of its non-empty lines that the layout explains, i.e.
// lines that start one of its records plus, for multi-line layouts, the continuation lines a
// record holds (stack frames, "Caused by:", "... N more", exception class lines, indented
// text) once a record has started. Lines before the first record (a nohup.out's JVM and shell
// preamble: at most kMaxPreambleLines, or kMaxPreambleOneRecord before a single record) are
// skipped. Lines in a container runtime's envelope (CRI,
// Docker json-file) are unwrapped first, and split pieces joined.
//
// The best layout is chosen only when it explains at least kLayoutConfidence of the sample; a
// tie is broken by the file-name hint (wso2carbon*, wso2-apigw-errors*, audit*, http_access*)
// and then by the order above. Otherwise nothing is chosen (`decided` false): the caller reads
// the file as plain text and says the layout was not recognised.
//
// Two layouts share a shape and are told apart per line: the console's "[date] LEVEL - Class
// msg" and the 2.6 audit log's "[date] LEVEL - msg". A line counts for the console when the
// word after "- " is a Java class name (not followed by " :", as in the audit's "Initiator :"),
// and for the audit log otherwise.
//
// Pure function of its input; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/logs/envelope.h"
#include "collectors/logs/log_format.h"

namespace cg {

// Share of the sampled lines the chosen layout must explain.
inline constexpr double kLayoutConfidence = 0.6;
// Lines before the first record that may be a preamble (nohup.out starts with the start
// scripts' JAVA_HOME/CARBON_HOME/memory lines) rather than a sign of another layout.
inline constexpr uint32_t kMaxPreambleLines = 50;
// ... of which this many before a file's only record (a node that died at its first error).
inline constexpr uint32_t kMaxPreambleOneRecord = 10;
// Bytes of a file's head that callers read for DetectLayout.
inline constexpr size_t kLayoutHeadBytes = 64 * 1024;
// Lines sampled (after unwrapping) at most.
inline constexpr uint32_t kLayoutSampleLines = 400;

struct LayoutScore {
  LogFormat format = LogFormat::kPlain;
  uint32_t entries = 0;        // Sampled lines that start one of its records.
  uint32_t continuations = 0;  // Lines its records would hold after an entry line.
  double share = 0;            // (entries + continuations) / lines from its first entry on.
};

struct LayoutDetection {
  bool decided = false;
  LogFormat format = LogFormat::kPlain;  // The chosen layout (kPlain when not decided).
  Envelope envelope = Envelope::kNone;   // kCri/kDocker when most sampled lines had one.
  uint32_t sampled = 0;                  // Non-empty lines scored.
  uint32_t preamble = 0;                 // Lines before the chosen layout's first record.
  std::vector<LayoutScore> scores;       // Every layout tried, best first.
  std::string reason;                    // One sentence for a human: what was chosen and why.
};

// `head`: the file's first bytes (a cut last line is ignored unless it is the only one).
// `file_name`: the base name, for the tie-breaking hint ("" for none).
LayoutDetection DetectLayout(std::string_view head, std::string_view file_name);

// The file-name hint alone: the layout WSO2 writes under that name, or nullopt.
std::optional<LogFormat> LayoutFromFileName(std::string_view file_name);

// The log name a file of `format` gets when no config names it: "carbon", "console",
// "gw-errors", "audit", "access", "plain", "custom".
std::string_view DefaultLogName(LogFormat format);

}  // namespace cg
