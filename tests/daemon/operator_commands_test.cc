// The operator commands (status, ack, cutover, reload) against a canned API: a small httplib
// server on an ephemeral port that answers what a test scripts. The same commands against a
// real daemon are in tests/app/operator_test.cc. Also the bash completion script.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "daemon/operator_client.h"
#include "tests/support/cli_run.h"
#include "tests/support/http_server.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

using nlohmann::json;

// A status document as GET /api/v1/status renders it (fields the command reads).
json OpStatus(const std::string& verdict, json reasons = json::array()) {
  uint64_t firing = 0, critical = 0, warning = 0;
  for (const json& r : reasons) {
    if (r.value("kind", "") != "alert" || r.value("state", "") != "firing") continue;
    ++firing;
    critical += r.value("severity", "") == "critical";
    warning += r.value("severity", "") == "warning";
  }
  return json{
      {"recommendation", verdict},
      {"summary", verdict + ": canned summary"},
      {"since", "2026-11-25T02:11:00.000Z"},
      {"reasons", std::move(reasons)},
      {"alerts",
       {{"firing", firing},
        {"pending", 0},
        {"firing_by_severity", {{"critical", critical}, {"warning", warning}, {"info", 0}}}}},
      {"cutover", {{"at", "2026-11-25T02:00:00.000Z"}, {"since_seconds", 60}}},
      {"daemon", {{"version", "9.9.9"}, {"instance", "apim-1"}, {"uptime_seconds", 3600}}},
      {"targets", json::array({{{"name", "wso2am"}, {"pid", 4242}, {"restarts", 1}}})},
      {"coverage",
       {{"rules", 12},
        {"host", {{"seen", true}, {"problem", ""}}},
        {"logs", json::array({{{"name", "carbon"},
                               {"path", "/opt/wso2/repository/logs/wso2carbon.log"},
                               {"seen", true},
                               {"problem", ""},
                               {"records", 1234},
                               {"last_record_at", "2026-11-25T02:10:00.000Z"}},
                              {{"name", "errors"},
                               {"path", "/opt/wso2/repository/logs/wso2-apigw-errors.log"},
                               {"seen", false},
                               {"problem", "no file matches the path"},
                               {"problem_since", "2026-11-25T02:01:00.000Z"}}})},
        {"targets", json::array({{{"name", "wso2am"}, {"seen", true}, {"problem", ""}}})}}}};
}

json OpAlertReason(const std::string& rule, const std::string& severity,
                   const std::string& id = "0123456789abcdef",
                   const std::string& state = "firing") {
  return json{{"kind", "alert"},
              {"alert_id", id},
              {"rule", rule},
              {"description", "canned " + rule},
              {"severity", severity},
              {"state", state},
              {"labels", json::object()},
              {"since", "2026-11-25T02:05:00.000Z"},
              {"count", 3},
              {"evidence", "ERROR canned evidence"}};
}

// A canned API: GET /api/v1/status and /api/v1/alerts answer the documents set here; every
// POST is recorded and answered with `post_status` and `post_body`.
class OpCannedApi {
 public:
  OpCannedApi()
      : server_([this](httplib::Server& s) {
          s.Get("/api/v1/status", [this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            res.status = status_code;
            res.set_content(status_body, "application/json");
          });
          s.Get("/api/v1/alerts", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            alerts_query = req.get_param_value("state");
            res.set_content(alerts_body, "application/json");
          });
          s.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            posts.push_back({req.path, req.body, req.get_header_value("Authorization")});
            res.status = post_status;
            res.set_content(post_body, "application/json");
          });
        }) {}

  void SetStatus(const json& status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_body = status.dump();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  struct Post {
    std::string path, body, authorization;
  };
  // Read after the command returned.
  std::string status_body = OpStatus("continue").dump();
  int status_code = 200;
  std::string alerts_body = R"({"alerts": []})";
  std::string alerts_query;
  int post_status = 200;
  std::string post_body = R"({"ok": true})";
  std::vector<Post> posts;

 private:
  std::mutex mu_;
  testing::BackgroundServer server_;  // Last: stopped before the fields above go.
};

testing::CliRun OpRun(std::vector<std::string> args) {
  return testing::RunCliWith(std::move(args));
}

