#include "base/resident.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <charconv>

#include "base/fs.h"

namespace cg {
namespace {

bool ParseHex(std::string_view s, uintptr_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

// "Rss:   1234 kB" -> 1234; UINT64_MAX when the number is not there or does not fit.
uint64_t KbField(std::string_view line) {
  size_t i = line.find(':');
  if (i == std::string_view::npos) return UINT64_MAX;
  ++i;
  while (i < line.size() && line[i] == ' ') ++i;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(line.data() + i, line.data() + line.size(), v);
  if (ec != std::errc() || p == line.data() + i) return UINT64_MAX;
  return v;
}

std::vector<std::string_view> Fields(std::string_view line, size_t max) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size() && out.size() < max) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    if (out.size() + 1 == max) {  // The path may hold spaces: the rest of the line.
      out.push_back(line.substr(i));
      break;
    }
    size_t j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::vector<SmapsMapping> ParseSmaps(std::string_view text) {
  std::vector<SmapsMapping> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    const char c = line[0];
    const bool is_header = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (is_header && line.find('-') < line.find(' ')) {
      // "begin-end perms offset dev inode [path]"
      auto f = Fields(line, 6);
      if (f.size() < 5) break;
      SmapsMapping m;
      size_t dash = f[0].find('-');
      if (!ParseHex(f[0].substr(0, dash), &m.begin) || !ParseHex(f[0].substr(dash + 1), &m.end) ||
          m.end < m.begin) {
        break;
      }
      m.perms = std::string(f[1]);
      if (f.size() == 6) m.path = std::string(f[5]);
      out.push_back(std::move(m));
      continue;
    }
    if (out.empty()) continue;
    if (line.starts_with("Rss:")) {
      const uint64_t v = KbField(line);
      out.back().rss_kb = v == UINT64_MAX ? 0 : v;
    }
    if (line.starts_with("Anonymous:")) out.back().anonymous_kb = KbField(line);
    if (line.starts_with("Swap:")) out.back().swap_kb = KbField(line);
    if (line.starts_with("Private_Dirty:")) out.back().private_dirty_kb = KbField(line);
  }
  return out;
}

bool IsReleasable(const SmapsMapping& m) {
  return m.perms.size() == 4 && m.perms[0] == 'r' && m.perms[1] != 'w' && m.perms[3] == 'p' &&
         !m.path.empty() && m.path[0] == '/' && m.anonymous_kb == 0 && m.swap_kb == 0 &&
         m.private_dirty_kb == 0 && m.rss_kb > 0 && m.end > m.begin;
}

Result<ReleaseStats> ReleaseStartupMemory(const std::string& smaps_path) {
  auto text = ReadFile(smaps_path, kMaxSmapsBytes);
  if (!text.ok()) return text.error();
  ReleaseStats stats;
  for (const SmapsMapping& m : ParseSmaps(*text)) {
    stats.rss_before_kb += m.rss_kb;
    if (!IsReleasable(m)) continue;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): an address the kernel reported.
    void* addr = reinterpret_cast<void*>(m.begin);
    const size_t len = m.end - m.begin;
    if (::madvise(addr, len, MADV_DONTNEED) != 0) continue;
    (void)::madvise(addr, len, MADV_RANDOM);
    ++stats.mappings;
    stats.file_kb += m.rss_kb;
  }
  ::malloc_trim(0);
  // statm: "size resident shared text lib data dt", in pages.
  auto statm = ReadFile(std::filesystem::path(smaps_path).parent_path() / "statm", 4096);
  if (statm.ok()) {
    std::string_view s = *statm;
    size_t sp = s.find(' ');
    uint64_t pages = 0;
    if (sp != std::string_view::npos) {
      std::from_chars(s.data() + sp + 1, s.data() + s.size(), pages);
      stats.rss_after_kb = pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024;
    }
  }
  return stats;
}

}  // namespace cg
