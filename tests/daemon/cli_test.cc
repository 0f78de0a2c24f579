#include "daemon/cli.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <sstream>

#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using testing::CliRun;
CliRun Run(std::vector<std::string> args) { return testing::RunCliWith(std::move(args)); }

}  // namespace

// The shipped config names an installed host (/opt/wso2, /etc, /var/lib, the installed rule
// pack): re-root those paths into a temporary tree laid out like an installed host.
TEST_CASE("check-config exits 0 on the shipped config on a host laid out for it", "[daemon][cli]") {
  testing::TempDir dir;
  std::ifstream in(CG_SOURCE_DIR "/packaging/config.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  };
  const std::string root = dir.path().string();
  replace_all("/usr/share/cutover-guard/rules", CG_SOURCE_DIR "/rules");
  replace_all("/opt/wso2", root + "/opt/wso2");
  replace_all("/etc/cutover-guard", root + "/etc");
  replace_all("/var/lib/cutover-guard", root + "/state");
  const std::string logs = "opt/wso2/wso2am-4.2.0/repository/logs/";
  dir.Write(logs + "wso2carbon.log", "");
  dir.Write(logs + "wso2-apigw-errors.log", "");
  dir.Write(logs + "http_access_2024-11-16.log", "");
  auto token = dir.Write("etc/api-token", "0123456789abcdef0123456789abcdef\n");
  ::chmod(token.c_str(), 0640);
  auto cfg = dir.Write("etc/config.yaml", text);
  auto r = Run({"check-config", "--config", cfg.string()});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out.find(": OK (1 target(s), 3 log(s)") != std::string::npos);
}

TEST_CASE("check-config exits 1 and lists every error", "[daemon][cli]") {
  testing::TempDir dir;
  auto cfg = dir.Write("bad.yaml", "listen: nope\nsample_interval: 5\nbogus: 1\n");
  auto r = Run({"check-config", "--config", cfg.string()});
  CHECK(r.code == 1);
  CHECK(r.err.find(cfg.string() + ":1:9: listen:") != std::string::npos);
  CHECK(r.err.find(cfg.string() + ":2:18: config.sample_interval:") != std::string::npos);
  CHECK(r.err.find(cfg.string() + ":3:1: config: unknown key \"bogus\"") != std::string::npos);
  CHECK(r.err.find(": 3 errors") != std::string::npos);
}

TEST_CASE("check-config on a missing file exits 1 with the reason", "[daemon][cli]") {
  testing::TempDir dir;
  auto r = Run({"check-config", "--config", (dir / "none.yaml").string()});
  CHECK(r.code == 1);
  CHECK(r.err.find("No such file or directory") != std::string::npos);
}

TEST_CASE("usage errors exit 2", "[daemon][cli]") {
  CHECK(Run({}).code == 2);
  CHECK(Run({"check-config"}).code == 2);
  CHECK(Run({"frobnicate"}).code == 2);
  CHECK(Run({"check-config", "--config", "x", "--bogus"}).code == 2);
}

TEST_CASE("help exits 0 and names the subcommands", "[daemon][cli]") {
  auto r = Run({"--help"});
  CHECK(r.code == 0);
  for (const char* sub : {"run", "check-config", "replay", "version"}) {
    CHECK(r.out.find(sub) != std::string::npos);
  }
  CHECK(Run({"check-config", "--help"}).code == 0);
}

TEST_CASE("version prints the project version", "[daemon][cli]") {
  auto r = Run({"version"});
  CHECK(r.code == 0);
  CHECK(r.out.starts_with("cutover-guard 0.1.0"));
}

}  // namespace cg
