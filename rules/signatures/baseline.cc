#include "rules/signatures/baseline.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "base/fs.h"
#include "base/json_bounded.h"
#include "base/json_int.h"
#include "base/units.h"
#include "base/utf8.h"
#include "collectors/logs/read_records.h"
#include "rules/signatures/hash.h"

namespace cg {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// A snapshot within the caps holds about a dozen values per signature (2.6 million at the
// signature cap); the cap on values (JsonValueBound, counted before parsing) bounds the memory
// of the parsed document (~16 bytes a value) for a hostile file of tiny values ("[0,0,0,...]"
// within the byte and depth caps), which the per-array caps are checked too late to stop.
// Generous enough for a later 1.x writer that adds keys.
constexpr size_t kMaxJsonValues = 8'000'000;

WallTime FloorMs(WallTime t) {
  return std::chrono::time_point_cast<WallTime::duration>(
      std::chrono::floor<std::chrono::milliseconds>(t));
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

std::string CutUtf8(std::string s, size_t max_bytes) {
  if (s.size() > max_bytes) s.resize(Utf8PrefixLength(s, max_bytes));
  return s;
}

bool SignatureOrder(const BaselineSignature& a, const BaselineSignature& b) {
  if (a.count != b.count) return a.count > b.count;
  if (a.log != b.log) return a.log < b.log;
  return a.id < b.id;
}

// Bytes a string takes in the snapshot, quotes included: an upper bound for the UTF-8 text
// the learner produces (escapes counted at their longest).
size_t JsonStringBytes(std::string_view s) {
  size_t n = 2;
  for (unsigned char c : s) n += c == '"' || c == '\\' ? 2 : c < 0x20 ? 6 : 1;
  return n;
}

// Bytes of one signature's line besides its strings, at most: keys, id, level, count and rate
// at their longest, two times, separators and indentation (236).
constexpr size_t kSignatureLineBytes = 240;
// Of the file's byte cap, what sources and logs may take; signatures get the rest.
constexpr size_t kSourcesBudget = 4u << 20;
constexpr size_t kHeaderAndLogsBudget = 1u << 20;

// Keeps a baseline within what LoadBaseline accepts (apart from the number of logs, which
// only the caller can decide about): signatures whose logger or template is too long to be
// loaded back are dropped, then the rarest beyond the count cap or beyond what fits in the
// file's byte cap (with templates and examples of a few hundred bytes, 64 MiB holds fewer than
// 200,000 signatures); sources beyond their cap or budget are left off the list.
void SortAndCap(Baseline* b) {
  std::erase_if(b->signatures, [](const BaselineSignature& s) {
    return s.logger.size() > kMaxBaselineTextBytes ||
           s.template_text.size() > kMaxBaselineTextBytes;
  });
  for (auto& s : b->signatures) s.example = CutUtf8(std::move(s.example), kMaxBaselineTextBytes);
  std::sort(b->signatures.begin(), b->signatures.end(), SignatureOrder);
  if (b->signatures.size() > kMaxBaselineSignatures) b->signatures.resize(kMaxBaselineSignatures);
  size_t bytes = 0, keep = 0;
  for (const auto& s : b->signatures) {
    bytes += kSignatureLineBytes + JsonStringBytes(s.log) + JsonStringBytes(s.logger) +
             JsonStringBytes(s.template_text) + JsonStringBytes(s.example);
    if (bytes > kMaxBaselineFileBytes - kSourcesBudget - kHeaderAndLogsBudget) break;
    ++keep;
  }
  b->signatures.resize(keep);
  std::sort(b->logs.begin(), b->logs.end(),
            [](const BaselineLog& x, const BaselineLog& y) { return x.name < y.name; });
  bytes = 0;
  keep = 0;
  for (const auto& src : b->sources) {
    bytes += JsonStringBytes(src) + 8;
    if (bytes > kSourcesBudget || keep == kMaxBaselineSources) break;
    ++keep;
  }
  b->sources.resize(keep);
}

// ---- times ------------------------------------------------------------------------------

// "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (what FormatRfc3339 writes). Times outside 1900..2200 are
// saturated by TimeZone::ToWall, like every time read from outside.
std::optional<WallTime> ParseUtcTime(std::string_view s) {
  if (s.empty() || s.back() != 'Z') return std::nullopt;
  s.remove_suffix(1);
  if (s.size() < 11 || s[10] != 'T') return std::nullopt;
  auto civil = ParseCivilTime(s);
  if (!civil.ok()) return std::nullopt;
  return TimeZone::Utc().ToWall(*civil);
}

// ---- reading JSON with paths in the errors ----------------------------------------------

std::string Join(std::string_view prefix, std::string_view key) {
  std::string p(prefix);
  if (!p.empty()) p += '.';
  p += key;
  return p;
}

class Reader {
 public:
  explicit Reader(std::string_view origin) : origin_(origin) {}

  Status Error(std::string_view path, std::string_view what) const {
    std::string m = origin_ + ": ";
    if (!path.empty()) m.append(path).append(": ");
    m.append(what);
    return Status::Error(std::move(m));
  }

  // Member `key` of `obj` (an object), or null if absent.
  static const json* Find(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }

  Status Required(const json& obj, std::string_view prefix, const char* key,
                  const json** out) const {
    *out = Find(obj, key);
    if (*out == nullptr) {
      return Error(prefix, std::string("missing required key \"") + key + "\"");
    }
    return Status::Ok();
  }

  Status String(const json& v, std::string_view path, size_t max_bytes, std::string* out) const {
    if (!v.is_string()) return Error(path, "expected a string");
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > max_bytes) {
      return Error(path, "longer than " + std::to_string(max_bytes) + " bytes");
    }
    if (!IsValidUtf8(s)) return Error(path, "not valid UTF-8 (or holds a NUL character)");
    *out = s;
    return Status::Ok();
  }

  Status Count(const json& v, std::string_view path, uint64_t* out) const {
    auto n = TryJsonInteger<uint64_t>(v);
    if (!n) return Error(path, "expected a non-negative integer");
    *out = *n;
    return Status::Ok();
  }

  Status Time(const json& v, std::string_view path, WallTime* out) const {
    if (!v.is_string()) return Error(path, "expected an RFC 3339 UTC time string");
    auto t = ParseUtcTime(v.get_ref<const std::string&>());
    if (!t) {
      return Error(path, "expected an RFC 3339 UTC time such as \"2026-12-06T01:02:03.000Z\"");
    }
    *out = *t;
    return Status::Ok();
  }

  // Required members of each kind.
  Status RequiredString(const json& obj, std::string_view prefix, const char* key, size_t max_bytes,
                        std::string* out) const {
    const json* v;
    if (Status s = Required(obj, prefix, key, &v); !s.ok()) return s;
    return String(*v, Join(prefix, key), max_bytes, out);
  }
  Status RequiredCount(const json& obj, std::string_view prefix, const char* key,
                       uint64_t* out) const {
    const json* v;
    if (Status s = Required(obj, prefix, key, &v); !s.ok()) return s;
    return Count(*v, Join(prefix, key), out);
  }
  Status RequiredTime(const json& obj, std::string_view prefix, const char* key,
                      WallTime* out) const {
    const json* v;
    if (Status s = Required(obj, prefix, key, &v); !s.ok()) return s;
    return Time(*v, Join(prefix, key), out);
  }
  Status RequiredArray(const json& obj, std::string_view prefix, const char* key, size_t max,
                       const json** out) const {
    if (Status s = Required(obj, prefix, key, out); !s.ok()) return s;
    if (!(*out)->is_array()) return Error(Join(prefix, key), "expected an array");
    if ((*out)->size() > max) {
      return Error(Join(prefix, key), std::to_string((*out)->size()) + " entries, more than the " +
                                          std::to_string(max) + " allowed");
    }
    return Status::Ok();
  }

 private:
  std::string origin_;
};

std::optional<Level> ParseBaselineLevel(std::string_view name) {
  for (size_t i = 0; i < kBaselineLevelCount; ++i) {
    const Level l = static_cast<Level>(i);
    if (BaselineLevelName(l) == name) return l;
  }
  return std::nullopt;
}

Status ReadLog(const Reader& r, const json& v, std::string_view path, BaselineLog* log) {
  if (!v.is_object()) return r.Error(path, "expected an object");
  if (Status s = r.RequiredString(v, path, "name", kMaxBaselineNameBytes, &log->name); !s.ok()) {
    return s;
  }
  if (log->name.empty()) return r.Error(Join(path, "name"), "empty");
  if (Status s = r.RequiredCount(v, path, "records", &log->records); !s.ok()) return s;
  const json* levels;
  if (Status s = r.Required(v, path, "levels", &levels); !s.ok()) return s;
  const std::string levels_path = Join(path, "levels");
  if (!levels->is_object()) return r.Error(levels_path, "expected an object");
  uint64_t sum = 0;
  for (const auto& [name, count] : levels->items()) {
    const std::string level_path = Join(levels_path, SanitizedUtf8(name));
    auto level = ParseBaselineLevel(name);
    if (!level) {
      return r.Error(level_path, "not a level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, UNKNOWN)");
    }
    uint64_t n = 0;
    if (Status s = r.Count(count, level_path, &n); !s.ok()) return s;
    log->by_level[static_cast<size_t>(*level)] = n;
    sum = SaturatingAdd(sum, n);
  }
  if (sum != log->records) {
    return r.Error(levels_path, "the levels add up to " + std::to_string(sum) +
                                    ", not to records (" + std::to_string(log->records) + ")");
  }
  if (Status s = r.RequiredTime(v, path, "first", &log->first); !s.ok()) return s;
  if (Status s = r.RequiredTime(v, path, "last", &log->last); !s.ok()) return s;
  if (log->first > log->last) return r.Error(Join(path, "first"), "after \"last\"");
  return Status::Ok();
}

Status ReadSignature(const Reader& r, const json& v, std::string_view path,
                     BaselineSignature* sig) {
  if (!v.is_object()) return r.Error(path, "expected an object");
  if (Status s = r.RequiredString(v, path, "log", kMaxBaselineNameBytes, &sig->log); !s.ok()) {
    return s;
  }
  std::string level;
  if (Status s = r.RequiredString(v, path, "level", 16, &level); !s.ok()) return s;
  auto parsed_level = ParseBaselineLevel(level);
  if (!parsed_level) {
    return r.Error(Join(path, "level"),
                   "expected TRACE, DEBUG, INFO, WARN, ERROR, FATAL or UNKNOWN");
  }
  sig->level = *parsed_level;
  if (Status s = r.RequiredString(v, path, "logger", kMaxBaselineTextBytes, &sig->logger);
      !s.ok()) {
    return s;
  }
  if (Status s = r.RequiredString(v, path, "template", kMaxBaselineTextBytes, &sig->template_text);
      !s.ok()) {
    return s;
  }
  if (Status s = r.RequiredCount(v, path, "count", &sig->count); !s.ok()) return s;
  if (Status s = r.RequiredTime(v, path, "first_seen", &sig->first_seen); !s.ok()) return s;
  if (Status s = r.RequiredTime(v, path, "last_seen", &sig->last_seen); !s.ok()) return s;
  if (sig->first_seen > sig->last_seen) {
    return r.Error(Join(path, "first_seen"), "after \"last_seen\"");
  }
  if (const json* e = Reader::Find(v, "example")) {
    if (Status s = r.String(*e, Join(path, "example"), kMaxBaselineTextBytes, &sig->example);
        !s.ok()) {
      return s;
    }
  }
  // The id is derived: it is checked for its form only, then computed from the template.
  if (const json* id = Reader::Find(v, "id")) {
    uint64_t ignored = 0;
    if (!id->is_string() || !ParseHexId(id->get_ref<const std::string&>(), &ignored)) {
      return r.Error(Join(path, "id"), "expected 16 hex digits");
    }
  }
  sig->id = SignatureId(sig->level, sig->logger, sig->template_text);
  return Status::Ok();
}

Result<Baseline> FromDocument(const Reader& r, const json& doc) {
  if (!doc.is_object()) return r.Error("", "expected a JSON object");
  std::string format;
  if (const json* f = Reader::Find(doc, "format"); f == nullptr) {
    return r.Error("", "missing required key \"format\" (not a cutover-guard baseline snapshot)");
  } else if (!f->is_string() || f->get_ref<const std::string&>() != kBaselineFormat) {
    return r.Error("format", "expected \"" + std::string(kBaselineFormat) +
                                 "\" (not a cutover-guard baseline snapshot)");
  }
  const json* version;
  if (Status s = r.Required(doc, "", "version", &version); !s.ok()) return s;
  auto v = TryJsonInteger<int64_t>(*version);
  if (!v || *v < 1) return r.Error("version", "expected a positive integer");
  if (*v > kBaselineVersion) {
    return r.Error("version", std::to_string(*v) + " is newer than this cutover-guard reads (" +
                                  std::to_string(kBaselineVersion) +
                                  "); learn the baseline again or upgrade");
  }

  Baseline b;
  if (Status s = r.RequiredTime(doc, "", "learned_at", &b.learned_at); !s.ok()) return s;

  const json* sources;
  if (Status s = r.RequiredArray(doc, "", "sources", kMaxBaselineSources, &sources); !s.ok()) {
    return s;
  }
  b.sources.reserve(sources->size());
  for (size_t i = 0; i < sources->size(); ++i) {
    std::string src;
    if (Status s = r.String((*sources)[i], "sources[" + std::to_string(i) + "]",
                            kMaxBaselinePathBytes, &src);
        !s.ok()) {
      return s;
    }
    b.sources.push_back(std::move(src));
  }

  const json* logs;
  if (Status s = r.RequiredArray(doc, "", "logs", kMaxBaselineLogs, &logs); !s.ok()) return s;
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < logs->size(); ++i) {
    const std::string path = "logs[" + std::to_string(i) + "]";
    BaselineLog log;
    if (Status s = ReadLog(r, (*logs)[i], path, &log); !s.ok()) return s;
    if (!names.insert(log.name).second) {
      return r.Error(Join(path, "name"), "\"" + log.name + "\" is listed twice");
    }
    b.logs.push_back(std::move(log));
  }

