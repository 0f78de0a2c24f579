// The operator commands (status, ack, cutover, reload) against a real daemon on a temp
// directory, and the ack endpoint's optional comment body end to end (API, status, state file).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/units.h"
#include "daemon/http/time_param.h"
#include "tests/app/daemon_fixture.h"
#include "tests/support/cli_run.h"

namespace cg {
namespace {

using nlohmann::json;
using testing::Daemon;
using testing::TempDir;

// The daemon's URL and token for the operator commands (its config listens on port 0).
std::vector<std::string> OperatorArgs(const TempDir& dir, const Daemon& d,
                                      std::vector<std::string> args) {
  args.insert(args.end(), {"--config", (dir / "config.yaml").string(), "--url",
                           "http://127.0.0.1:" + std::to_string(d.port())});
  return args;
}

// Three matching records: test.db_unreachable (critical) fires.
void FireDbAlert(Daemon& d) {
  for (int i = 0; i < 3; ++i) {
    d.Append(testing::CarbonLine("ERROR", "Communications link failure"));
  }
  REQUIRE(
      testing::WaitUntil([&] { return d.Get("/api/v1/status")["recommendation"] == "rollback"; }));
}

std::string FiringAlertId(Daemon& d) {
  json alerts = d.Get("/api/v1/alerts?state=firing")["alerts"];
  REQUIRE(alerts.size() == 1);
  return alerts[0]["id"].get<std::string>();
}

}  // namespace

TEST_CASE("operator commands drive a running daemon", "[app][operator]") {
  TempDir dir;
  Daemon d(dir);
  d.Start();

  auto r = testing::RunCliWith(OperatorArgs(dir, d, {"status"}));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.out.rfind("CUTOVER-GUARD CONTINUE - no alert firing at or above warning; no cutover "
                    "mark set | firing=0 ",
                    0) == 0);
  CHECK(r.out.find("log carbon: ok") != std::string::npos);

  FireDbAlert(d);
  r = testing::RunCliWith(OperatorArgs(dir, d, {"status"}));
  CHECK(r.code == 2);
  CHECK(r.out.rfind("CUTOVER-GUARD ROLLBACK - 1 critical alert firing: test.db_unreachable | "
                    "firing=1 pending=0 critical=1 ",
                    0) == 0);
  const std::string id = FiringAlertId(d);
  CHECK(r.out.find("id " + id + "  not acked") != std::string::npos);

  // --format json: the daemon's own document.
  r = testing::RunCliWith(OperatorArgs(dir, d, {"status", "--format", "json"}));
  CHECK(r.code == 2);
  json doc = json::parse(r.out);
  CHECK(doc["recommendation"] == "rollback");
  CHECK(doc["reasons"][0]["alert_id"] == id);

  // ack with a comment: kept with the ack, shown by /api/v1/alerts and by status.
  r = testing::RunCliWith(
      OperatorArgs(dir, d, {"ack", id, "--comment", "DBA restarting the pool (INC-42)"}));
  CHECK(r.code == 0);
  CHECK(r.out == "acknowledged alert " + id + ": \"DBA restarting the pool (INC-42)\"\n");
  json alert = d.Get("/api/v1/alerts")["alerts"][0];
  CHECK(alert["acked"] == true);
  CHECK(alert["ack_comment"] == "DBA restarting the pool (INC-42)");
  r = testing::RunCliWith(OperatorArgs(dir, d, {"status"}));
  CHECK(r.code == 2);  // Acknowledged alerts still count (count_acknowledged: true).
  CHECK(r.out.find("id " + id + "  acked ") != std::string::npos);
  CHECK(r.out.find(": \"DBA restarting the pool (INC-42)\"") != std::string::npos);

  // An unknown id: the API's message, exit 1.
  r = testing::RunCliWith(OperatorArgs(dir, d, {"ack", "00000000000000ff"}));
  CHECK(r.code == 1);
  CHECK(r.err == "cutover-guard ack: no alert with id 00000000000000ff (HTTP 404)\n");

  // cutover --at in the daemon's local time: status shows the mark.
  r = testing::RunCliWith(OperatorArgs(dir, d, {"cutover", "--at", "2026-11-25 02:00:00"}));
  CHECK(r.code == 0);
  auto expected = ParseTimeParam("2026-11-25 02:00:00", WallTime{});
  REQUIRE(expected.ok());
  CHECK(r.out == "cutover mark set to " + FormatRfc3339(*expected) + "\n");
  CHECK(d.Get("/api/v1/status")["cutover"]["at"] == FormatRfc3339(*expected));
  r = testing::RunCliWith(OperatorArgs(dir, d, {"status"}));
  CHECK(r.out.find("Cutover mark: " + FormatRfc3339(*expected)) != std::string::npos);

