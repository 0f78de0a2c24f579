// MineFile / MineRecords: run a whole input through a fresh SignatureMiner and report what it
// found. The entry point of `cutover-guard signatures` and of bench/signatures.
//
// MineFile reads a plain file as one message per line (the `plain` log format: no header, no
// continuation lines; a trailing CR is dropped, a line longer than the miner's message cap
// is cut there). Formats with headers and multi-line records go through MineRecords, with the
// records the collectors' assembler produces (ReadRecordsFromFile), so that level, logger and
// the message extraction (message.h) apply.
//
// Memory: the miner's bounds, plus 16 bytes per record when per-record ids are asked for.
// Pure functions of their input; thread-safe (each call has its own miner).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "collectors/record.h"
#include "rules/signatures/miner.h"

namespace cg {

struct MineFileOptions {
  SignatureMinerOptions miner{};
  std::string log = "file";  // SignatureKey::log of every message (MineFile only).
  // Fill MineReport::record_ids: the final signature id of each record, in input order.
  bool per_record = false;
};

struct MineReport {
  uint64_t records = 0;
  uint64_t bytes = 0;                 // Bytes read (MineFile) or message bytes (MineRecords).
  std::vector<Signature> signatures;  // Most messages first.
  // With per_record: each record's signature as it is at the end (a record mined before its
  // signature generalised or merged gets the id it has now). 0 if it was evicted since.
  std::vector<uint64_t> record_ids;
  SignatureMinerStats stats;
};

// Feeds each record of a source to the miner: `source` calls its argument once per record,
// in order, and returns the source's own status (an I/O error, say), which is returned.
using RecordVisitor = std::function<void(const Record&)>;
[[nodiscard]] Result<MineReport> MineRecords(
    const std::function<Status(const RecordVisitor&)>& source, const MineFileOptions& options);

// One message per line of `path` (see above). Errors: the file cannot be opened or read,
// invalid miner options.
[[nodiscard]] Result<MineReport> MineFile(const std::filesystem::path& path,
                                          const MineFileOptions& options);

}  // namespace cg