  const json* sigs;
  if (Status s = r.RequiredArray(doc, "", "signatures", kMaxBaselineSignatures, &sigs); !s.ok()) {
    return s;
  }
  b.signatures.reserve(sigs->size());
  // (log, id) -> index: entries that end with the same id (a recomputed one) are one signature.
  std::map<std::pair<std::string_view, uint64_t>, size_t> seen;
  for (size_t i = 0; i < sigs->size(); ++i) {
    const std::string path = "signatures[" + std::to_string(i) + "]";
    BaselineSignature sig;
    if (Status s = ReadSignature(r, (*sigs)[i], path, &sig); !s.ok()) return s;
    auto log = names.find(sig.log);
    if (log == names.end()) {
      return r.Error(Join(path, "log"), "\"" + sig.log + "\" is not one of the logs");
    }
    auto [it, added] = seen.try_emplace({*log, sig.id}, b.signatures.size());
    if (added) {
      b.signatures.push_back(std::move(sig));
      continue;
    }
    BaselineSignature& into = b.signatures[it->second];
    into.count = SaturatingAdd(into.count, sig.count);
    if (sig.first_seen < into.first_seen) {
      into.first_seen = sig.first_seen;
      into.example = std::move(sig.example);
    }
    into.last_seen = std::max(into.last_seen, sig.last_seen);
  }
  std::sort(b.signatures.begin(), b.signatures.end(), SignatureOrder);
  std::sort(b.logs.begin(), b.logs.end(),
            [](const BaselineLog& x, const BaselineLog& y) { return x.name < y.name; });
  return b;
}