  r = testing::RunCliWith(OperatorArgs(dir, d, {"reload"}));
  CHECK(r.code == 0);
  CHECK(r.out == "reloaded: 1 rule, 1 log, 0 targets\n");
  CHECK(d.Get("/api/v1/status")["daemon"]["reloads"]["success"] == 1);

  // A wrong token: the API's refusal, exit 1.
  auto wrong = dir.Write("wrong-token", "not-the-right-token-123\n");
  std::filesystem::permissions(wrong, std::filesystem::perms::owner_read);
  r = testing::RunCliWith(OperatorArgs(dir, d, {"reload", "--token-file", wrong.string()}));
  CHECK(r.code == 1);
  CHECK(r.err == "cutover-guard reload: wrong bearer token (HTTP 403)\n");

  // A stopped daemon: unreachable.
  const std::string url = "http://127.0.0.1:" + std::to_string(d.port());
  d.Stop();
  r = testing::RunCliWith({"status", "--url", url});
  CHECK(r.code == 3);
  CHECK(r.out == "CUTOVER-GUARD UNKNOWN - cannot reach " + url + ": Connection refused\n");
}

TEST_CASE("an ack comment survives a daemon restart", "[app][operator]") {
  TempDir dir;
  std::string id;
  {
    Daemon d(dir);
    d.Start();
    FireDbAlert(d);
    id = FiringAlertId(d);
    auto r = d.Post("/api/v1/alerts/" + id + "/ack", R"({"comment": "kept across restarts"})");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(json::parse(r->body) == json{{"acknowledged", id}, {"comment", "kept across restarts"}});
  }
  Daemon d(dir);
  d.Start();
  REQUIRE(testing::WaitUntil([&] { return !d.Get("/api/v1/alerts")["alerts"].empty(); }));
  json alert = d.Get("/api/v1/alerts")["alerts"][0];
  CHECK(alert["id"] == id);
  CHECK(alert["acked"] == true);
  CHECK(alert["ack_comment"] == "kept across restarts");
}

TEST_CASE("the ack endpoint takes an optional comment body and checks it", "[app][operator]") {
  TempDir dir;
  Daemon d(dir);
  d.Start();
  FireDbAlert(d);
  const std::string path = "/api/v1/alerts/" + FiringAlertId(d) + "/ack";
  auto detail = [&](const std::string& body) {
    auto r = d.Post(path, body);
    REQUIRE(r);
    CHECK(r->status == 400);
    return json::parse(r->body)["detail"].get<std::string>();
  };
  CHECK(detail("{\"comment\": ") == "body is not valid JSON (UTF-8)");
  CHECK(detail("{\"comment\": \"bad \xff\"}") == "body is not valid JSON (UTF-8)");
  CHECK(detail("[\"x\"]") == "body must be a JSON object like {\"comment\": \"...\"}");
  CHECK(detail(R"({"why": "x"})") == "unknown field \"why\" (expected \"comment\")");
  CHECK(detail(R"({"comment": 42})") == "\"comment\" must be a string");
  CHECK(detail(json{{"comment", std::string(1025, 'x')}}.dump()) ==
        "\"comment\" is longer than 1024 bytes");
  CHECK(detail(R"({"comment": "two\nlines"})") ==
        "\"comment\" must be one line without control characters");
  CHECK(detail(R"({"comment": "esc \u001b[2J"})") ==
        "\"comment\" must be one line without control characters");
  CHECK(detail(R"({"comment": "csi \u009b"})") ==
        "\"comment\" must be one line without control characters");
  CHECK(d.Get("/api/v1/alerts")["alerts"][0]["acked"] == false);

  // 1024 bytes of UTF-8 are fine; so is no body at all (older clients): that ack has no
  // comment, and it replaces the previous ack.
  std::string longest;
  while (longest.size() + 2 <= 1024) longest += "\xc3\xa9";
  auto ok = d.Post(path, json{{"comment", longest}}.dump());
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(d.Get("/api/v1/alerts")["alerts"][0]["ack_comment"] == longest);
  ok = d.Post(path, "");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  json alert = d.Get("/api/v1/alerts")["alerts"][0];
  CHECK(alert["acked"] == true);
  CHECK(alert["ack_comment"] == "");
  ok = d.Post(path, R"({"comment": null})");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

}  // namespace cg
