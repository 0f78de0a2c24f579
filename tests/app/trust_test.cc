// Trust: hostile data never stops the daemon, damaged state never loses a firing alert, and a
// daemon that cannot see says `unknown`. The whole daemon in-process, as in app_test.cc.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/utf8.h"
#include "tests/app/daemon_fixture.h"

namespace cg {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::CarbonLine;
using testing::Daemon;
using testing::WaitUntil;

const std::string kFailure = "Communications link failure";

// A failure record whose text is longer than the evidence cap (4096 bytes) with a two-byte
// character straddling the cut.
std::string LongFailureLine() {
  const std::string header = CarbonLine("ERROR", "").substr(0, CarbonLine("ERROR", "").size() - 1);
  const size_t pad = 4095 - header.size() - kFailure.size() - 1;
  std::string e;
  for (int i = 0; i < 200; ++i) e += "\xC3\xA9";
  return CarbonLine("ERROR", kFailure + " " + std::string(pad, 'a') + e);
}

json FiringAlert(Daemon& d) {
  json alerts = d.Get("/api/v1/alerts?state=firing")["alerts"];
  return alerts.size() == 1 ? alerts[0] : json();
}

TEST_CASE("a record cut inside a UTF-8 character keeps the daemon up and its alert saved",
          "[app][trust]") {
  testing::TempDir dir;
  {
    Daemon d(dir);
    d.Start();
    const std::string line = LongFailureLine();
    REQUIRE(static_cast<unsigned char>(line[4095]) == 0xC3);  // The cut falls inside é.
    d.Append(line + line + line);
    REQUIRE(WaitUntil([&] { return !FiringAlert(d).is_null(); }));
    json e = FiringAlert(d)["evidence"].back();
    const std::string text = e["text"].get<std::string>();
    CHECK(e["truncated"] == true);
    CHECK(text.size() == 4095);
    CHECK(IsValidUtf8(text));
    CHECK(d.Stop() == 0);  // The checkpoint on stop used to throw here (SIGABRT).
  }
  Daemon d(dir);
  d.Start();
  json a = FiringAlert(d);
  REQUIRE_FALSE(a.is_null());  // Back from the saved state, before any record is read.
  CHECK(a["rule"] == "test.db_unreachable");
  CHECK(a["evidence"].back()["text"].get<std::string>().rfind("TID:", 0) == 0);
}

TEST_CASE("a log file whose name is not UTF-8 is read and its alert saved", "[app][trust]") {
  testing::TempDir dir;
  {
    Daemon d(dir, "", testing::kRules, "logs/wso2carbon*.log");
    d.append_to = "logs/wso2carbon\xff.log";
    d.Start();
    d.Append(CarbonLine("ERROR", kFailure) + CarbonLine("ERROR", kFailure) +
             CarbonLine("ERROR", kFailure));
    REQUIRE(WaitUntil([&] { return !FiringAlert(d).is_null(); }));
    const std::string file = FiringAlert(d)["evidence"].back()["file"].get<std::string>();
    CHECK(file.find("wso2carbon\xEF\xBF\xBD.log") != std::string::npos);
    json status = d.Get("/api/v1/status");
    CHECK(status["logs"][0]["records"] == 3);
    CHECK(d.Stop() == 0);
  }
  Daemon d(dir, "", testing::kRules, "logs/wso2carbon*.log");
  d.Start();
  CHECK_FALSE(FiringAlert(d).is_null());
}

TEST_CASE("damaged alert state falls back to the previous generation, alerts still firing",
          "[app][trust]") {
  testing::TempDir dir;
  const auto state = dir / "state/alerts.json";
  {
    Daemon d(dir, "checkpoint_interval: 200ms\n");
    d.Start();
    d.Append(CarbonLine("ERROR", kFailure) + CarbonLine("ERROR", kFailure) +
             CarbonLine("ERROR", kFailure));
    REQUIRE(WaitUntil([&] { return !FiringAlert(d).is_null(); }));
    // A checkpoint tick saves the firing alert: that is the previous generation.
    REQUIRE(WaitUntil(
        [&] {
          auto t = ReadFile(state, 1 << 24);
          return t.ok() && t->find("\"firing\"") != std::string::npos;
        },
        20s));
    d.Append(CarbonLine("INFO", "after the alert"));
    REQUIRE(WaitUntil([&] { return d.CarbonRecords() == 4; }));
    REQUIRE(d.Stop() == 0);  // The newest generation.
  }
  auto full = ReadFile(state, 1 << 24);
  REQUIRE(full.ok());
  const std::string damage = GENERATE(as<std::string>{}, "truncated", "garbage");
  REQUIRE(WriteFileAtomic(state, damage == "truncated" ? full->substr(0, full->size() / 2)
                                                       : std::string("\x01\x02 not json"))
              .ok());
  Daemon d(dir);
  d.Start();
  json a = FiringAlert(d);
  REQUIRE_FALSE(a.is_null());
  CHECK(a["count"] == 3);
  CHECK(a["evidence"].back()["text"].get<std::string>().find(kFailure) != std::string::npos);
  // Offsets came from the same generation: the INFO line is read again, the failures are not.
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() >= 1; }));
  CHECK(d.CarbonRecords() == 1);
  CHECK(FiringAlert(d)["count"] == 3);
  CHECK(d.Metrics().find(
            "cutover_guard_state_recoveries_total{file=\"alerts\",from=\"previous\"} 1") !=
        std::string::npos);
  CHECK(std::filesystem::exists(dir / "state/alerts.json.corrupt"));
}