// The value bound (JsonValueBound, base/json_bounded.h) is computed before parsing instead
// of counting in a parser callback: nlohmann's callback parser (3.11) scans the enclosing
// container at the end of every object, which is quadratic in the number of signatures (12 s
// for 200,000 empty objects).

// ---- writing ----------------------------------------------------------------------------

std::string Dump(const ordered_json& j) {
  // Strings are UTF-8 by construction (LearnBaseline sanitises); `replace` keeps dump() from
  // throwing on a Baseline a caller filled with raw bytes.
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

// `v` rounded to `scale` (a power of ten) parts of one. Dividing by the exact power of ten
// gives the double nearest the rounded decimal, which dump() prints short ("1.1382", not
// "1.1381999999999999").
double Round(double v, double scale) { return std::round(v * scale) / scale; }

std::string_view SkipJsonSpace(std::string_view s) {
  while (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')) {
    s.remove_prefix(1);
  }
  return s;
}

}  // namespace

std::string_view BaselineLevelName(Level level) {
  return level == Level::kUnknown ? std::string_view("UNKNOWN") : LevelName(level);
}

double BaselineLog::Hours() const {
  const double h = std::chrono::duration<double, std::ratio<3600>>(last - first).count();
  return std::max(h, 1.0 / 60);
}

