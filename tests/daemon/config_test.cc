#include "daemon/config.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace cg {
namespace {

// Parses `text` as if it were /cfg/c.yaml and returns the rendered diagnostics.
std::string Errors(std::string_view text) {
  auto r = ParseConfig(text, "/cfg/c.yaml");
  if (r.ok()) return "";
  return r.error().ToString();
}

}  // namespace

TEST_CASE("a minimal config takes the documented defaults", "[daemon][config]") {
  auto r = ParseConfig("listen: \"127.0.0.1:9860\"\n", "/cfg/c.yaml");
  REQUIRE(r.ok());
  CHECK(r->listen.port == 9860);
  CHECK(r->state_dir == "/var/lib/cutover-guard");
  CHECK(r->proc_root == "/proc");
  CHECK(r->sample_interval == std::chrono::seconds(1));
  CHECK(r->history == std::chrono::minutes(15));
  CHECK_FALSE(r->cutover.at.has_value());
  CHECK(r->targets.empty());
  CHECK(r->api.threads == 4);
  CHECK(r->api.max_connections == 256);
  CHECK(r->api.head_timeout == std::chrono::seconds(5));
  CHECK(r->api.idle_timeout == std::chrono::seconds(2));
  CHECK_FALSE(r->instance.empty());
}

