// `cutover-guard init`: writes a config for the WSO2 API Manager install on this host.
//
// The install is the one named by --apim-home, or the one the running
// org.wso2.carbon.bootstrap.Bootstrap JVM was started from (its -Dcarbon.home; an error when
// none runs or several installs do, listing them). From it: the product version, the node's
// role, the log files with their rotation and layout (daemon/apim_home.h; a customised
// PatternLayout becomes `format: custom` with an entry_start, daemon/log4j_pattern.h), the
// pidfile. Every derived value carries a YAML comment saying where it came from; the rest are
// the shipped defaults (packaging/config.yaml). The text is validated (ParseConfig) before it
// is written. Then stderr lists the commands that give the daemon's user access to this
// install: the ProtectHome drop-in for an install under /home, the log directory's group,
// CAP_DAC_READ_SEARCH for the open-fd count of a JVM that runs as another user.
//
// Exit status: 0 written; 1 no install found, an unreadable or unsupported configuration, an
// existing --out without --force (the reason on stderr); nothing is written then.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "daemon/apim_home.h"
#include "daemon/preflight.h"

namespace cg {

// What the shipped package installs (packaging/config.yaml, the .deb), written by `init`.
inline constexpr const char* kInstalledRulePack = "/usr/share/cutover-guard/rules/wso2-apim/*.yaml";
inline constexpr const char* kLocalRules = "/etc/cutover-guard/rules.d/*.yaml";
inline constexpr const char* kDefaultStateDir = "/var/lib/cutover-guard";
inline constexpr const char* kDefaultTokenFile = "/etc/cutover-guard/api-token";
inline constexpr const char* kUnderHomeDropIn =
    "/usr/share/cutover-guard/examples/systemd/10-wso2-under-home.conf";
inline constexpr const char* kProcessFdsDropIn =
    "/usr/share/cutover-guard/examples/systemd/30-process-fds.conf";
inline constexpr const char* kDropInDir = "/etc/systemd/system/cutover-guard.service.d";

struct InitOptions {
  std::string apim_home;            // --apim-home DIR; "" = the running WSO2 JVM's -Dcarbon.home.
  std::string out;                  // --out FILE; "" or "-" = stdout.
  bool force = false;               // --force: replace an existing --out file.
  std::string proc_root = "/proc";  // --proc-root DIR: where to look for the WSO2 JVM.
  std::vector<std::string> rule_files;  // --rules GLOB...; empty = kInstalledRulePack, kLocalRules.
  std::string state_dir;                // --state-dir DIR; "" = kDefaultStateDir.
  std::string token_file;               // --token-file FILE; "" = kDefaultTokenFile.
  std::string daemon_user = "cutover-guard";  // Whose access the permission advice is about.
  // Host lookups (tests inject fakes): owner/group/mode of paths and of /proc/PID, the daemon
  // user's identity and groups, this process's pid (never taken for the WSO2 JVM; 0 = getpid()).
  StatFn stat = SystemStat;
  std::function<Result<UserIdentity>(const std::string&)> lookup_user = LookupUser;
  pid_t self_pid = 0;
};

int InitCommand(const InitOptions& options, std::ostream& out, std::ostream& err);

// What the permission advice is computed from (InitCommand fills it; tests build it).
struct AccessFacts {
  std::filesystem::path apim_home;
  std::filesystem::path log_dir;
  std::vector<std::filesystem::path> log_files;  // Existing files the config tails.
  std::optional<ApimJvm> jvm;                    // The running WSO2 JVM, when found.
  UserIdentity daemon_user;
  bool daemon_user_exists = true;  // false: not on this host yet (the package creates it).
};

// The commands (and why) that let `facts.daemon_user` run against this install, one
// paragraph per finding; empty when nothing is needed.
std::vector<std::string> AccessAdvice(const AccessFacts& facts, const StatFn& stat);

}  // namespace cg
