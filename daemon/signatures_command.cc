// `cutover-guard signatures`: the message templates mined from log files, with counts.
//
// Files read as plain text (`--log-format plain`, or inferred so) are one message per line and
// go through MineFile, each on its own miner: exactly what bench/signatures measures on the
// Loghub datasets (one dataset per file). Other files (and gzipped plain ones) go through the
// collectors' assembler (ReadRecordsFromFile) into MineRecords, consecutive ones sharing one
// miner, so rotated siblings of a log mine into the same signatures. Results of separate
// miners are combined by (log, id): the id is derived from level, logger and template, so
// equal templates add up.

#include <algorithm>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <utility>

#include "base/units.h"
#include "collectors/logs/log_format.h"
#include "collectors/logs/read_records.h"
#include "daemon/commands.h"
#include "daemon/format_option.h"
#include "daemon/shrink_guard.h"
#include "rules/replay.h"
#include "rules/signatures/baseline.h"
#include "rules/signatures/hash.h"
#include "rules/signatures/mine_file.h"

namespace cg {
namespace {

constexpr int kExitError = 1;

struct MineInput {
  std::filesystem::path path;
  LogSpec spec;
  // One message per line through MineFile (not gzip: MineFile reads the bytes as they are).
  bool line_per_message = false;
};

// Everything mined, combined over the runs of miners.
struct Combined {
  uint64_t records = 0;
  SignatureMinerStats stats;  // Summed over the runs (signatures: see `signatures`).
  std::vector<Signature> signatures;
  std::vector<uint64_t> record_ids;
  std::map<std::pair<std::string, uint64_t>, size_t> index;  // (log, id) -> signatures[i].

  void Add(MineReport&& r) {
    records += r.records;
    stats.messages += r.stats.messages;
    stats.created += r.stats.created;
    stats.generalised += r.stats.generalised;
    stats.merged += r.stats.merged;
    stats.evicted += r.stats.evicted;
    stats.truncated += r.stats.truncated;
    record_ids.insert(record_ids.end(), r.record_ids.begin(), r.record_ids.end());
    for (Signature& s : r.signatures) {
      auto [it, added] = index.try_emplace({s.log, s.id}, signatures.size());
      if (added) {
        signatures.push_back(std::move(s));
        continue;
      }
      Signature& into = signatures[it->second];
      into.count += s.count;
      if (s.first_seen < into.first_seen) {
        into.first_seen = s.first_seen;
        into.example = std::move(s.example);
      }
      into.last_seen = std::max(into.last_seen, s.last_seen);
      for (uint64_t p : s.parents) {
        if (std::find(into.parents.begin(), into.parents.end(), p) == into.parents.end()) {
          into.parents.push_back(p);
        }
      }
    }
  }

