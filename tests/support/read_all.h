// ReadAllRecords: every record ReadRecordsFromFile hands on, copied into a vector (tests only;
// the records of a fixture file are small).
#pragma once

#include <filesystem>
#include <vector>

#include "collectors/logs/read_records.h"

namespace cg::testing {

inline Result<std::vector<Record>> ReadAllRecords(const std::filesystem::path& path,
                                                  const LogSpec& spec,
                                                  FileReadStats* stats = nullptr) {
  std::vector<Record> got;
  Status st = ReadRecordsFromFile(
      path, spec, [&](const Record& r) { got.push_back(r); }, stats);
  if (!st.ok()) return st;
  return got;
}

}  // namespace cg::testing
