#include "daemon/cli.h"

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/commands.h"
#include "daemon/init_command.h"
#include "daemon/version.h"

namespace cg {
namespace {

// --config, --url and --token-file of the operator commands (status, ack, cutover, reload).
void AddOperatorOptions(CLI::App* cmd, OperatorOptions* o, bool writes) {
  cmd->add_option("-c,--config", o->config,
                  "Config file: where the daemon listens" +
                      std::string(writes ? " and its api.token_file" : "") + " (default " +
                      kDefaultConfigPath + ")");
  cmd->add_option("--url", o->url,
                  "The daemon's API, e.g. http://127.0.0.1:9860 (overrides the config's listen)");
  if (writes) {
    cmd->add_option("--token-file", o->token_file,
                    "Bearer token file (overrides the config's api.token_file)");
  }
}

// Usage errors exit 2 (like most Unix tools), except in commands that return a verdict: there
// 2 means rollback, so a usage error is 3 (UNKNOWN in the Nagios plugin convention, which
// those commands follow). --help exits 0.
int ParseExitCode(CLI::App& app, const CLI::ParseError& e, bool verdict_command, std::ostream& out,
                  std::ostream& err) {
  app.exit(e, out, err);
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return 0;
  return verdict_command ? 3 : 2;
}

// Whether the command line names a subcommand that returns a verdict (decided before parsing,
// since a parse error may come before the subcommand is known to CLI11).
bool IsVerdictCommand(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.empty() || a[0] == '-') continue;
    return a == "replay" || a == "status";
  }
  return false;
}

}  // namespace

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "cutover-guard: watches a WSO2 API Manager host after a migration cutover and "
      "recommends continue, investigate or rollback."};
  app.name("cutover-guard");
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for all subcommands");

  RunOptions run;
  auto* run_cmd =
      app.add_subcommand("run", "Run the daemon (tail logs, sample /proc, serve the API)");
  run_cmd->add_option("-c,--config", run.config, "Config file")->required();
  run_cmd->add_option("--proc-root", run.proc_root, "Read /proc from this directory instead");

  CheckConfigOptions check;
  auto* check_cmd = app.add_subcommand(
      "check-config", "Validate the config and its rule files; exit 0 if valid, 1 if not");
  check_cmd->add_option("-c,--config", check.config, "Config file")->required();
  check_cmd->add_option("--as-user", check.as_user,
                        "Check file access as this user (default: cutover-guard when run as "
                        "root and it exists, else the current user)");
  check_cmd->add_flag("!--no-host-checks", check.host_checks,
                      "Check only the config and rules, not the token, state_dir, logs and "
                      "pidfile directories on this host");
  check_cmd->add_flag("--rules", check.print_rules,
                      "Print the effective rule set: every rule with where it is defined, the "
                      "fields rules.d overrides changed and where, and the disabled rules");

  ReplayOptions replay;
  auto* replay_cmd = app.add_subcommand(
      "replay",
      "Replay log files through the rules and print the verdict (exit 0 continue, "
      "1 investigate, 2 rollback, 3 unknown: cannot judge, or an error)");
  replay_cmd->add_option("-c,--config", replay.config,
                         "Config file (default: the shipped config and rule pack)");
  replay_cmd->add_option("--log-format", replay.log_format,
                         "Layout of the files (default: by name)");
  replay_cmd->add_option("--cutover-at", replay.cutover_at,
                         "Cutover mark \"YYYY-MM-DD HH:MM:SS\" (log time)");
  replay_cmd->add_option("--format", replay.output_format, "Output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  replay_cmd->add_option("--baseline", replay.baselines,
                         "What came before the cutover: a snapshot from `baseline learn`, or "
                         "the old environment's logs (repeatable)");
  replay_cmd->add_option("files", replay.files, "Log files (plain or .gz)")->required();

  // Level names accepted by --min-level (any case; ALL = every record, levelled or not).
  const std::vector<std::string> levels = {"ALL",  "TRACE", "DEBUG", "INFO",
                                           "WARN", "ERROR", "FATAL"};

  auto* baseline_cmd = app.add_subcommand(
      "baseline", "Learn a baseline snapshot from the old environment's logs, or show one");
  baseline_cmd->require_subcommand(1);
  BaselineLearnOptions learn;
  auto* learn_cmd = baseline_cmd->add_subcommand(
      "learn",
      "Read whole log files (plain or .gz) and write a baseline snapshot: message signatures "
      "with counts and the traffic volume they came with (exit 0, 1 on an error)");
  learn_cmd->add_option("-o,--out", learn.out, "Snapshot file to write")->required();
  learn_cmd->add_option("--log-format", learn.log_format,
                        "Layout of the files (default: by name or first line)");
  learn_cmd
      ->add_option("--min-level", learn.min_level,
                   "Mine records of this level and above into signatures (default WARN)")
      ->transform(CLI::IsMember(levels, CLI::ignore_case));
  learn_cmd
      ->add_option("files", learn.files,
                   "Log files (plain or .gz); snapshots given here are merged in")
      ->required();
  BaselineShowOptions show;
  auto* show_cmd = baseline_cmd->add_subcommand(
      "show", "Print a snapshot's summary and its most frequent signatures");
  show_cmd->add_option("file", show.file, "Snapshot file")->required();
  show_cmd->add_option("--top", show.top, "Signatures listed (0: all; default 20)");

  SignaturesOptions sigs;
  auto* sigs_cmd = app.add_subcommand(
      "signatures",
      "Mine log files into message templates and list them with counts (exit 0, 1 on an error)");
  sigs_cmd->add_option("--log-format", sigs.log_format,
                       "Layout of the files (default: by name or first line; plain: one message "
                       "per line)");
  sigs_cmd->add_option("--format", sigs.output_format, "Output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  sigs_cmd->add_flag("--per-record", sigs.per_record,
                     "Print \"<signature id>\\t<template>\" per record, in input order");
  sigs_cmd
      ->add_option("--min-level", sigs.min_level,
                   "Only records of this level and above (default: all; plain text has "
                   "no levels and is always mined)")
      ->transform(CLI::IsMember(levels, CLI::ignore_case));
  sigs_cmd->add_option("files", sigs.files, "Log files (plain or .gz)")->required();

  StatusOptions status;
  auto* status_cmd = app.add_subcommand(
      "status",
      "Ask the running daemon for its verdict, reasons, alerts and coverage; a Nagios/Icinga "
      "check plugin (exit 0 continue, 1 investigate, 2 rollback, 3 unknown or unreachable)");
  AddOperatorOptions(status_cmd, &status.target, /*writes=*/false);
  status_cmd->add_option("--format", status.output_format, "Output: text or json")
      ->check(CLI::IsMember({"text", "json"}));

  AckOptions ack;
  auto* ack_cmd = app.add_subcommand(
      "ack",
      "Acknowledge an alert of the running daemon (silences its notifications; exit 0, 1 "
      "refused, 2 usage, 3 unreachable)");
  ack_cmd->add_option("id", ack.id, "Alert id (as `status` lists them)")->required();
  ack_cmd->add_option("--comment", ack.comment,
                      "Why (and who): kept with the ack, shown by `status` and /api/v1/alerts "
                      "(one line, at most 1 KiB)");
  AddOperatorOptions(ack_cmd, &ack.target, /*writes=*/true);

  CutoverOptions cutover;
  auto* cutover_cmd = app.add_subcommand(
      "cutover",
      "Set the running daemon's cutover mark: observation starts there (exit 0, 1 refused, "
      "2 usage, 3 unreachable)");
  cutover_cmd->add_option("--at", cutover.at,
                          "\"YYYY-MM-DD HH:MM:SS\" (the daemon's local time), RFC 3339, Unix "
                          "seconds or a duration ago (15m); default: now");
  AddOperatorOptions(cutover_cmd, &cutover.target, /*writes=*/true);

  ReloadOptions reload;
  auto* reload_cmd = app.add_subcommand(
      "reload",
      "Make the running daemon reload its config and rules; an invalid set is refused with "
      "every problem and the running one stays (exit 0, 1 refused, 2 usage, 3 unreachable)");
  AddOperatorOptions(reload_cmd, &reload.target, /*writes=*/true);

  InitOptions init;
  auto* init_cmd = app.add_subcommand(
      "init",
      "Write a config for the WSO2 API Manager install on this host, each derived value "
      "commented with where it came from (exit 0, 1 on an error)");
  init_cmd->add_option("--apim-home", init.apim_home,
                       "The WSO2 install (default: the -Dcarbon.home of the running "
                       "org.wso2.carbon.bootstrap.Bootstrap JVM)");
  init_cmd->add_option("-o,--out", init.out, "Config file to write (default: stdout)");
  init_cmd->add_flag("--force", init.force, "Replace an existing --out file");
  init_cmd->add_option("--proc-root", init.proc_root,
                       "Look for the WSO2 JVM under this directory instead of /proc");
  init_cmd->add_option("--rules", init.rule_files,
                       "rule_files to write (repeatable; default: the installed pack and "
                       "/etc/cutover-guard/rules.d/*.yaml)");
  init_cmd->add_option("--state-dir", init.state_dir,
                       "state_dir to write (default: /var/lib/cutover-guard)");
  init_cmd->add_option("--token-file", init.token_file,
                       "api.token_file to write (default: /etc/cutover-guard/api-token)");

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ParseExitCode(app, e, IsVerdictCommand(argc, argv), out, err);
  }
  if (*version_cmd) {
    out << "cutover-guard " << kVersion << " (" << kBuildType << ")\n";
    return 0;
  }
  if (*check_cmd) return CheckConfigCommand(check, out, err);
  if (*init_cmd) return InitCommand(init, out, err);
  if (*run_cmd) return RunCommand(run, out, err);
  if (*replay_cmd) return ReplayCommand(replay, out, err);
  if (*learn_cmd) return BaselineLearnCommand(learn, out, err);
  if (*show_cmd) return BaselineShowCommand(show, out, err);
  if (*sigs_cmd) return SignaturesCommand(sigs, out, err);
  if (*status_cmd) return StatusCommand(status, out, err);
  if (*ack_cmd) return AckCommand(ack, out, err);
  if (*cutover_cmd) return CutoverCommand(cutover, out, err);
  if (*reload_cmd) return ReloadCommand(reload, out, err);
  return 2;
}

}  // namespace cg
