#include "daemon/state_bundle.h"

#include "base/fs.h"
#include "base/json_bounded.h"

namespace cg {

using nlohmann::json;

std::string SerializeStateBundle(const json& engine, const std::vector<CheckpointState>& logs) {
  json by_name = json::object();
  for (const auto& c : logs) by_name[c.log] = CheckpointToJson(c);
  const json doc = {{"version", 2}, {"engine", engine}, {"logs", std::move(by_name)}};
  // Paths and evidence are sanitised upstream; replace rather than throw if one slips through.
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<StateBundle> ParseStateBundle(std::string_view text) {
  json doc;
  if (Status s = ParseJsonBounded(text, &doc, kMaxStateDepth, kMaxStateFileBytes); !s.ok()) {
    return s;
  }
  if (!doc.is_object()) return Status::Error("not a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer()) {
    return Status::Error("no version");
  }
  StateBundle out;
  if (*version == 1) {  // The engine's state alone.
    out.engine = std::move(doc);
    return out;
  }
  if (*version != 2) return Status::Error("unsupported version " + version->dump());
  auto engine = doc.find("engine");
  auto logs = doc.find("logs");
  if (engine == doc.end() || !engine->is_object()) return Status::Error("no engine state");
  if (logs == doc.end() || !logs->is_object()) return Status::Error("no log checkpoints");
  for (const auto& [name, cp] : logs->items()) {
    auto parsed = CheckpointFromJson(cp);
    if (!parsed.ok()) return parsed.error().WithPrefix("log " + name);
    out.logs.emplace(name, std::move(parsed).value());
  }
  out.engine = std::move(*engine);
  return out;
}

}  // namespace cg