std::string OpFirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// A loopback port bound but not listening: connecting to it is refused for as long as this
// lives (no race with other processes, unlike a port that was free a moment ago).
class OpRefusingPort {
 public:
  OpRefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~OpRefusingPort() { ::close(fd_); }
  OpRefusingPort(const OpRefusingPort&) = delete;
  OpRefusingPort& operator=(const OpRefusingPort&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A token file as the daemon accepts it (owner-only).
std::string OpTokenFile(const testing::TempDir& dir) {
  auto p = dir.Write("api-token", "op-test-token-0123456789\n");
  ::chmod(p.c_str(), 0600);
  return p.string();
}

// Runs `script` with bash (no rc files); its exit code and stdout.
struct OpShellRun {
  int code = -1;
  std::string out;
};
OpShellRun OpBash(const testing::TempDir& dir, const std::string& script) {
  auto file = dir.Write("script.sh", script);
  std::string command = "bash --norc --noprofile " + file.string() + " 2>&1";
  OpShellRun r;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kOpCompletion = CG_SOURCE_DIR "/packaging/bash-completion/cutover-guard";

// The completions bash offers for `words` (the last one is being completed).
std::string OpComplete(const testing::TempDir& dir, const std::vector<std::string>& words) {
  std::string script = "source '" + kOpCompletion + "' || exit 9\nCOMP_WORDS=(";
  for (const auto& w : words) script += "'" + w + "' ";
  script += ")\nCOMP_CWORD=" + std::to_string(words.size() - 1) +
            "\n_cutover_guard\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
  auto r = OpBash(dir, script);
  REQUIRE(r.code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("status exits with the verdict's code 0 1 2 3", "[daemon][operator]") {
  OpCannedApi api;
  const std::tuple<const char*, const char*, int> cases[] = {{"continue", "CONTINUE", 0},
                                                             {"investigate", "INVESTIGATE", 1},
                                                             {"rollback", "ROLLBACK", 2},
                                                             {"unknown", "UNKNOWN", 3}};
  for (const auto& [verdict, upper, code] : cases) {
    api.SetStatus(OpStatus(verdict));
    auto r = OpRun({"status", "--url", api.url()});
    INFO(r.out << r.err);
    CHECK(r.code == code);
    CHECK(r.out.rfind("CUTOVER-GUARD " + std::string(upper) + " - ", 0) == 0);
  }
}

TEST_CASE("status starts with a Nagios plugin line naming the firing rules", "[daemon][operator]") {
  OpCannedApi api;
  api.SetStatus(
      OpStatus("rollback", json::array({OpAlertReason("wso2.db.schema_not_migrated", "critical"),
                                        OpAlertReason("wso2.db.unreachable", "critical"),
                                        OpAlertReason("wso2.gw.slow", "warning")})));
  auto r = OpRun({"status", "--url", api.url()});
  CHECK(r.code == 2);
  CHECK(OpFirstLine(r.out) ==
        "CUTOVER-GUARD ROLLBACK - 2 critical alerts firing: wso2.db.schema_not_migrated, "
        "wso2.db.unreachable; 1 warning alert firing: wso2.gw.slow | firing=3 pending=0 "
        "critical=2 warning=1 info=0 blind_spots=0");
  // The body: the verdict in capitals, its reasons, the coverage with its problems.
  CHECK(r.out.find("\nRecommendation: ROLLBACK since 2026-11-25T02:11:00.000Z") !=
        std::string::npos);
  CHECK(r.out.find("critical firing  wso2.db.unreachable  x3 since 2026-11-25T02:05:00.000Z") !=
        std::string::npos);
  CHECK(r.out.find("evidence: ERROR canned evidence") != std::string::npos);
  CHECK(r.out.find("Coverage: 12 rules loaded; host ok") != std::string::npos);
  CHECK(r.out.find("log carbon: ok, 1234 records") != std::string::npos);
  CHECK(r.out.find("log errors: PROBLEM: no file matches the path, since "
                   "2026-11-25T02:01:00.000Z (") != std::string::npos);
  CHECK(r.out.find("target wso2am: ok, pid 4242, 1 restart") != std::string::npos);

  // More rules than fit: the first three, then "...".
  json many = json::array();
  for (const char* rule : {"a.one", "a.two", "a.three", "a.four"}) {
    many.push_back(OpAlertReason(rule, "warning"));
  }
  api.SetStatus(OpStatus("investigate", many));
  r = OpRun({"status", "--url", api.url()});
  CHECK(r.code == 1);
  CHECK(OpFirstLine(r.out).rfind(
            "CUTOVER-GUARD INVESTIGATE - 4 warning alerts firing: a.one, a.two, a.three, ... | ",
            0) == 0);
}

TEST_CASE("status says continue and unknown in one line from the summary", "[daemon][operator]") {
  OpCannedApi api;
  json ok = OpStatus("continue");
  ok["summary"] = "continue: no alert firing at or above warning";
  ok["cutover"]["at"] = nullptr;
  api.SetStatus(ok);
  auto r = OpRun({"status", "--url", api.url()});
  CHECK(r.code == 0);
  CHECK(OpFirstLine(r.out) ==
        "CUTOVER-GUARD CONTINUE - no alert firing at or above warning; no cutover mark set | "
        "firing=0 pending=0 critical=0 warning=0 info=0 blind_spots=0");

  json blind = OpStatus("unknown", json::array({{{"kind", "coverage"},
                                                 {"subject", "log carbon"},
                                                 {"description", "no file | matches"},
                                                 {"since", "2026-11-25T02:01:00.000Z"}}}));
  blind["summary"] = "unknown: cannot judge, 1 blind spot (log carbon: no file | matches)";
  api.SetStatus(blind);
  r = OpRun({"status", "--url", api.url()});
  CHECK(r.code == 3);
  // '|' would start performance data: replaced.
  CHECK(OpFirstLine(r.out) ==
        "CUTOVER-GUARD UNKNOWN - cannot judge, 1 blind spot (log carbon: no file / matches) | "
        "firing=0 pending=0 critical=0 warning=0 info=0 blind_spots=1");
  CHECK(r.out.find("blind spot log carbon: no file | matches, since") != std::string::npos);
}

TEST_CASE("status lists the firing and pending alerts with their ack state", "[daemon][operator]") {
  OpCannedApi api;
  api.SetStatus(
      OpStatus("rollback", json::array({OpAlertReason("wso2.db.unreachable", "critical")})));
  api.alerts_body = json{{"alerts", json::array({{{"id", "0123456789abcdef"},
                                                  {"rule", "wso2.db.unreachable"},
                                                  {"severity", "critical"},
                                                  {"state", "firing"},
                                                  {"labels", {{"log", "carbon"}}},
                                                  {"count", 7},
                                                  {"fired_at", "2026-11-25T02:05:00.000Z"},
                                                  {"acked", true},
                                                  {"acked_at", "2026-11-25T02:06:00.000Z"},
                                                  {"ack_comment", "DBA on it \x1b[2J(ticket 42)"}},
                                                 {{"id", "fedcba9876543210"},
                                                  {"rule", "wso2.gw.slow"},
                                                  {"severity", "warning"},
                                                  {"state", "pending"},
                                                  {"count", 2},
                                                  {"pending_since", "2026-11-25T02:07:00.000Z"},
                                                  {"acked", false}}})}}
                        .dump();
  auto r = OpRun({"status", "--url", api.url()});
  CHECK(r.code == 2);
  CHECK(api.alerts_query == "firing,pending");
  CHECK(r.out.find("critical firing  wso2.db.unreachable {log=carbon}  count 7  since "
                   "2026-11-25T02:05:00.000Z") != std::string::npos);
  // The comment, with the terminal escape defused.
  CHECK(r.out.find("id 0123456789abcdef  acked 2026-11-25T02:06:00.000Z") != std::string::npos);
  CHECK(r.out.find(": \"DBA on it  [2J(ticket 42)\"") != std::string::npos);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find("warning pending  wso2.gw.slow  count 2  since 2026-11-25T02:07:00.000Z") !=
        std::string::npos);
  CHECK(r.out.find("id fedcba9876543210  not acked") != std::string::npos);

  // Alerts not available (an older daemon): the verdict still stands.
  api.alerts_body = "not json";
  r = OpRun({"status", "--url", api.url()});
  CHECK(r.code == 2);
  CHECK(r.out.find("Alerts (firing and pending): not available:") != std::string::npos);
}

TEST_CASE("status --format json prints the daemon's status document", "[daemon][operator]") {
  OpCannedApi api;
  const json status = OpStatus("investigate", json::array({OpAlertReason("x.y", "warning")}));
  api.SetStatus(status);
  auto r = OpRun({"status", "--url", api.url(), "--format", "json"});
  CHECK(r.code == 1);
  CHECK(json::parse(r.out) == status);

  OpRefusingPort refusing;
  r = OpRun({"status", "--url", refusing.url(), "--format", "json"});
  CHECK(r.code == 3);
  json error = json::parse(r.out);
  CHECK(error["recommendation"] == "unknown");
  CHECK(error["error"] == "cannot reach " + refusing.url() + ": Connection refused");
}

TEST_CASE("status of an unreachable daemon is UNKNOWN with the reason", "[daemon][operator]") {
  OpRefusingPort refusing;
  auto r = OpRun({"status", "--url", refusing.url()});
  CHECK(r.code == 3);
  CHECK(r.out ==
        "CUTOVER-GUARD UNKNOWN - cannot reach " + refusing.url() + ": Connection refused\n");
}

TEST_CASE("status treats an error answer or a foreign answer as UNKNOWN", "[daemon][operator]") {
  OpCannedApi api;
  api.status_code = 503;
  api.status_body = R"({"error": "unavailable", "detail": "no snapshot published yet"})";
  auto r = OpRun({"status", "--url", api.url()});
  CHECK(r.code == 3);
  CHECK(r.out == "CUTOVER-GUARD UNKNOWN - " + api.url() +
                     "/api/v1/status: no snapshot published yet (HTTP 503)\n");

  api.status_code = 200;
  api.status_body = "<html>hello</html>";
  r = OpRun({"status", "--url", api.url()});
  CHECK(r.code == 3);
  CHECK(OpFirstLine(r.out).find("CUTOVER-GUARD UNKNOWN - GET " + api.url() +
                                "/api/v1/status: the answer is not the API's JSON") == 0);

  api.status_body = R"({"recommendation": "maybe"})";
  r = OpRun({"status", "--url", api.url()});
  CHECK(r.code == 3);
  CHECK(r.out.find("has no recommendation") != std::string::npos);
}

TEST_CASE("status refuses a huge answer without reading all of it", "[daemon][operator]") {
  std::atomic<uint64_t> sent{0};
  testing::BackgroundServer flood([&](httplib::Server& s) {
    s.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("application/json", testing::FloodBody('[', &sent));
    });
  });
  const std::string url = "http://127.0.0.1:" + std::to_string(flood.port());
  auto r = OpRun({"status", "--url", url});
  CHECK(r.code == 3);
  CHECK(r.out == "CUTOVER-GUARD UNKNOWN - GET " + url +
                     "/api/v1/status: the answer is larger than 8 MiB (is this cutover-guard's "
                     "API?)\n");
  // It stopped reading: far less than the 256 MiB on offer went out.
  CHECK(sent.load() < (uint64_t{64} << 20));
}

TEST_CASE("the operator client gives up on an answer that trickles", "[daemon][operator]") {
  testing::BackgroundServer trickle([](httplib::Server& s) {
    s.Get(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider(
          "application/json", [](size_t offset, httplib::DataSink& sink) {
            if (offset > 100) {
              sink.done();
              return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            return sink.write(" ", 1);
          });
    });
  });
  auto url = ParseHttpUrl("http://127.0.0.1:" + std::to_string(trickle.port()));
  REQUIRE(url.ok());
  OperatorClientOptions o;
  o.total_timeout = std::chrono::milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  auto r = OperatorClient(*url, o).GetJson("/api/v1/status");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == OperatorError::Kind::kBadAnswer);
  CHECK(r.error().message.find("the answer took longer than 300ms") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
}

TEST_CASE("status finds the daemon from the config's listen address", "[daemon][operator]") {
  OpCannedApi api;
  api.SetStatus(OpStatus("investigate"));
  testing::TempDir dir;
  auto port = api.url().substr(api.url().rfind(':') + 1);
  // A wildcard listen address is reached on loopback.
  auto cfg = dir.Write("config.yaml", "listen: \"0.0.0.0:" + port + "\"\n");
  auto r = OpRun({"status", "--config", cfg.string()});
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(r.out.find("at http://127.0.0.1:" + port) != std::string::npos);

  r = OpRun({"status", "-c", (dir / "missing.yaml").string()});
  CHECK(r.code == 3);
  CHECK(r.out == "CUTOVER-GUARD UNKNOWN - cannot use the config " +
                     (dir / "missing.yaml").string() +
                     " (for the API's address; or give --url): " + (dir / "missing.yaml").string() +
                     ": cannot open: No such file or directory\n");

  CHECK(ListenUrl(HostPort{"", 9860}) == "http://127.0.0.1:9860");
  CHECK(ListenUrl(HostPort{"::", 9860}) == "http://[::1]:9860");
  CHECK(ListenUrl(HostPort{"10.0.0.5", 80}) == "http://10.0.0.5:80");
}

TEST_CASE("status usage errors exit 3 as the check plugin convention asks", "[daemon][operator]") {
  CHECK(OpRun({"status", "--format", "xml"}).code == 3);
  CHECK(OpRun({"status", "--bogus"}).code == 3);
  auto r = OpRun({"status", "--url", "ftp://host"});
  CHECK(r.code == 3);
  CHECK(r.out.find("scheme must be http or https") != std::string::npos);
}

TEST_CASE("ack sends the token and the comment and prints one line", "[daemon][operator]") {
  OpCannedApi api;
  testing::TempDir dir;
  const std::string token = OpTokenFile(dir);
  api.post_body = R"({"acknowledged": "0123456789abcdef", "comment": "DBA on it"})";
  auto r = OpRun({"ack", "0123456789abcdef", "--comment", "DBA on it", "--url", api.url(),
                  "--token-file", token});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out == "acknowledged alert 0123456789abcdef: \"DBA on it\"\n");
  REQUIRE(api.posts.size() == 1);
  CHECK(api.posts[0].path == "/api/v1/alerts/0123456789abcdef/ack");
  CHECK(api.posts[0].authorization == "Bearer op-test-token-0123456789");
  CHECK(json::parse(api.posts[0].body) == json{{"comment", "DBA on it"}});

  // No comment: no body, as older clients send.
  r = OpRun({"ack", "0123456789abcdef", "--url", api.url(), "--token-file", token});
  CHECK(r.code == 0);
  CHECK(r.out == "acknowledged alert 0123456789abcdef\n");
  REQUIRE(api.posts.size() == 2);
  CHECK(api.posts[1].body.empty());
}

TEST_CASE("write commands print the API's error and exit 1 or 3 when unreachable",
          "[daemon][operator]") {
  OpCannedApi api;
  testing::TempDir dir;
  const std::string token = OpTokenFile(dir);
  api.post_status = 404;
  api.post_body = R"({"error": "not_found", "detail": "no alert with id 00000000000000ff"})";
  auto r = OpRun({"ack", "00000000000000ff", "--url", api.url(), "--token-file", token});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "cutover-guard ack: no alert with id 00000000000000ff (HTTP 404)\n");

