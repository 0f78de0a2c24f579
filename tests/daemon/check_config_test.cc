// check-config checks what `run` needs on this host: token file, state_dir, logs, pidfile
// directories, at least one rule. Permission cases run `--as-user nobody`, which needs root to
// be meaningful (CI runs the tests as root); they are skipped otherwise.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "daemon/cli.h"
#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using testing::CliRun;
CliRun RunCheckConfig(std::vector<std::string> args) {
  return testing::RunCliWith(std::move(args));
}

constexpr const char* kRule =
    "rules:\n  - {id: t.err, description: d, severity: warning, match: 'Boom'}\n";

// A host laid out for `run`: a searchable temp dir with a rule, a log, a token (0600) and a
// creatable state dir. Line numbers of the config are fixed (the tests check positions).
struct Host {
  testing::TempDir dir;
  std::filesystem::path config;
  explicit Host(const std::string& log_path = "logs/wso2carbon.log",
                const std::string& token = "api-token", const std::string& rules = kRule) {
    ::chmod(dir.path().c_str(), 0755);
    dir.Write("rules/r.yaml", rules);
    dir.Write("logs/wso2carbon.log", "");
    ::chmod((dir / "logs").c_str(), 0755);
    ::chmod((dir / "logs/wso2carbon.log").c_str(), 0644);
    auto t = dir.Write("api-token", "0123456789abcdef0123\n");
    ::chmod(t.c_str(), 0600);
    // clang-format off
    config = dir.Write("config.yaml",
                       "state_dir: state\n"                 // 1
                       "targets:\n"                         // 2
                       "  - name: wso2am\n"                 // 3
                       "    pidfile: run/wso2carbon.pid\n"  // 4
                       "logs:\n"                            // 5
                       "  - name: carbon\n"                 // 6
                       "    path: " + log_path + "\n"       // 7
                       "rule_files: [rules/*.yaml]\n"       // 8
                       "api:\n"                             // 9
                       "  token_file: " + token + "\n");    // 10
    // clang-format on
    std::filesystem::create_directories(dir / "run");
  }
  std::string Path(std::string_view name) const { return (dir / name).string(); }
  std::string At(int line, int col) const {
    return config.string() + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
  }
  CliRun Check(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"check-config", "--config", config.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCheckConfig(args);
  }
};

bool Root() { return ::geteuid() == 0; }

TEST_CASE("check-config accepts a host laid out for run", "[daemon][check-config]") {
  Host host;
  auto r = host.Check();
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find(": OK (1 target(s), 1 log(s), 1 rule file(s), 1 rule(s)), host checked as "
                   "user \"") != std::string::npos);
}

TEST_CASE("check-config reads the baseline snapshot run would load", "[daemon][check-config]") {
  Host host;
  host.dir.Write("old.json", "{\"format\": \"cutover-guard-baseline\", \"version\": 7}");
  std::ofstream(host.config, std::ios::app) << "baseline:\n  snapshot: old.json\n";
  auto r = host.Check();
  CHECK(r.code == 1);
  CHECK(r.err.find(host.At(12, 13) + "baseline.snapshot: ") != std::string::npos);
  CHECK(r.err.find("version") != std::string::npos);
}

TEST_CASE("check-config reports a missing token file at its position", "[daemon][check-config]") {
  Host host("logs/wso2carbon.log", "missing-token");
  auto r = host.Check();
  CHECK(r.code == 1);
  CHECK(r.err.find(host.At(10, 15) + "api.token_file " + host.Path("missing-token") +
                   ": does not exist\n") != std::string::npos);
  CHECK(r.err.find(": 1 problem for `run` (host checked as user \"") != std::string::npos);
}

TEST_CASE("check-config refuses a world-readable token file", "[daemon][check-config]") {
  Host host;
  ::chmod(host.Path("api-token").c_str(), 0644);
  auto r = host.Check();
  CHECK(r.code == 1);
  CHECK(r.err.find(host.At(10, 15) + "api.token_file " + host.Path("api-token") +
                   ": readable by others (mode 0644); chmod 600") != std::string::npos);
}

