#include "daemon/state_bundle.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace cg {
namespace {

using nlohmann::json;

CheckpointState Checkpoint(std::string log, uint64_t offset) {
  CheckpointState s;
  s.log = std::move(log);
  s.pattern = "/x/" + s.log + ".log";
  CheckpointEntry e;
  e.path = s.pattern;
  e.offset = offset;
  e.live = true;
  s.files.push_back(e);
  return s;
}

TEST_CASE("the state bundle keeps engine state and every log's offsets together",
          "[daemon][state]") {
  const json engine = {{"version", 1}, {"rules", json::array()}};
  auto back = ParseStateBundle(SerializeStateBundle(engine, {Checkpoint("carbon", 42)}));
  REQUIRE(back.ok());
  CHECK(back->engine == engine);
  REQUIRE(back->logs.count("carbon") == 1);
  CHECK(back->logs.at("carbon").files.at(0).offset == 42);
  // A version 1 file (the engine state alone) is still read, without offsets.
  auto legacy = ParseStateBundle(engine.dump());
  REQUIRE(legacy.ok());
  CHECK(legacy->engine == engine);
  CHECK(legacy->logs.empty());
}

TEST_CASE("hostile state bundles are refused with a reason, never parsed deep", "[daemon][state]") {
  const std::string deep = "{\"version\":2,\"engine\":" + std::string(100'000, '[') +
                           std::string(100'000, ']') + ",\"logs\":{}}";
  CHECK(ParseStateBundle(deep).error().message().find("nested deeper") != std::string::npos);
  CHECK_FALSE(ParseStateBundle("").ok());
  CHECK_FALSE(ParseStateBundle("[1,2]").ok());
  CHECK(ParseStateBundle(R"({"version": 3})").error().message() == "unsupported version 3");
  CHECK(ParseStateBundle(R"({"version": 2.5})").error().message() == "no version");
  CHECK(ParseStateBundle(R"({"version": 2, "engine": {}, "logs": []})").error().message() ==
        "no log checkpoints");
  // A checkpoint inside with a float offset names the log.
  json doc = json::parse(SerializeStateBundle(json::object(), {Checkpoint("carbon", 1)}));
  doc["logs"]["carbon"]["files"][0]["offset"] = 1e30;
  auto bad = ParseStateBundle(doc.dump());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().rfind("log carbon: ", 0) == 0);
}

}  // namespace
}  // namespace cg
