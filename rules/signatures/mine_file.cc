#include "rules/signatures/mine_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <utility>

namespace cg {
namespace {

// Per-record ids are collected as they are mined and resolved at the end: a record mined before
// its signature generalised or merged gets the id that signature has now.
struct PendingIds {
  std::vector<std::pair<uint32_t, uint64_t>> ids;  // (log number, id at mining time).
  std::map<std::string, uint32_t, std::less<>> logs;
  std::vector<std::string> names;

  void Add(std::string_view log, uint64_t id) {
    auto it = logs.find(log);
    if (it == logs.end()) {
      it = logs.emplace(std::string(log), static_cast<uint32_t>(names.size())).first;
      names.emplace_back(log);
    }
    ids.emplace_back(it->second, id);
  }
};

void Finish(const SignatureMiner& miner, const PendingIds& pending, MineReport* report) {
  report->record_ids.reserve(pending.ids.size());
  for (const auto& [log, id] : pending.ids) {
    report->record_ids.push_back(miner.Resolve(pending.names[log], id).value_or(0));
  }
  report->signatures = miner.Signatures();
  report->stats = miner.stats();
}

}  // namespace

Result<MineReport> MineRecords(const std::function<Status(const RecordVisitor&)>& source,
                               const MineFileOptions& options) {
  auto miner = SignatureMiner::Create(options.miner);
  if (!miner.ok()) return miner.error();
  MineReport report;
  PendingIds pending;
  const Status status = source([&](const Record& record) {
    const MineResult r = (*miner)->AddRecord(record);
    ++report.records;
    report.bytes += record.text.size();
    if (options.per_record) pending.Add(record.log, r.id);
  });
  if (!status.ok()) return status;
  Finish(**miner, pending, &report);
  return report;
}

Result<MineReport> MineFile(const std::filesystem::path& path, const MineFileOptions& options) {
  auto created = SignatureMiner::Create(options.miner);
  if (!created.ok()) return created.error();
  SignatureMiner& miner = **created;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(path.string() + ": " + std::strerror(errno));
  MineReport report;
  PendingIds pending;
  // A line is kept up to the miner's byte cap (plus one byte, so the miner sees it was cut);
  // the rest of an over-long line is read and dropped, so memory stays bounded.
  const size_t cap = options.miner.mask.max_bytes + 1;
  std::string line;
  bool have_line = false;
  const SignatureKey key{.log = options.log, .level = Level::kUnknown, .logger = {}};
  auto flush = [&] {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const MineResult r = miner.Add(key, line, WallTime{});
    ++report.records;
    if (options.per_record) pending.Add(options.log, r.id);
    line.clear();
    have_line = false;
  };
  std::string buf(1 << 20, '\0');
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      ::close(fd);
      return Status::Error(path.string() + ": " + err);
    }
    if (n == 0) break;
    report.bytes += static_cast<uint64_t>(n);
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    while (!chunk.empty()) {
      const size_t nl = chunk.find('\n');
      const std::string_view part = chunk.substr(0, nl);
      if (line.size() < cap) line.append(part.substr(0, cap - line.size()));
      have_line = true;
      if (nl == std::string_view::npos) break;
      flush();
      chunk.remove_prefix(nl + 1);
    }
  }
  ::close(fd);
  if (have_line) flush();
  Finish(miner, pending, &report);
  return report;
}

}  // namespace cg
