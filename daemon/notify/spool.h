// A persistent, bounded FIFO of undelivered notifications for one receiver.
//
// The file is JSON lines: a header line, then one item per line. Save() rewrites it atomically
// (temp file + fsync + rename + directory fsync) so a crash leaves the old or the new content,
// never a torn file; callers save after a batch of changes, not per item. Loading skips lines
// that do not parse, are longer than kMaxSpoolLineBytes or nest deeper than kMaxSpoolLineDepth
// (counted in corrupt_on_load()) rather than refusing the whole spool.
//
// Bounded by `max_bytes` (the encoded size of the items): pushing past it drops the oldest items
// first, and an item larger than the whole budget is dropped itself. Not thread-safe: owned by
// one receiver worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace cg {

// Bounds on one spool line when loading (an item is a notice: a few KiB).
inline constexpr size_t kMaxSpoolLineBytes = size_t{1} << 20;
inline constexpr size_t kMaxSpoolLineDepth = 64;

struct SpoolItem {
  std::string id;          // Delivery id, stable across retries and restarts.
  std::string kind;        // "alert" | "recommendation".
  int64_t created_ms = 0;  // Wall time of the notice, ms since the epoch.
  nlohmann::json data;     // Receiver-specific content.
};

class Spool {
 public:
  // Opens (and loads) `file`; a missing file is an empty spool. Creates the parent directory.
  // Fails when the file or directory exists but cannot be read or created.
  [[nodiscard]] static Result<std::unique_ptr<Spool>> Open(std::filesystem::path file,
                                                           uint64_t max_bytes);

  // Appends `item`; returns how many items were dropped to stay within the budget (possibly
  // including `item` itself when it alone exceeds it).
  size_t Push(SpoolItem item);

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  uint64_t bytes() const { return bytes_; }
  uint64_t max_bytes() const { return max_bytes_; }
  const SpoolItem& at(size_t i) const { return items_[i].item; }
  // Removes the first `n` items (n <= size()).
  void PopFront(size_t n);

  // True when the in-memory content differs from the file.
  bool dirty() const { return dirty_; }
  // Writes the file if dirty.
  [[nodiscard]] Status Save();

  // Lines skipped while loading because they did not parse.
  uint64_t corrupt_on_load() const { return corrupt_on_load_; }
  // Items dropped while loading because the file held more than the budget.
  uint64_t dropped_on_load() const { return dropped_on_load_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  Spool(std::filesystem::path file, uint64_t max_bytes)
      : file_(std::move(file)), max_bytes_(max_bytes) {}
  struct Entry {
    SpoolItem item;
    std::string line;  // Encoded form, cached for Save() and the byte count.
  };
  static std::string Encode(const SpoolItem& item);

  std::filesystem::path file_;
  uint64_t max_bytes_;
  std::deque<Entry> items_;
  uint64_t bytes_ = 0;
  bool dirty_ = false;
  uint64_t corrupt_on_load_ = 0;
  uint64_t dropped_on_load_ = 0;
};

}  // namespace cg