TEST_CASE("a missing log file in a readable directory is a warning at its path",
          "[daemon][check-config]") {
  // WSO2 creates it with its first line and the daemon waits for it: not a reason to refuse to
  // start (ExecStartPre runs check-config), but worth saying.
  Host host("logs/missing.log");
  auto r = host.Check();
  CHECK(r.code == 0);
  CHECK(r.err == "warning: " + host.At(7, 11) + "logs[0] (carbon): \"" +
                     host.Path("logs/missing.log") + "\" does not exist yet\n");
}

TEST_CASE("a log glob matching nothing stays a warning, but its directory must exist",
          "[daemon][check-config]") {
  SECTION("directory present") {
    Host host("logs/http_access_*.log");
    auto r = host.Check();
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.err == "warning: " + host.At(7, 11) + "logs[0] (carbon): \"" +
                       host.Path("logs/http_access_*.log") + "\" matches no file yet\n");
  }
  SECTION("directory missing") {
    Host host("nolog/http_access_*.log");
    auto r = host.Check();
    CHECK(r.code == 1);
    CHECK(r.err.find(host.At(7, 11) + "logs[0] (carbon): log directory " + host.Path("nolog") +
                     ": does not exist\n") != std::string::npos);
  }
}

TEST_CASE("check-config fails when no rule is loaded", "[daemon][check-config]") {
  Host host("logs/wso2carbon.log", "api-token", "rules: []\n");
  auto r = host.Check({"--no-host-checks"});
  CHECK(r.code == 1);
  CHECK(r.err == host.At(8, 13) +
                     "rule_files: no rules loaded (1 rule file); the daemon would watch nothing\n" +
                     host.config.string() + ": 1 problem for `run`\n");
}

TEST_CASE("check-config lists every host problem at once", "[daemon][check-config]") {
  Host host("nolog/missing.log", "missing-token", "rules: []\n");
  std::filesystem::remove(host.dir / "run");
  auto r = host.Check();
  CHECK(r.code == 1);
  CHECK(r.err.find("rule_files: no rules loaded") != std::string::npos);
  CHECK(r.err.find(host.At(10, 15) + "api.token_file") != std::string::npos);
  CHECK(r.err.find(host.At(7, 11) + "logs[0] (carbon)") != std::string::npos);
  CHECK(r.err.find(host.At(4, 14) + "targets[0] (wso2am): pidfile directory " + host.Path("run") +
                   ": does not exist\n") != std::string::npos);
  CHECK(r.err.find(": 4 problems for `run`") != std::string::npos);
}

