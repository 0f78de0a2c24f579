#include "daemon/cli.h"

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "daemon/commands.h"
#include "daemon/version.h"

namespace cg {
namespace {

// Usage errors exit 2 (like most Unix tools); --help exits 0.
int ParseExitCode(CLI::App& app, const CLI::ParseError& e, std::ostream& out, std::ostream& err) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
    app.exit(e, out, err);
    return 0;
  }
  app.exit(e, out, err);
  return 2;
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

  ReplayOptions replay;
  auto* replay_cmd = app.add_subcommand(
      "replay",
      "Replay log files through the rules and print the verdict (exit 0 continue, "
      "1 investigate, 2 rollback, 3 error)");
  replay_cmd->add_option("-c,--config", replay.config,
                         "Config file (default: the shipped config and rule pack)");
  replay_cmd->add_option("--log-format", replay.log_format,
                         "Layout of the files (default: by name)");
  replay_cmd->add_option("--cutover-at", replay.cutover_at,
                         "Cutover mark \"YYYY-MM-DD HH:MM:SS\" (log time)");
  replay_cmd->add_option("--format", replay.output_format, "Output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  replay_cmd->add_option("files", replay.files, "Log files (plain or .gz)")->required();

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ParseExitCode(app, e, out, err);
  }
  if (*version_cmd) {
    out << "cutover-guard " << kVersion << " (" << kBuildType << ")\n";
    return 0;
  }
  if (*check_cmd) return CheckConfigCommand(check, out, err);
  if (*run_cmd) return RunCommand(run, out, err);
  if (*replay_cmd) return ReplayCommand(replay, out, err);
  return 2;
}

}  // namespace cg