  api.post_status = 409;
  api.post_body = R"({"error": "conflict", "detail": "rules.yaml:3:5: unknown key\nmore"})";
  r = OpRun({"reload", "--url", api.url(), "--token-file", token});
  CHECK(r.code == 1);
  CHECK(r.err == "cutover-guard reload: rules.yaml:3:5: unknown key\nmore (HTTP 409)\n");

  OpRefusingPort refusing;
  for (auto args : std::vector<std::vector<std::string>>{
           {"ack", "00000000000000ff"}, {"cutover"}, {"reload"}}) {
    args.insert(args.end(), {"--url", refusing.url(), "--token-file", token});
    r = OpRun(args);
    CHECK(r.code == 3);
    CHECK(r.err == "cutover-guard " + args[0] + ": cannot reach " + refusing.url() +
                       ": Connection refused\n");
  }
}

TEST_CASE("cutover and reload post what the API expects", "[daemon][operator]") {
  OpCannedApi api;
  testing::TempDir dir;
  const std::string token = OpTokenFile(dir);
  api.post_body = R"({"cutover": "2026-11-25T02:00:00.000Z"})";
  auto r =
      OpRun({"cutover", "--at", "2026-11-25 02:00:00", "--url", api.url(), "--token-file", token});
  CHECK(r.code == 0);
  CHECK(r.out == "cutover mark set to 2026-11-25T02:00:00.000Z\n");
  r = OpRun({"cutover", "--url", api.url(), "--token-file", token});
  CHECK(r.code == 0);
  api.post_body = R"({"reloaded": true, "rules": 12, "logs": 3, "targets": 1})";
  r = OpRun({"reload", "--url", api.url(), "--token-file", token});
  CHECK(r.code == 0);
  CHECK(r.out == "reloaded: 12 rules, 3 logs, 1 target\n");
  REQUIRE(api.posts.size() == 3);
  CHECK(api.posts[0].path == "/api/v1/cutover");
  CHECK(json::parse(api.posts[0].body) == json{{"at", "2026-11-25 02:00:00"}});
  CHECK(api.posts[1].body.empty());  // Now, on the daemon's clock.
  CHECK(api.posts[2].path == "/-/reload");
}