TEST_CASE("check-config with --no-host-checks checks only the config and the rules",
          "[daemon][check-config]") {
  Host host("logs/missing.log", "missing-token");
  auto r = host.Check({"--no-host-checks"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out.find(": OK (1 target(s), 1 log(s), 1 rule file(s), 1 rule(s))\n") !=
        std::string::npos);
}

TEST_CASE("check-config --as-user with an unknown user is a usage error",
          "[daemon][check-config]") {
  Host host;
  auto r = host.Check({"--as-user", "no-such-user-cg"});
  CHECK(r.code == 2);
  CHECK(r.err == "check-config: --as-user: no user named \"no-such-user-cg\"\n");
}

TEST_CASE("a state_dir the daemon's user cannot create is an error", "[daemon][check-config]") {
  if (!Root()) {
    WARN("skipped: --as-user nobody needs root");
    return;
  }
  Host host;
  // The token is the daemon's, not nobody's: leave it out of this check.
  auto cfg = host.dir.Write("config.yaml",
                            "state_dir: state\nlogs:\n  - {name: carbon, path: "
                            "logs/wso2carbon.log}\nrule_files: [rules/*.yaml]\n");
  auto r = host.Check({"--as-user", "nobody"});
  CHECK(r.code == 1);
  CHECK(r.err == host.At(1, 12) + "state_dir " + host.Path("state") +
                     ": does not exist and cannot be created: " + host.dir.path().string() +
                     ": not writable and searchable by user \"nobody\" (mode 0755, owner "
                     "root:root)\n" +
                     cfg.string() + ": 1 problem for `run` (host checked as user \"nobody\")\n");
  // Owned by nobody: fine.
  std::filesystem::create_directories(host.dir / "state");
  REQUIRE(::chown(host.Path("state").c_str(), 65534, 65534) == 0);
  auto ok = host.Check({"--as-user", "nobody"});
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK(ok.out.find("host checked as user \"nobody\"") != std::string::npos);
}

TEST_CASE("a log directory the daemon's user cannot read is an error", "[daemon][check-config]") {
  if (!Root()) {
    WARN("skipped: --as-user nobody needs root");
    return;
  }
  Host host;
  host.dir.Write("config.yaml",
                 "state_dir: state\nlogs:\n  - name: carbon\n    path: "
                 "logs/wso2carbon.log\nrule_files: [rules/*.yaml]\n");
  std::filesystem::create_directories(host.dir / "state");
  REQUIRE(::chown(host.Path("state").c_str(), 65534, 65534) == 0);
  ::chmod(host.Path("logs").c_str(), 0700);
  auto r = host.Check({"--as-user", "nobody"});
  CHECK(r.code == 1);
  CHECK(r.err.find(host.At(4, 11) + "logs[0] (carbon): log directory " + host.Path("logs") +
                   ": not readable and searchable by user \"nobody\" (mode 0700, owner "
                   "root:root)\n") != std::string::npos);
  // Root itself can read it: the same config passes as root.
  auto as_root = host.Check({"--as-user", "root"});
  INFO(as_root.err);
  CHECK(as_root.code == 0);
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

constexpr const char* kCheckConsoleLines =
    "JAVA_HOME environment variable is set to /usr/lib/jvm/java-11-openjdk-amd64\n"
    "CARBON_HOME environment variable is set to /opt/wso2am-4.2.0\n"
    "[2024-02-01 10:11:12,345]  INFO - CarbonCoreActivator Starting WSO2 Carbon...\n"
    "[2024-02-01 10:11:13,002] ERROR - ApiMgtDAO Error while retrieving subscriptions\n"
    "java.sql.SQLException: Communications link failure\n"
    "\tat com.mysql.cj.jdbc.ConnectionImpl.connect(ConnectionImpl.java:123)\n"
    "[2024-02-01 10:11:14,120]  WARN - DeploymentEngine Nothing to deploy\n";

TEST_CASE("check-config says which layout each log's file is in and that it agrees",
          "[daemon][check-config][layout]") {
  Host host;
  host.dir.Write("logs/wso2carbon.log",
                 "TID: [-1234] [] [2024-11-16 02:14:07,512]  INFO {org.wso2.carbon.core."
                 "internal.StartupFinalizerServiceComponent} - WSO2 Carbon started in 48 sec\n"
                 "TID: [-1234] [] [2024-11-16 02:14:08,001] ERROR {org.x.Y} - Boom\n"
                 "\tat org.x.Y.run(Y.java:1)\n");
  auto r = host.Check();
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("  logs[0] (carbon) " + host.Path("logs/wso2carbon.log") +
                   ": wso2-carbon as configured; the content agrees: wso2-carbon: 3 of 3 sampled "
                   "lines (100%) are its record starts (2) or their continuation lines (1)") !=
        std::string::npos);
}

TEST_CASE("check-config warns at the log's path when the file is in another layout",
          "[daemon][check-config][layout]") {
  // The console redirected to a file configured as wso2carbon.log: every line would fold into
  // one undated record and no rule would read it.
  Host host;
  host.dir.Write("logs/wso2carbon.log", kCheckConsoleLines);
  auto r = host.Check();
  CHECK(r.code == 0);  // A warning: the operator may know better.
  CHECK(r.err.find("warning: " + host.At(7, 11) +
                   "logs[0] (carbon): " + host.Path("logs/wso2carbon.log") +
                   " looks like wso2-console: 5 of 5 sampled "
                   "lines (100%) are its record starts (3) or their continuation lines (2); 2 "
                   "line(s) before the first record skipped; configured wso2-carbon (set format: "
                   "wso2-console?)\n") != std::string::npos);
  CHECK(r.out.find("wso2-carbon as configured; but the content looks like wso2-console") !=
        std::string::npos);
}

TEST_CASE("check-config warns when a log's file is in no known layout",
          "[daemon][check-config][layout]") {
  Host host;
  host.dir.Write("logs/wso2carbon.log", "hello\nthis is prose\nnot a log at all\n");
  auto r = host.Check();
  CHECK(r.code == 0);
  CHECK(r.err.find("logs[0] (carbon): " + host.Path("logs/wso2carbon.log") +
                   " is in no known layout (no layout explains 60% of the 3 sampled lines") !=
        std::string::npos);
  CHECK(r.out.find("layout NOT recognised") != std::string::npos);
}

TEST_CASE("check-config says an empty log file has no line to judge yet",
          "[daemon][check-config][layout]") {
  Host host;  // logs/wso2carbon.log is empty.
  auto r = host.Check();
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("wso2-carbon as configured (the file has no line to judge yet)") !=
        std::string::npos);
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

TEST_CASE("check-config --rules prints the effective rules with overrides and disables",
          "[daemon][check-config][override]") {
  Host host("logs/wso2carbon.log", "api-token",
            "rules:\n"
            "  - {id: t.err, description: d, severity: warning, match: 'Boom'}\n"
            "  - {id: t.warn, description: d, severity: info, match: 'Hmm'}\n");
  host.dir.Write("rules/zz-local.yaml",
                 "disable: [t.warn]\n"
                 "override:\n"
                 "  - id: t.err\n"
                 "    severity: critical\n"
                 "    threshold: {count: 4, window: 2m}\n");
  auto r = host.Check({"--no-host-checks", "--rules"});
  INFO(r.err);
  CHECK(r.code == 0);
  const std::string local = host.Path("rules/zz-local.yaml");
  CHECK(r.out.find("Effective rules: 1 from 2 file(s), 1 overridden, 1 disabled\n") !=
        std::string::npos);
  CHECK(r.out.find("  t.err  critical  log  " + host.Path("rules/r.yaml") + ":2:5\n") !=
        std::string::npos);
  CHECK(r.out.find("    severity: critical  <- override at " + local + ":4:15\n") !=
        std::string::npos);
  CHECK(r.out.find("    threshold: 4 in 2m  <- override at " + local + ":5:16\n") !=
        std::string::npos);
  CHECK(r.out.find("Disabled:\n  t.warn  defined at " + host.Path("rules/r.yaml") +
                   ":3:5, disabled at " + local + ":1:11\n") != std::string::npos);
}

TEST_CASE("check-config refuses an override of a rule no file defines",
          "[daemon][check-config][override]") {
  Host host;
  host.dir.Write("rules/zz-local.yaml", "override:\n  - {id: t.eror, severity: info}\n");
  auto r = host.Check({"--no-host-checks"});
  CHECK(r.code == 1);
  CHECK(r.err.find(host.Path("rules/zz-local.yaml") +
                   ":2:5: override: no rule \"t.eror\" is loaded") != std::string::npos);
}

}  // namespace
}  // namespace cg

