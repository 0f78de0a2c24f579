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
  // Also print the effective rule set (after rules.d overrides and disables) with where each
  // rule and each overridden field came from.
  bool print_rules = false;
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

// The operator commands talk to the running daemon's HTTP API (daemon/operator_client.h):
// its address comes from the config's `listen` unless --url is given, and the write commands'
// bearer token from its `api.token_file` unless --token-file is given.
inline constexpr const char* kDefaultConfigPath = "/etc/cutover-guard/config.yaml";
struct OperatorOptions {
  std::string config = kDefaultConfigPath;
  std::string url;         // "http://host:port"; overrides the config's `listen`.
  std::string token_file;  // Overrides the config's `api.token_file` (write commands).
};
// `status`: the verdict with its reasons, the alerts and the coverage, as a Nagios/Icinga
// check plugin (first line "CUTOVER-GUARD <VERDICT> - ...").
struct StatusOptions {
  OperatorOptions target;
  std::string output_format = "text";  // "text" or "json" (the raw GET /api/v1/status).
};
// `ack ID`: acknowledges an alert, with an optional comment.
struct AckOptions {
  OperatorOptions target;
  std::string id;
  std::string comment;  // "" = none.
};
// `cutover`: sets the cutover mark.
struct CutoverOptions {
  OperatorOptions target;
  std::string at;  // "" = now (the daemon's clock); else a time the API accepts.
};
// `reload`: reloads the daemon's config and rules.
struct ReloadOptions {
  OperatorOptions target;
};

int CheckConfigCommand(const CheckConfigOptions& opts, std::ostream& out, std::ostream& err);
int RunCommand(const RunOptions& opts, std::ostream& out, std::ostream& err);
int ReplayCommand(const ReplayOptions& opts, std::ostream& out, std::ostream& err);
// These three exit 0 on success, 1 on an error (the message on `err`).
int BaselineLearnCommand(const BaselineLearnOptions& opts, std::ostream& out, std::ostream& err);
int BaselineShowCommand(const BaselineShowOptions& opts, std::ostream& out, std::ostream& err);
int SignaturesCommand(const SignaturesOptions& opts, std::ostream& out, std::ostream& err);
// Exit 0 continue, 1 investigate, 2 rollback, 3 unknown (also: daemon unreachable, an error
// answer, an answer that is not the API's JSON, an unusable config).
int StatusCommand(const StatusOptions& opts, std::ostream& out, std::ostream& err);
// These three print one line and exit 0 on success; 1 when the API refuses (its message on
// `err`), the token cannot be read or the config used; 2 on a usage error; 3 when the daemon
// cannot be reached.
int AckCommand(const AckOptions& opts, std::ostream& out, std::ostream& err);
int CutoverCommand(const CutoverOptions& opts, std::ostream& out, std::ostream& err);
int ReloadCommand(const ReloadOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace cg