TEST_CASE("a daemon that cannot see its log says unknown, with the reason and coverage",
          "[app][trust][unknown]") {
  testing::TempDir dir;
  Daemon d(dir, "coverage: {grace: 1s}\n", testing::kRules, "logs/not-yet.log");
  d.append_to = "logs/not-yet.log";
  d.Start();
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/status")["recommendation"] == "unknown"; }));
  json s = d.Get("/api/v1/status");
  REQUIRE(s["reasons"].size() == 1);
  CHECK(s["reasons"][0]["kind"] == "coverage");
  CHECK(s["reasons"][0]["subject"] == "log carbon");
  CHECK(s["reasons"][0]["description"].get<std::string>().rfind("no file matches ", 0) == 0);
  CHECK(s["coverage"]["logs"][0]["seen"] == false);
  CHECK(s["coverage"]["rules"] == 1);
  CHECK(s["coverage"]["blind_spots"].size() == 1);
  CHECK(d.Metrics().find("cutover_guard_recommendation{recommendation=\"unknown\"} 1") !=
        std::string::npos);
  // The log appears: seen, and back to continue.
  d.Append(CarbonLine("INFO", "hello"));
  REQUIRE(WaitUntil([&] { return d.Get("/api/v1/status")["recommendation"] == "continue"; }));
  CHECK(d.Get("/api/v1/status")["coverage"]["logs"][0]["seen"] == true);
}

TEST_CASE("state write failures are counted and retried, never fatal", "[app][trust]") {
  testing::TempDir dir;
  Daemon d(dir, "checkpoint_interval: 200ms\n");
  d.Start();
  d.Append(CarbonLine("INFO", "one"));
  REQUIRE(WaitUntil([&] { return std::filesystem::exists(dir / "state/alerts.json"); }, 20s));
  // A directory where the previous generation goes: keeping it fails, every time.
  std::filesystem::create_directories(dir / "state/alerts.json.prev/blocker");
  d.Append(CarbonLine("INFO", "two"));
  const std::string failed = "cutover_guard_state_write_errors_total{file=\"alerts\"} ";
  REQUIRE(WaitUntil([&] { return d.Metrics().find(failed + "1") != std::string::npos; }, 20s));
  CHECK(d.Get("/healthz")["status"] == "ok");
  std::filesystem::remove_all(dir / "state/alerts.json.prev");
  // Retried at the next tick: the state on disk catches up.
  REQUIRE(WaitUntil(
      [&] {
        auto t = ReadFile(dir / "state/alerts.json", 1 << 24);
        return t.ok() && std::filesystem::is_regular_file(dir / "state/alerts.json.prev");
      },
      20s));
  CHECK(d.Stop() == 0);
}

TEST_CASE("a reload whose log cannot be tailed fails and keeps the running logs", "[app][trust]") {
  // Before: the tailer that failed to start was dropped and the reload reported success, so
  // the log went unwatched without a word.
  testing::TempDir dir;
  Daemon d(dir);
  d.Start();
  d.Append(CarbonLine("INFO", "one"));
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() == 1; }));
  // A new state_dir where the notifier's spool can live but log checkpoints cannot.
  std::filesystem::create_directories(dir / "state2/notify");
  dir.Write("state2/logs", "a file where the checkpoint directory should be");
  auto config = ReadFile(dir / "config.yaml", 1 << 20);
  REQUIRE(config.ok());
  std::string changed = *config;
  changed.replace(changed.find("state_dir: state"), 16, "state_dir: state2");
  dir.Write("config.yaml", changed);
  auto r = d.Post("/-/reload");
  REQUIRE(r);
  CHECK(r->status == 409);
  CHECK(r->body.find("log carbon") != std::string::npos);
  d.Append(CarbonLine("INFO", "two"));
  REQUIRE(WaitUntil([&] { return d.CarbonRecords() == 2; }));  // Still tailed.
  CHECK(d.Get("/api/v1/status")["daemon"]["reloads"]["failure"] == 1);
}

}  // namespace
}  // namespace cg
