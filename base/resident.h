// Giving back the memory that only start-up used.
//
// At start the daemon parses its config and rule pack, compiles a hundred regexes and runs code
// it never runs again; the kernel maps code in 64 KiB batches ("fault-around"), so most of the
// executable and its libraries end up resident although the idle loop uses a small part of them.
// ReleaseStartupMemory() drops the clean file-backed pages of this process from its page
// tables (madvise MADV_DONTNEED: they stay in the page cache, shared, and the kernel maps a page
// back on its next use) and marks those mappings MADV_RANDOM, so that they come back a page at
// a time rather than in batches; then returns the heap's free memory to the kernel
// (malloc_trim). Only mappings that are private, not writable, backed by a file and hold no
// page of their own are touched: smaps must show Anonymous, Swap and Private_Dirty all 0 (a
// relocated RELRO page or a debugger's breakpoint is a copied-on-write page: anonymous while
// resident, swap once swapped out; MADV_DONTNEED would bring back the file's bytes). Their
// content is the file's, so dropping them cannot change what the process reads.
//
// Thread-safety: call it from the thread that loads shared objects (the daemon's loop, after
// start-up and after a reload, when the TLS module is loaded if ever): a mapping removed and
// replaced by another thread between the read of smaps and the madvise would be released
// too. Other threads only take page faults.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cg {

// One mapping of /proc/PID/smaps, with the fields the release needs.
struct SmapsMapping {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  std::string perms;  // "r-xp".
  std::string path;   // "" for anonymous mappings; "[heap]", "[stack]" ...
  uint64_t rss_kb = 0;
  // Pages of the process's own in the mapping; UINT64_MAX until smaps gave the field (a
  // mapping whose fields are missing or unreadable is never released).
  uint64_t anonymous_kb = UINT64_MAX;
  uint64_t swap_kb = UINT64_MAX;
  uint64_t private_dirty_kb = UINT64_MAX;
};

// Parses smaps text. Lines it does not know are skipped; a malformed header ends the parse
// (what was read so far is returned).
std::vector<SmapsMapping> ParseSmaps(std::string_view text);

// True if dropping the mapping's resident pages cannot change its content (see above).
bool IsReleasable(const SmapsMapping& m);

struct ReleaseStats {
  uint64_t mappings = 0;       // Mappings released.
  uint64_t file_kb = 0;        // Their resident kilobytes before the release.
  uint64_t rss_before_kb = 0;  // The process's resident set before (sum over smaps) ...
  uint64_t rss_after_kb = 0;   // ... and after (statm next to smaps; 0 if unreadable).
};

// Reads `smaps_path` (at most kMaxSmapsBytes; /proc/self/smaps in production) and releases as
// described above.
inline constexpr size_t kMaxSmapsBytes = 8 << 20;
Result<ReleaseStats> ReleaseStartupMemory(const std::string& smaps_path = "/proc/self/smaps");

}  // namespace cg