  void Finish() {
    std::sort(signatures.begin(), signatures.end(), [](const Signature& a, const Signature& b) {
      if (a.count != b.count) return a.count > b.count;
      if (a.log != b.log) return a.log < b.log;
      return a.id < b.id;
    });
    stats.signatures = signatures.size();
  }
};

std::string LevelColumn(Level level) {
  return level == Level::kUnknown ? "-" : std::string(LevelName(level));
}

nlohmann::json TimeOrNull(WallTime t) {
  // Plain files carry no time (MineFile mines them at the epoch).
  return t == WallTime{} ? nlohmann::json(nullptr) : nlohmann::json(FormatRfc3339(t));
}

void PrintText(const Combined& c, std::ostream& out) {
  size_t width = 5;
  for (const auto& s : c.signatures) width = std::max(width, std::to_string(s.count).size());
  out << std::string(width - 5, ' ') << "count  level  id                template\n";
  for (const auto& s : c.signatures) {
    const std::string count = std::to_string(s.count);
    std::string level = LevelColumn(s.level);
    level.resize(std::max<size_t>(level.size(), 5), ' ');
    out << std::string(width - count.size(), ' ') << count << "  " << level << "  " << HexId(s.id)
        << "  " << s.template_text << "\n";
  }
  out << "records " << c.records << ", signatures " << c.signatures.size() << ", evicted "
      << c.stats.evicted << ", truncated " << c.stats.truncated << "\n";
}

void PrintJson(const Combined& c, std::ostream& out) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& s : c.signatures) {
    nlohmann::json parents = nlohmann::json::array();
    for (uint64_t p : s.parents) parents.push_back(HexId(p));
    all.push_back({{"id", HexId(s.id)},
                   {"log", s.log},
                   {"level", BaselineLevelName(s.level)},
                   {"logger", s.logger},
                   {"template", s.template_text},
                   {"count", s.count},
                   {"first_seen", TimeOrNull(s.first_seen)},
                   {"last_seen", TimeOrNull(s.last_seen)},
                   {"example", s.example},
                   {"parents", std::move(parents)}});
  }
  // Loggers come from the log line as they are: replace what is not UTF-8 rather than fail.
  out << all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void PrintPerRecord(const Combined& c, std::ostream& out) {
  // An id names one template whatever the log (it hashes level, logger and template).
  std::unordered_map<uint64_t, const std::string*> templates;
  for (const auto& s : c.signatures) templates.emplace(s.id, &s.template_text);
  std::string line;
  for (uint64_t id : c.record_ids) {
    line = HexId(id);
    line += '\t';
    // 0: the record's signature was evicted (the miner's cap) before the end.
    if (auto it = templates.find(id); it != templates.end()) line += *it->second;
    line += '\n';
    out << line;
  }
}

int Mine(const SignaturesOptions& opts, std::ostream& out, std::ostream& err) {
  std::optional<LogFormat> format;
  if (!opts.log_format.empty()) {
    format = ParseLogFormatOption("signatures", opts.log_format, err);
    if (!format) return kExitError;
  }
  const std::optional<Level> min_level =
      opts.min_level.empty() ? std::nullopt : std::optional<Level>(ParseLevel(opts.min_level));

  std::vector<MineInput> inputs;
  for (const auto& f : opts.files) {
    std::error_code ec;
    const std::filesystem::path p(f);
    if (!std::filesystem::is_regular_file(p, ec)) {
      err << "signatures: " << f << ": not a readable file\n";
      return kExitError;
    }
    MineInput in{p, InferLogSpec(p)};
    if (format) {
      in.spec.format = *format;
      in.spec.entry_start.clear();
    }
    in.spec.path = f;
    in.line_per_message = in.spec.format == LogFormat::kPlain && p.extension() != ".gz";
    inputs.push_back(std::move(in));
  }

  Combined combined;
  MineFileOptions options;
  options.per_record = opts.per_record;
  for (size_t i = 0; i < inputs.size();) {
    if (inputs[i].line_per_message) {
      options.log = inputs[i].spec.name;
      auto report = MineFile(inputs[i].path, options);
      if (!report.ok()) {
        err << "signatures: " << report.error().message() << "\n";
        return kExitError;
      }
      combined.Add(std::move(report).value());
      ++i;
      continue;
    }
    // A run of consecutive assembled files: one miner.
    size_t end = i;
    while (end < inputs.size() && !inputs[end].line_per_message) ++end;
    auto source = [&](const RecordVisitor& visit) -> Status {
      for (size_t k = i; k < end; ++k) {
        Status s = ReadRecordsFromFile(
            inputs[k].path, inputs[k].spec,
            [&](const Record& r) {
              if (!min_level || r.level >= *min_level) visit(r);
            },
            nullptr);
        if (!s.ok()) return s;
      }
      return Status::Ok();
    };
    auto report = MineRecords(source, options);
    if (!report.ok()) {
      err << "signatures: " << report.error().message() << "\n";
      return kExitError;
    }
    combined.Add(std::move(report).value());
    i = end;
  }
  combined.Finish();

  if (opts.per_record) {
    PrintPerRecord(combined, out);
  } else if (opts.output_format == "json") {
    PrintJson(combined, out);
  } else {
    PrintText(combined, out);
  }
  return 0;
}

}  // namespace

int SignaturesCommand(const SignaturesOptions& opts, std::ostream& out, std::ostream& err) {
  // Library edge: nothing below is expected to throw, but the command must end in an exit code.
  try {
    InstallShrinkGuard("signatures", "mine a copy that is not being written", kExitError);
    return Mine(opts, out, err);
  } catch (const std::exception& e) {
    err << "signatures: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace cg