TEST_CASE("write commands take the token file from the config and explain a missing one",
          "[daemon][operator]") {
  OpCannedApi api;
  testing::TempDir dir;
  auto port = api.url().substr(api.url().rfind(':') + 1);
  auto missing = dir / "secret" / "api-token";
  auto cfg = dir.Write(
      "config.yaml", "listen: \"127.0.0.1:" + port + "\"\napi:\n  token_file: secret/api-token\n");
  auto r = OpRun({"reload", "--config", cfg.string()});
  CHECK(r.code == 1);
  CHECK(r.err == "cutover-guard reload: the API token file " + missing.string() +
                     " (api.token_file in " + cfg.string() +
                     ") does not exist (the package creates it at install; the write commands "
                     "need root or membership in the cutover-guard group to read it)\n");
  CHECK(api.posts.empty());

  // Unreadable (not testable as root, who reads anything).
  dir.Write("secret/api-token", "op-test-token-0123456789\n");
  if (::geteuid() != 0) {
    ::chmod(missing.c_str(), 0);
    r = OpRun({"ack", "0123456789abcdef", "--config", cfg.string()});
    CHECK(r.code == 1);
    CHECK(r.err.find("cannot read the API token " + missing.string()) != std::string::npos);
    CHECK(r.err.find("Permission denied; the write commands need root or membership in the "
                     "cutover-guard group") != std::string::npos);
  }
  // World-readable: refused as the daemon refuses it.
  ::chmod(missing.c_str(), 0644);
  r = OpRun({"ack", "0123456789abcdef", "--config", cfg.string()});
  CHECK(r.code == 1);
  CHECK(r.err.find("readable by others") != std::string::npos);

  ::chmod(missing.c_str(), 0600);
  r = OpRun({"ack", "0123456789abcdef", "--config", cfg.string()});
  CHECK(r.code == 0);
  REQUIRE(api.posts.size() == 1);
  CHECK(api.posts[0].authorization == "Bearer op-test-token-0123456789");

  // A config without api.token_file.
  auto bare = dir.Write("bare.yaml", "listen: \"127.0.0.1:" + port + "\"\n");
  r = OpRun({"cutover", "--config", bare.string()});
  CHECK(r.code == 1);
  CHECK(r.err.find(bare.string() + " sets no api.token_file") != std::string::npos);
}

