// One function per subcommand; each returns the process exit code and writes to out/err.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace cg {

struct CheckConfigOptions {
  std::string config;
  // Check the files, directories and token on this host as this user (default: "cutover-guard"
  // when running as root and that user exists, else the current user).
  std::string as_user;
  // false: only the config and the rules (e.g. in CI, or for another machine's config).
  bool host_checks = true;
};
struct RunOptions {
  std::string config;
  std::string proc_root;  // Overrides config proc_root when set.
};
struct ReplayOptions {
  std::string config;
  std::string log_format;
  std::string cutover_at;
  std::string output_format = "text";
  std::vector<std::string> files;
  // Baseline snapshots or the old environment's logs (learned on the fly), merged.
  std::vector<std::string> baselines;
};
// `baseline learn`: whole log files (and snapshots, merged in) -> a baseline snapshot.
struct BaselineLearnOptions {
  std::string out;         // Snapshot file to write (atomically).
  std::string log_format;  // Layout of every file; "" = by name or first line (like replay).
  std::string min_level = "WARN";  // Records mined into signatures: this level and above.
  std::vector<std::string> files;  // Logs (plain or .gz) or snapshots.
};
// `baseline show`: a snapshot's summary and its most frequent signatures.
struct BaselineShowOptions {
  std::string file;
  size_t top = 20;  // Signatures listed (0: all).
};
// `signatures`: the templates mined from log files.
struct SignaturesOptions {
  std::string log_format;  // "" = by name or first line; "plain" = one message per line.
  std::string output_format = "text";  // "text" or "json".
  bool per_record = false;  // One "<id>\t<template>" line per record instead of the table.
  std::string min_level;    // "" = every record; else this level and above (leveled logs).
  std::vector<std::string> files;
};

int CheckConfigCommand(const CheckConfigOptions& opts, std::ostream& out, std::ostream& err);
int RunCommand(const RunOptions& opts, std::ostream& out, std::ostream& err);
int ReplayCommand(const ReplayOptions& opts, std::ostream& out, std::ostream& err);
// These three exit 0 on success, 1 on an error (the message on `err`).
int BaselineLearnCommand(const BaselineLearnOptions& opts, std::ostream& out, std::ostream& err);
int BaselineShowCommand(const BaselineShowOptions& opts, std::ostream& out, std::ostream& err);
int SignaturesCommand(const SignaturesOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace cg
