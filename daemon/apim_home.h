// Reading a WSO2 API Manager install for `cutover-guard init`: where it is (the running
// org.wso2.carbon.bootstrap.Bootstrap JVM's -Dcarbon.home), which version and role it is, and
// which log files it writes in which layout (repository/conf/log4j2.properties for 3.x/4.x,
// repository/conf/log4j.properties for 2.6, the Tomcat access log settings).
//
// Every value read says where it came from (`source`), for the comments of the generated
// config. Reads files only; the /proc root and the stat() of paths are injected. Thread-safe.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "collectors/logs/log_format.h"
#include "daemon/preflight.h"

namespace cg {

// The JVM main class of every Carbon product (APIM 2.x-4.x).
inline constexpr std::string_view kBootstrapClass = "org.wso2.carbon.bootstrap.Bootstrap";

// A running WSO2 JVM as /proc shows it.
struct ApimJvm {
  pid_t pid = 0;
  std::string carbon_home;      // -Dcarbon.home=..., made absolute against the process's cwd.
  std::string carbon_home_arg;  // As written on the command line.
  std::string profile;          // -Dprofile=... ("" = none).
  bool has_owner = false;       // uid/user could be read (stat of /proc/PID).
  uid_t uid = 0;
  std::string user;  // Owner name ("" when unknown).
};

// Every process under `proc_root` whose command line has kBootstrapClass as an argument.
// Processes that vanish while being read are skipped; an unreadable root is an error.
// `stat` gives each /proc/PID directory's owner (the process's user). `self` is never listed.
Result<std::vector<ApimJvm>> FindApimJvms(const std::filesystem::path& proc_root,
                                          const StatFn& stat, pid_t self);

// The one install the JVMs run: an error when there is none, or several different
// carbon.home values (each listed with its pids, so the user can pick one with --apim-home).
// Several JVMs of the same install (a wrapper, a restart in progress) are one install.
Result<ApimJvm> PickApimJvm(const std::vector<ApimJvm>& jvms, const std::filesystem::path& root);

// A Java .properties file: comments, "key = value", "key: value", "key value", line
// continuations and escapes (\t, \n, \uXXXX, \=...), as java.util.Properties reads it. Later
// keys win.
std::map<std::string, std::string> ParseJavaProperties(std::string_view text);

// The value of `key` in `[section]` ("" = before any section) of a TOML file, unquoted; nullopt
// when absent. Only what deployment.toml needs: strings, booleans, numbers.
std::optional<std::string> TomlValue(std::string_view text, std::string_view section,
                                     std::string_view key);

struct ProductVersion {
  std::string version;  // "4.2.0"; "" = unknown.
  std::string source;   // "updates/product.txt (wso2am-4.2.0)", "bin/version.txt", the dir name.
};
// updates/product.txt, then bin/version.txt, then a wso2am-X.Y.Z directory name.
ProductVersion ReadProductVersion(const std::filesystem::path& home);

struct NodeRole {
  std::string role;    // "gateway-worker", "default", ...
  std::string source;  // "repository/conf/deployment.toml: [server] server_role"
};
// deployment.toml [server] server_role (or profile), else the JVM's -Dprofile; nullopt when
// neither says.
std::optional<NodeRole> ReadNodeRole(const std::filesystem::path& home, std::string_view profile);

// One log to tail, as the install's configuration describes it. Each *_source names the file
// and key the value came from.
struct DerivedLog {
  std::string name;      // carbon, gw-errors, audit, access
  std::string appender;  // CARBON_LOGFILE, ... ("" for the Tomcat access log)
  std::string file;      // The active file (absolute).
  std::string path;      // What `logs[].path` says: the file, or a glob with its rotated names.
  std::string path_source;
  std::vector<std::string> exclude;  // File name globs of other logs the glob would match.
  std::string exclude_source;
  LogFormat format = LogFormat::kPlain;
  std::string format_source;
  std::string entry_start;  // For LogFormat::kCustom.
  std::string entry_start_source;
  std::string timezone;  // "" = the default (local).
  std::string timezone_source;
  std::vector<std::string> notes;  // Said above the entry (and on stderr).
};

struct ApimInstall {
  std::filesystem::path home;
  ProductVersion version;
  std::optional<NodeRole> role;
  std::string log_config;  // "repository/conf/log4j2.properties" (relative to home).
  std::vector<DerivedLog> logs;
  std::vector<std::string> notes;  // Things worth saying that are not errors.
};

// Reads the install at `home` (absolute). Errors (no log4j configuration, an unsupported
// conversion in a layout, a file that cannot be read) are all collected.
Result<ApimInstall, std::vector<std::string>> ReadApimInstall(const std::filesystem::path& home,
                                                              std::string_view profile = "");

}  // namespace cg