TEST_CASE("operator commands still find the daemon in a config being edited",
          "[daemon][operator]") {
  // The usual `reload` moment: the config has a mistake the daemon will report (409, exit 1);
  // its listen address and token file are still read.
  OpCannedApi api;
  testing::TempDir dir;
  OpTokenFile(dir);
  auto port = api.url().substr(api.url().rfind(':') + 1);
  auto cfg = dir.Write("config.yaml", "listen: \"127.0.0.1:" + port +
                                          "\"\nsample_interval: 5\nbogus: 1\napi:\n"
                                          "  token_file: api-token\n");
  api.post_status = 409;
  api.post_body = R"({"error": "conflict", "detail": "config.yaml:3:1: unknown key"})";
  auto r = OpRun({"reload", "-c", cfg.string()});
  CHECK(r.code == 1);
  CHECK(r.err == "cutover-guard reload: config.yaml:3:1: unknown key (HTTP 409)\n");
  REQUIRE(api.posts.size() == 1);
  CHECK(api.posts[0].authorization == "Bearer op-test-token-0123456789");
  CHECK(OpRun({"status", "-c", cfg.string()}).code == 0);

  // Not even its listen address is usable: every problem, no request.
  auto broken = dir.Write("broken.yaml", "listen: nope\nbogus: 1\n");
  r = OpRun({"status", "-c", broken.string()});
  CHECK(r.code == 3);
  CHECK(r.out.rfind("CUTOVER-GUARD UNKNOWN - cannot use the config " + broken.string() +
                        " (for the API's address; or give --url); " + broken.string() + ":1:9: ",
                    0) == 0);
  CHECK(r.out.find("unknown key \"bogus\"") != std::string::npos);
}

