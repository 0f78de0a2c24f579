#include "daemon/notify/spool.h"

#include <system_error>

#include "base/fs.h"
#include "base/json_bounded.h"
#include "base/json_int.h"

namespace cg {
namespace {

constexpr std::string_view kHeader = R"({"cutover_guard_spool":1})";

}  // namespace

std::string Spool::Encode(const SpoolItem& item) {
  nlohmann::json j{
      {"id", item.id}, {"kind", item.kind}, {"created_ms", item.created_ms}, {"data", item.data}};
  // Replace invalid UTF-8 (log excerpts) rather than throw: the item must be storable.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::unique_ptr<Spool>> Spool::Open(std::filesystem::path file, uint64_t max_bytes) {
  std::unique_ptr<Spool> spool(new Spool(file, max_bytes));
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) {
    return Status::Error(file.parent_path().string() +
                         ": cannot create spool directory: " + ec.message());
  }
  bool exists = std::filesystem::exists(file, ec);
  if (ec) return Status::Error(file.string() + ": cannot access spool: " + ec.message());
  if (!exists) return spool;
  auto text = ReadFile(file, kMaxStateFileBytes);
  if (!text.ok()) return text.error();
  std::string_view rest = *text;
  bool first = true;
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    if (line.empty()) continue;
    if (first) {
      first = false;
      if (line == kHeader) continue;
    }
    // Bounded: a damaged or hostile spool line (deep nesting, a huge line) is skipped and
    // counted instead of exhausting the stack or memory.
    nlohmann::json j;
    if (!ParseJsonBounded(line, &j, kMaxSpoolLineDepth, kMaxSpoolLineBytes).ok() ||
        !j.is_object() || !j.contains("id") || !j["id"].is_string() || !j.contains("kind") ||
        !j["kind"].is_string() || !j.contains("created_ms") ||
        !TryJsonInteger<int64_t>(j["created_ms"]) || !j.contains("data")) {
      ++spool->corrupt_on_load_;
      continue;
    }
    SpoolItem item{j["id"].get<std::string>(), j["kind"].get<std::string>(),
                   *TryJsonInteger<int64_t>(j["created_ms"]), std::move(j["data"])};
    spool->dropped_on_load_ += spool->Push(std::move(item));
  }
  // What is in memory now is what a clean load of the file gives, unless lines were skipped or
  // dropped: then rewrite it so the bad lines are not counted again on the next start.
  spool->dirty_ = spool->corrupt_on_load_ > 0 || spool->dropped_on_load_ > 0;
  return spool;
}

size_t Spool::Push(SpoolItem item) {
  Entry e{std::move(item), ""};
  e.line = Encode(e.item);
  uint64_t size = e.line.size() + 1;
  size_t dropped = 0;
  dirty_ = true;
  if (size > max_bytes_) return 1;
  while (!items_.empty() && bytes_ + size > max_bytes_) {
    bytes_ -= items_.front().line.size() + 1;
    items_.pop_front();
    ++dropped;
  }
  bytes_ += size;
  items_.push_back(std::move(e));
  return dropped;
}

void Spool::PopFront(size_t n) {
  for (size_t i = 0; i < n && !items_.empty(); ++i) {
    bytes_ -= items_.front().line.size() + 1;
    items_.pop_front();
  }
  if (n > 0) dirty_ = true;
}

Status Spool::Save() {
  if (!dirty_) return Status::Ok();
  std::string content(kHeader);
  content += '\n';
  content.reserve(content.size() + bytes_);
  for (const Entry& e : items_) {
    content += e.line;
    content += '\n';
  }
  Status st = WriteFileAtomic(file_, content);
  if (st.ok()) dirty_ = false;
  return st;
}

}  // namespace cg