TEST_CASE("the issue's example config parses with every section", "[daemon][config]") {
  testing::TempDir dir;
  dir.Write("rules.d/a.yaml", "rules: []\n");
  std::string text = R"(listen: "[::1]:9860"
state_dir: state
sample_interval: 250ms
cutover: {at: "2026-11-25 02:00:00", warmup: 5m}
targets:
  - name: wso2am
    pidfile: /opt/wso2/wso2am-4.2.0/wso2carbon.pid
    cmdline: 'org\.wso2\.carbon\.bootstrap\.Bootstrap'
logs:
  - name: carbon
    path: logs/wso2carbon.log
    format: wso2-carbon
    start_at: end
    timezone: "+05:30"
    exclude: ["*.gz"]
    max_line: 64KiB
rule_files: [rules.d/*.yaml]
alerting:
  alertmanager: {url: "http://127.0.0.1:9093", resend_interval: 1m}
  webhooks:
    - {name: ops, url: "https://hooks.example/x", secret_file: hook.secret}
api:
  token_file: api-token
)";
  auto r = ParseConfig(text, dir / "c.yaml");
  INFO((r.ok() ? "" : r.error().ToString()));
  REQUIRE(r.ok());
  CHECK(r->listen.host == "::1");
  CHECK(r->state_dir == dir / "state");
  CHECK(r->sample_interval == std::chrono::milliseconds(250));
  REQUIRE(r->cutover.at.has_value());
  CHECK(r->cutover.warmup == std::chrono::minutes(5));
  REQUIRE(r->targets.size() == 1);
  CHECK(r->targets[0].cmdline == "org\\.wso2\\.carbon\\.bootstrap\\.Bootstrap");
  REQUIRE(r->logs.size() == 1);
  CHECK(r->logs[0].path == (dir / "logs/wso2carbon.log").string());
  CHECK(r->logs[0].max_line == 65536);
  CHECK(r->logs[0].exclude == std::vector<std::string>{"*.gz"});
  // Parsed once into the types the tailer takes.
  CHECK(r->logs[0].start_at == StartAt::kEnd);
  CHECK(r->logs[0].timezone == TimeZone::FixedOffset(std::chrono::minutes(330)));
  REQUIRE(r->rule_paths.size() == 1);
  CHECK(r->rule_paths[0] == dir / "rules.d/a.yaml");
  REQUIRE(r->alerting.alertmanager.has_value());
  CHECK(r->alerting.alertmanager->resend_interval == std::chrono::minutes(1));
  REQUIRE(r->alerting.webhooks.size() == 1);
  CHECK(r->alerting.webhooks[0].secret_file == dir / "hook.secret");
  CHECK(r->api.token_file == dir / "api-token");
}

TEST_CASE("three mistakes are all reported with line and column", "[daemon][config]") {
  std::string text =
      "listen: \"127.0.0.1:99999\"\n"  // 1: bad port
      "sample_intervall: 1s\n"         // 2: unknown key, with hint
      "logs:\n"
      "  - name: carbon\n"
      "    path: /x.log\n"
      "    start_at: middle\n";  // 6: bad enum
  CHECK(Errors(text) ==
        "/cfg/c.yaml:1:9: listen: invalid port in \"127.0.0.1:99999\"; expected 0..65535\n"
        "/cfg/c.yaml:6:15: logs[0].start_at: \"middle\" is not one of end, beginning\n"
        "/cfg/c.yaml:2:1: config: unknown key \"sample_intervall\" (did you mean "
        "\"sample_interval\"?)\n");
}

TEST_CASE("the HTTP connection limits are read and range-checked", "[daemon][config]") {
  auto r = ParseConfig("api: {max_connections: 1000, head_timeout: 2s, idle_timeout: 500ms}\n",
                       "/cfg/c.yaml");
  REQUIRE(r.ok());
  CHECK(r->api.max_connections == 1000);
  CHECK(r->api.head_timeout == std::chrono::seconds(2));
  CHECK(r->api.idle_timeout == std::chrono::milliseconds(500));
  std::string errors = Errors("api: {max_connections: 0, head_timeout: 10ms}\n");
  CHECK(errors.find("api.max_connections") != std::string::npos);
  CHECK(errors.find("api.head_timeout") != std::string::npos);
}

TEST_CASE("a bad time zone is reported at its value", "[daemon][config]") {
  std::string errors = Errors(
      "logs:\n"
      "  - name: carbon\n"
      "    path: /x.log\n"
      "    timezone: Mars/Olympus\n");
  CHECK(errors.rfind("/cfg/c.yaml:4:15: logs[0].timezone: ", 0) == 0);
  CHECK(errors.find("Mars/Olympus") != std::string::npos);
}

TEST_CASE("a bad duration is reported at its value", "[daemon][config]") {
  CHECK(Errors("sample_interval: fast\n") ==
        "/cfg/c.yaml:1:18: config.sample_interval: invalid duration \"fast\"; expected e.g. "
        "250ms, 5s, 1m, 2h\n");
}

TEST_CASE("a bad size is reported at its value", "[daemon][config]") {
  CHECK(Errors("logs:\n  - {name: a, path: /a, max_line: 64 KB}\n") ==
        "/cfg/c.yaml:2:35: logs[0].max_line: size \"64 KB\" has an unknown unit; use B, KiB, "
        "MiB, GiB, KB, MB, GB\n");
}

TEST_CASE("a wrong type is reported with what was found", "[daemon][config]") {
  CHECK(Errors("targets: {name: wso2am}\n") ==
        "/cfg/c.yaml:1:10: targets: expected a list, got a mapping\n");
}

TEST_CASE("a missing required key is reported at its mapping", "[daemon][config]") {
  CHECK(Errors("logs:\n  - name: carbon\n") ==
        "/cfg/c.yaml:2:5: logs[0]: missing required key \"path\"\n");
}

TEST_CASE("an invalid cmdline regex is reported with RE2's message", "[daemon][config]") {
  CHECK(Errors("targets:\n  - name: t\n    cmdline: 'Boot(strap'\n") ==
        "/cfg/c.yaml:3:14: targets[0].cmdline: invalid regular expression: missing ): "
        "Boot(strap\n");
}

TEST_CASE("a target without pidfile or cmdline is an error", "[daemon][config]") {
  CHECK(Errors("targets:\n  - name: t\n") ==
        "/cfg/c.yaml:2:5: targets[0]: needs a pidfile, a cmdline pattern, or both\n");
}

TEST_CASE("duplicate and malformed names are errors", "[daemon][config]") {
  CHECK(Errors("logs:\n  - {name: a, path: /a}\n  - {name: a, path: /b}\n  - {name: 'x y', path: "
               "/c}\n") ==
        "/cfg/c.yaml:3:12: logs[1].name: duplicate name \"a\"\n"
        "/cfg/c.yaml:4:12: logs[2].name: \"x y\" must be 1-64 characters of [A-Za-z0-9_.-]\n");
}

TEST_CASE("a cutover time in the wrong format is reported", "[daemon][config]") {
  CHECK(Errors("cutover: {at: '25/11/2026 02:00'}\n") ==
        "/cfg/c.yaml:1:15: cutover.at: invalid time \"25/11/2026 02:00\"; expected YYYY-MM-DD "
        "HH:MM:SS[,mmm]\n");
}

TEST_CASE("a custom format needs an entry_start regex", "[daemon][config]") {
  CHECK(Errors("logs:\n  - {name: a, path: /a, format: custom}\n") ==
        "/cfg/c.yaml:2:33: logs[0]: format \"custom\" needs an entry_start regex\n");
}

TEST_CASE("alerting urls must be http(s)", "[daemon][config]") {
  CHECK(Errors("alerting:\n  alertmanager: {url: '127.0.0.1:9093'}\n") ==
        "/cfg/c.yaml:2:23: alerting.alertmanager.url: \"127.0.0.1:9093\" must start with "
        "http:// or https://\n");
}

TEST_CASE("a missing rule file is an error but an empty glob only a warning", "[daemon][config]") {
  testing::TempDir dir;
  auto missing = ParseConfig("rule_files: [nope.yaml]\n", dir / "c.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().ToString() == (dir / "c.yaml").string() + ":1:14: rule_files: \"" +
                                          (dir / "nope.yaml").string() + "\" does not exist\n");
  auto empty = ParseConfig("rule_files: ['rules.d/*.yaml']\n", dir / "c.yaml");
  REQUIRE(empty.ok());
  REQUIRE(empty->warnings.size() == 1);
  CHECK(empty->warnings.items()[0].message.find("matches no file") != std::string::npos);
}

TEST_CASE("an unreadable rule file is an error", "[daemon][config]") {
  if (::geteuid() == 0) {
    // root reads anything; simulate with a directory entry that is not a file we can open.
    SUCCEED("running as root: permission bits do not apply");
    return;
  }
  testing::TempDir dir;
  auto p = dir.Write("r.yaml", "rules: []\n");
  std::filesystem::permissions(p, std::filesystem::perms::none);
  auto r = ParseConfig("rule_files: [r.yaml]\n", dir / "c.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().ToString().find("is not readable") != std::string::npos);
}

TEST_CASE("YAML syntax errors are reported with position", "[daemon][config]") {
  std::string e = Errors("listen: [\n");
  CHECK(e.starts_with("/cfg/c.yaml:2:1: YAML syntax error"));
}

TEST_CASE("an empty config is an error", "[daemon][config]") {
  CHECK(Errors("") == "/cfg/c.yaml: the configuration is empty\n");
}

TEST_CASE("the shipped default config is valid", "[daemon][config]") {
  auto r = LoadConfigFile(CG_SOURCE_DIR "/packaging/config.yaml");
  INFO((r.ok() ? "" : r.error().ToString()));
  REQUIRE(r.ok());
  REQUIRE(r->targets.size() == 1);
  CHECK(r->targets[0].name == "wso2am");
  CHECK(r->logs.size() >= 3);
}

}  // namespace cg