TEST_CASE("operator write commands reject bad arguments as usage errors", "[daemon][operator]") {
  CHECK(OpRun({"ack"}).code == 2);
  auto r = OpRun({"ack", "../../-/reload", "--url", "http://127.0.0.1:1"});
  CHECK(r.code == 2);
  CHECK(r.err.find("is not an alert id") != std::string::npos);
  r = OpRun({"ack", "0123456789abcdef", "--comment", std::string(1025, 'x')});
  CHECK(r.code == 2);
  CHECK(r.err == "cutover-guard ack: --comment is 1025 bytes; at most 1024\n");
  r = OpRun({"ack", "0123456789abcdef", "--comment", "two\nlines"});
  CHECK(r.code == 2);
  r = OpRun({"ack", "0123456789abcdef", "--comment", "bad \xff utf-8"});
  CHECK(r.code == 2);
  CHECK(r.err == "cutover-guard ack: --comment is not valid UTF-8\n");
  r = OpRun({"cutover", "--at", "2026-13-01 00:00:00"});
  CHECK(r.code == 2);
  CHECK(r.err.find("cutover-guard cutover: --at: invalid time") == 0);
  CHECK(OpRun({"reload", "--bogus"}).code == 2);
}

TEST_CASE("PrintableText defuses control characters and bounds the length", "[daemon][operator]") {
  CHECK(PrintableText("a\x1b[31mred\x07\r\nb") == "a [31mred   b");
  CHECK(PrintableText("a\nb", 10, /*keep_newlines=*/true) == "a\nb");
  CHECK(PrintableText("c1 \xc2\x9b x") == "c1   x");
  CHECK(PrintableText("bad \xff") == "bad \xef\xbf\xbd");
  CHECK(PrintableText(std::string(600, 'x'), 10) == "xxxxxxxxxx...");
  CHECK(PrintableText("\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9...");
}

TEST_CASE("the bash completion script is valid bash and completes subcommands",
          "[daemon][operator][completion]") {
  testing::TempDir dir;
  auto syntax = OpBash(dir, "bash -n '" + kOpCompletion + "'");
  INFO(syntax.out);
  CHECK(syntax.code == 0);
  CHECK(OpComplete(dir, {"cutover-guard", "st"}) == "status\n");
  CHECK(OpComplete(dir, {"cutover-guard", "re"}) == "replay\nreload\n");
  CHECK(OpComplete(dir, {"cutover-guard", "ack", "--"}) ==
        "--config\n--url\n--token-file\n--comment\n--help\n");
  CHECK(OpComplete(dir, {"cutover-guard", "status", "--format", ""}) == "text\njson\n");
  CHECK(OpComplete(dir, {"cutover-guard", "init", "--"}) == "--apim-home\n--out\n--help\n");
  CHECK(OpComplete(dir, {"cutover-guard", "baseline", "l"}) == "learn\n");
  CHECK(OpComplete(dir, {"cutover-guard", "baseline", "learn", "--min-level", "W"}) == "WARN\n");
  dir.Write("conf/config.yaml", "");
  CHECK(OpComplete(dir, {"cutover-guard", "status", "--config", (dir / "conf/con").string()}) ==
        (dir / "conf/config.yaml").string() + "\n");
}

TEST_CASE("the bash completion offers the running daemon's alert ids for ack",
          "[daemon][operator][completion]") {
  OpCannedApi api;
  const std::string id1 = "0123456789abcdef", id2 = "0123456789abcd00";
  api.SetStatus(OpStatus("rollback", json::array({OpAlertReason("a.b", "critical", id1),
                                                  OpAlertReason("c.d", "warning", id2)})));
  testing::TempDir dir;
  // Built with daemon_test (tests/daemon/CMakeLists.txt).
  const std::string binary = CG_BINARY_DIR "/daemon/cutover-guard";
  REQUIRE(::access(binary.c_str(), X_OK) == 0);
  CHECK(OpComplete(dir, {binary, "ack", "--url", api.url(), ""}) == id1 + "\n" + id2 + "\n");
  CHECK(OpComplete(dir, {binary, "ack", "--url", api.url(), id2.substr(0, 15)}) == id2 + "\n");
  // No daemon: no candidates, no noise.
  OpRefusingPort refusing;
  CHECK(OpComplete(dir, {binary, "ack", "--url", refusing.url(), ""}) == "\n");
}

}  // namespace cg