namespace cg {
namespace {

TEST_CASE("check-config judges the newest file a log glob matches and skips excluded ones",
          "[daemon][check-config][layout]") {
  Host host("logs/wso2carbon*.log");
  host.dir.Write("logs/wso2carbon.log",
                 "TID: [-1234] [] [2024-11-16 02:14:08,001] ERROR {org.x.Y} - Boom\n");
  // Newer, but excluded: another log sharing the prefix, in another layout.
  auto trace = host.dir.Write("logs/wso2carbon-trace-messages.log", "plain text\nmore text\n");
  std::filesystem::last_write_time(
      trace,
      std::filesystem::last_write_time(host.dir / "logs/wso2carbon.log") + std::chrono::hours(1));
  // The log's exclude, added under its path.
  std::string text;
  {
    std::ifstream in(host.config);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string glob_line = "    path: logs/wso2carbon*.log\n";
  text.insert(text.find(glob_line) + glob_line.size(),
              "    exclude: ['wso2carbon-trace-messages*.log']\n");
  std::ofstream(host.config, std::ios::trunc) << text;
  auto r = host.Check();
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.err.find("looks like") == std::string::npos);
  CHECK(r.out.find("  logs[0] (carbon) " + host.Path("logs/wso2carbon.log") +
                   ": wso2-carbon as configured; the content agrees") != std::string::npos);
}

}  // namespace
}  // namespace cg
