#include "collectors/logs/checkpoint.h"

#include <nlohmann/json.hpp>

#include "base/json_bounded.h"
#include "base/json_int.h"

namespace cg {
namespace {

constexpr int kVersion = 1;

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool Unhex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = val(hex[i]), lo = val(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

}  // namespace

std::filesystem::path CheckpointPath(const std::filesystem::path& state_dir, std::string_view log) {
  return state_dir / "logs" / (std::string(log) + ".json");
}

nlohmann::json CheckpointToJson(const CheckpointState& s) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : s.files) {
    files.push_back({{"path", f.path},
                     {"dev", f.id.device},
                     {"ino", f.id.inode},
                     {"fp", f.id.fingerprint},
                     {"fp_len", f.fp_len},
                     {"offset", f.offset},
                     {"size", f.size},
                     {"mtime_ns", f.mtime_ns},
                     {"live", f.live},
                     {"finished", f.finished},
                     {"gz", f.gz},
                     {"guard", Hex(f.guard)}});
  }
  return {{"version", kVersion},
          {"log", s.log},
          {"pattern", s.pattern},
          {"max_mtime_ns", s.max_mtime_ns},
          {"files", std::move(files)}};
}

std::string SerializeCheckpoint(const CheckpointState& s) {
  // Paths may hold any bytes; replace rather than throw on invalid UTF-8.
  return CheckpointToJson(s).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<CheckpointState> ParseCheckpoint(std::string_view text) {
  nlohmann::json j;
  if (Status parsed = ParseJsonBounded(text, &j, kMaxCheckpointDepth); !parsed.ok()) {
    return parsed.WithPrefix("checkpoint");
  }
  return CheckpointFromJson(j);
}

Result<CheckpointState> CheckpointFromJson(const nlohmann::json& j) {
  // nlohmann throws on wrong types: this is that library's edge.
  try {
    if (!j.is_object()) return Status::Error("checkpoint: not a JSON object");
    if (j.value("version", 0) != kVersion) {
      return Status::Error("checkpoint: unsupported version " +
                           j.value("version", nlohmann::json()).dump());
    }
    CheckpointState s;
    s.log = j.at("log").get<std::string>();
    s.pattern = j.at("pattern").get<std::string>();
    s.max_mtime_ns = JsonInteger<int64_t>(j.at("max_mtime_ns"));
    for (const auto& f : j.at("files")) {
      CheckpointEntry e;
      e.path = f.at("path").get<std::string>();
      e.id.device = JsonInteger<uint64_t>(f.at("dev"));
      e.id.inode = JsonInteger<uint64_t>(f.at("ino"));
      e.id.fingerprint = JsonInteger<uint64_t>(f.at("fp"));
      e.fp_len = JsonInteger<uint32_t>(f.at("fp_len"));
      e.offset = JsonInteger<uint64_t>(f.at("offset"));
      e.size = JsonInteger<uint64_t>(f.at("size"));
      e.mtime_ns = JsonInteger<int64_t>(f.at("mtime_ns"));
      e.live = f.at("live").get<bool>();
      e.finished = f.at("finished").get<bool>();
      e.gz = f.at("gz").get<bool>();
      if (!Unhex(f.at("guard").get<std::string>(), &e.guard) || e.guard.size() > 64) {
        return Status::Error("checkpoint: bad guard bytes for " + e.path);
      }
      s.files.push_back(std::move(e));
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return Status::Error(std::string("checkpoint: ") + e.what());
  } catch (const std::out_of_range& e) {
    return Status::Error(std::string("checkpoint: ") + e.what());
  }
}

}  // namespace cg