const BaselineLog* Baseline::FindLog(std::string_view name) const {
  for (const auto& l : logs) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

Result<Baseline> LearnBaseline(const std::vector<LearnInput>& inputs, const LearnOptions& options,
                               WallTime now) {
  auto miner = SignatureMiner::Create(options.miner);
  if (!miner.ok()) return miner.error();
  struct LogState {
    BaselineLog log;
    bool any = false;           // A record was counted.
    bool any_log_time = false;  // A record had a timestamp of its own.
    WallTime read_first{}, read_last{};
  };
  std::map<std::string, LogState, std::less<>> logs;
  Baseline b;
  b.learned_at = FloorMs(now);
  for (const LearnInput& in : inputs) {
    if (in.spec.name.empty()) return Status::Error(in.path.string() + ": the log has no name");
    if (in.spec.name.size() > kMaxBaselineNameBytes || !IsValidUtf8(in.spec.name)) {
      return Status::Error(in.path.string() + ": the log name is longer than " +
                           std::to_string(kMaxBaselineNameBytes) + " bytes or not UTF-8");
    }
    b.sources.push_back(CutUtf8(SanitizedUtf8(in.path.string()), kMaxBaselinePathBytes));
    auto it = logs.find(in.spec.name);
    if (it == logs.end()) {
      if (logs.size() == kMaxBaselineLogs) {
        return Status::Error("more than " + std::to_string(kMaxBaselineLogs) +
                             " logs in one baseline (" + in.path.string() + " is log \"" +
                             in.spec.name + "\")");
      }
      it = logs.emplace(in.spec.name, LogState{}).first;
      it->second.log.name = in.spec.name;
    }
    LogState& st = it->second;
    SignatureMiner& m = **miner;
    const Status read = ReadRecordsFromFile(
        in.path, in.spec,
        [&](const Record& r) {
          ++st.log.records;
          const size_t level = static_cast<size_t>(r.level);
          if (level < kBaselineLevelCount) ++st.log.by_level[level];
          // A record without a timestamp of its own (lines before the first entry) carries
          // the file's mtime, which would stretch the span to the time of copying the logs.
          if (r.time_from_log) {
            if (!st.any_log_time || r.time < st.log.first) st.log.first = r.time;
            if (!st.any_log_time || r.time > st.log.last) st.log.last = r.time;
            st.any_log_time = true;
          }
          if (!st.any || r.time < st.read_first) st.read_first = r.time;
          if (!st.any || r.time > st.read_last) st.read_last = r.time;
          st.any = true;
          if (r.level >= options.min_level) m.AddRecord(r);
        },
        nullptr);
    if (!read.ok()) return read;
  }
  for (auto& [name, st] : logs) {
    if (!st.any_log_time) {
      st.log.first = st.read_first;
      st.log.last = st.read_last;
    }
    st.log.first = FloorMs(st.log.first);
    st.log.last = FloorMs(st.log.last);
    b.logs.push_back(std::move(st.log));
  }
  const std::vector<Signature> mined = (*miner)->Signatures();
  b.signatures.reserve(mined.size());
  for (const Signature& s : mined) b.signatures.push_back(ToBaselineSignature(s, s.count));
  FinishBaseline(&b);
  return b;
}

BaselineSignature ToBaselineSignature(const Signature& s, uint64_t count) {
  BaselineSignature bs;
  bs.log = s.log;
  bs.level = s.level;
  // The miner keeps templates and examples valid UTF-8; a logger is copied from the log line
  // as is. Whatever is changed here changes the id too, which is derived.
  bs.logger = SanitizedUtf8(s.logger);
  bs.template_text = SanitizedUtf8(s.template_text);
  bs.id = (bs.logger == s.logger && bs.template_text == s.template_text)
              ? s.id
              : SignatureId(bs.level, bs.logger, bs.template_text);
  bs.count = count;
  bs.first_seen = FloorMs(s.first_seen);
  bs.last_seen = FloorMs(s.last_seen);
  bs.example = CutUtf8(SanitizedUtf8(s.example), kBaselineExampleBytes);
  return bs;
}

void FinishBaseline(Baseline* b) {
  b->learned_at = FloorMs(b->learned_at);
  for (auto& l : b->logs) {
    l.first = FloorMs(l.first);
    l.last = FloorMs(l.last);
  }
  for (auto& s : b->signatures) {
    s.first_seen = FloorMs(s.first_seen);
    s.last_seen = FloorMs(s.last_seen);
  }
  SortAndCap(b);
}

void MergeBaseline(const Baseline& from, Baseline* into) {
  std::set<std::string_view> known(into->sources.begin(), into->sources.end());
  std::vector<std::string> added;
  for (const auto& s : from.sources) {
    if (known.insert(s).second) added.push_back(s);
  }
  into->sources.insert(into->sources.end(), added.begin(), added.end());
  into->learned_at = std::max(into->learned_at, from.learned_at);

  for (const BaselineLog& fl : from.logs) {
    auto it = std::find_if(into->logs.begin(), into->logs.end(),
                           [&](const BaselineLog& l) { return l.name == fl.name; });
    if (it == into->logs.end()) {
      into->logs.push_back(fl);
      continue;
    }
    // An empty log has no span to widen.
    if (it->records == 0) {
      it->first = fl.first;
      it->last = fl.last;
    } else if (fl.records > 0) {
      it->first = std::min(it->first, fl.first);
      it->last = std::max(it->last, fl.last);
    }
    it->records = SaturatingAdd(it->records, fl.records);
    for (size_t i = 0; i < kBaselineLevelCount; ++i) {
      it->by_level[i] = SaturatingAdd(it->by_level[i], fl.by_level[i]);
    }
  }

  std::map<std::pair<std::string, uint64_t>, size_t> index;
  for (size_t i = 0; i < into->signatures.size(); ++i) {
    index.emplace(std::make_pair(into->signatures[i].log, into->signatures[i].id), i);
  }
  for (const BaselineSignature& fs : from.signatures) {
    auto it = index.find({fs.log, fs.id});
    if (it == index.end()) {
      index.emplace(std::make_pair(fs.log, fs.id), into->signatures.size());
      into->signatures.push_back(fs);
      continue;
    }
    BaselineSignature& s = into->signatures[it->second];
    s.count = SaturatingAdd(s.count, fs.count);
    if (fs.first_seen < s.first_seen) {
      s.first_seen = fs.first_seen;
      s.example = fs.example;
    }
    s.last_seen = std::max(s.last_seen, fs.last_seen);
  }
  SortAndCap(into);
}

std::string BaselineToJson(const Baseline& b) {
  // Written by hand around one compact line per source, log and signature: a snapshot of ten
  // thousand signatures then diffs and greps line by line, which an indented dump does not.
  std::string out;
  out.reserve(256 + b.signatures.size() * 320);
  out += "{\n  \"format\": \"";
  out += kBaselineFormat;
  out += "\",\n  \"version\": " + std::to_string(kBaselineVersion) + ",\n";
  out += "  \"learned_at\": \"" + FormatRfc3339(b.learned_at) + "\",\n";
  auto array = [&out](const char* key, size_t n, const auto& element) {
    out += "  \"";
    out += key;
    out += "\": [";
    for (size_t i = 0; i < n; ++i) {
      out += i == 0 ? "\n    " : ",\n    ";
      out += Dump(element(i));
    }
    out += n == 0 ? "]" : "\n  ]";
  };
  array("sources", b.sources.size(), [&](size_t i) { return ordered_json(b.sources[i]); });
  out += ",\n";
  array("logs", b.logs.size(), [&](size_t i) {
    const BaselineLog& l = b.logs[i];
    ordered_json levels = ordered_json::object();
    // Named levels in order of severity, then the records without one.
    for (size_t k = 1; k <= kBaselineLevelCount; ++k) {
      const size_t level = k % kBaselineLevelCount;
      if (l.by_level[level] == 0) continue;
      levels[std::string(BaselineLevelName(static_cast<Level>(level)))] = l.by_level[level];
    }
    ordered_json j;
    j["name"] = l.name;
    j["records"] = l.records;
    j["levels"] = std::move(levels);
    j["first"] = FormatRfc3339(l.first);
    j["last"] = FormatRfc3339(l.last);
    j["hours"] = Round(l.Hours(), 1e3);
    return j;
  });
  out += ",\n";
  array("signatures", b.signatures.size(), [&](size_t i) {
    const BaselineSignature& s = b.signatures[i];
    const BaselineLog* log = b.FindLog(s.log);
    const double hours = log != nullptr ? log->Hours() : 1.0 / 60;
    ordered_json j;
    j["id"] = HexId(s.id);
    j["log"] = s.log;
    j["level"] = BaselineLevelName(s.level);
    j["logger"] = s.logger;
    j["template"] = s.template_text;
    j["count"] = s.count;
    j["rate_per_hour"] = Round(static_cast<double>(s.count) / hours, 1e6);
    j["first_seen"] = FormatRfc3339(s.first_seen);
    j["last_seen"] = FormatRfc3339(s.last_seen);
    j["example"] = s.example;
    return j;
  });
  out += "\n}\n";
  return out;
}

Result<Baseline> BaselineFromJson(std::string_view text, std::string_view origin) {
  const Reader r(origin);
  if (text.size() > kMaxBaselineFileBytes) {
    return r.Error("", "larger than " + std::to_string(kMaxBaselineFileBytes) + " bytes");
  }
  // The depth is checked before parsing so that no parser or destructor recursion depends on
  // the input.
  if (JsonNestingDepth(text, kMaxBaselineJsonDepth) > kMaxBaselineJsonDepth) {
    return r.Error("", "nested deeper than " + std::to_string(kMaxBaselineJsonDepth) + " levels");
  }
  if (JsonValueBound(text, kMaxJsonValues) > kMaxJsonValues) {
    return r.Error("", "more than " + std::to_string(kMaxJsonValues) + " JSON values");
  }
  // Library edge: nlohmann reports syntax errors (and allocation failures) by exception.
  try {
    json doc;
    try {
      doc = json::parse(text.data(), text.data() + text.size());
    } catch (const json::parse_error& e) {
      // e.what() quotes the bytes it stopped at, which may not be UTF-8.
      std::string what = SanitizedUtf8(e.what());
      if (auto at = what.find("] "); what.starts_with("[json.exception") && at != what.npos) {
        what.erase(0, at + 2);
      }
      return r.Error("", "not valid JSON (byte " + std::to_string(e.byte) + "): " + what);
    }
    return FromDocument(r, doc);
  } catch (const std::exception& e) {
    return r.Error("", std::string("cannot be read: ") + e.what());
  }
}

Status SaveBaseline(const Baseline& b, const std::filesystem::path& path) {
  const std::string text = BaselineToJson(b);
  // Whatever LoadBaseline would refuse is refused here, by the same code: a snapshot that was
  // saved can always be loaded.
  if (auto back = BaselineFromJson(text, path.string()); !back.ok()) {
    return Status::Error(back.error().message() + " (not written)");
  }
  return WriteFileAtomic(path, text);
}

Result<Baseline> LoadBaseline(const std::filesystem::path& path) {
  auto text = ReadFile(path, kMaxBaselineFileBytes);
  if (!text.ok()) return text.error();
  return BaselineFromJson(*text, path.string());
}

bool LooksLikeBaselineSnapshot(const std::filesystem::path& path) {
  std::error_code ec;
  // Not a FIFO or a device: reading one could block or never end.
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  char buf[4096];
  size_t got = 0;
  while (got < sizeof buf) {
    const ssize_t n = ::read(fd, buf + got, sizeof buf - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  std::string_view head(buf, got);
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  head = SkipJsonSpace(head);
  if (!head.starts_with('{')) return false;
  // A `"format": "cutover-guard-baseline"` member anywhere in the head (the writer puts it
  // first; another writer may not).
  constexpr std::string_view kKey = "\"format\"";
  for (size_t at = head.find(kKey); at != std::string_view::npos; at = head.find(kKey, at + 1)) {
    std::string_view rest = SkipJsonSpace(head.substr(at + kKey.size()));
    if (!rest.starts_with(':')) continue;
    rest = SkipJsonSpace(rest.substr(1));
    if (rest.starts_with("\"cutover-guard-baseline\"")) return true;
  }
  return false;
}

}  // namespace cg
