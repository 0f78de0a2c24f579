#include "base/state_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/fs.h"

namespace cg {
namespace {

// One generation: "" if usable (text in *out), else why not. Missing is reported separately.
std::string TryGeneration(const std::filesystem::path& p, uint64_t max_bytes,
                          const StateValidator& validate, std::string* out) {
  auto text = ReadFile(p, max_bytes);
  if (!text.ok()) return text.error().message();
  if (Status s = validate(*text); !s.ok()) return p.string() + ": " + s.message();
  *out = std::move(text).value();
  return "";
}

}  // namespace

std::string_view StateSourceName(StateSource s) {
  switch (s) {
    case StateSource::kNone:
      return "none";
    case StateSource::kCurrent:
      return "current";
    case StateSource::kPrevious:
      return "previous";
    case StateSource::kDamaged:
      return "damaged";
  }
  return "none";
}

std::filesystem::path PreviousGeneration(const std::filesystem::path& path) {
  std::filesystem::path p = path;
  p += ".prev";
  return p;
}

StateLoad LoadStateFile(const std::filesystem::path& path, uint64_t max_bytes,
                        const StateValidator& validate) {
  StateLoad out;
  std::error_code ec;
  // Temp files of writes that a kill interrupted (WriteFileAtomic names them <file>.tmp.<pid>):
  // never complete, so never worth reading; without this, every crash would leave one behind.
  const std::string tmp_prefix = path.filename().string() + ".tmp.";
  for (std::filesystem::directory_iterator it(path.parent_path(), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().filename().string().rfind(tmp_prefix, 0) == 0) {
      std::error_code rm;
      std::filesystem::remove(it->path(), rm);
    }
  }
  ec.clear();
  const std::filesystem::path prev = PreviousGeneration(path);
  const bool has_current = std::filesystem::exists(path, ec);
  const bool has_prev = std::filesystem::exists(prev, ec);
  if (!has_current && !has_prev) return out;
  if (has_current) {
    out.problem = TryGeneration(path, max_bytes, validate, &out.text);
    if (out.problem.empty()) {
      out.source = StateSource::kCurrent;
      return out;
    }
    // Keep the damaged file for whoever investigates, out of the way of the next write (which
    // would otherwise rotate it into .prev and overwrite the good previous generation).
    std::filesystem::path aside = path;
    aside += ".corrupt";
    std::filesystem::rename(path, aside, ec);
    if (ec) std::filesystem::remove(path, ec);
  } else {
    out.problem = path.string() + ": missing (a write was interrupted)";
  }
  if (!has_prev) {
    out.source = StateSource::kDamaged;
    out.problem += "; no previous generation";
    return out;
  }
  std::string why = TryGeneration(prev, max_bytes, validate, &out.text);
  if (why.empty()) {
    out.source = StateSource::kPrevious;
    return out;
  }
  out.source = StateSource::kDamaged;
  out.problem += "; previous generation: " + why;
  return out;
}

Status WriteStateFile(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path prev = PreviousGeneration(path);
  // rename(2) replaces .prev atomically; a missing current file (first write, or one set
  // aside as corrupt) keeps the existing .prev.
  if (::rename(path.c_str(), prev.c_str()) != 0 && errno != ENOENT) {
    return Status::Error(path.string() +
                         ": cannot keep the previous generation: " + std::strerror(errno));
  }
  return WriteFileAtomic(path, content);
}

}  // namespace cg
