// Daemon logging: one line per event on stderr, with sd-daemon priority prefixes ("<3>") when
// stderr goes to the journal (JOURNAL_STREAM set), so journald keeps levels; a readable
// "LEVEL " prefix otherwise. Thread-safe (one write(2) per line).
//
// RateLimiter turns a flood of the same condition (a file missing on every poll, a receiver
// down on every retry) into one line per interval plus a count of what was suppressed.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace cg {

enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

class Log {
 public:
  // Output format: journal prefixes or human prefixes. Auto-detected from JOURNAL_STREAM.
  static void SetJournalFormat(bool journal);
  static void SetMinLevel(LogLevel level);
  static void Write(LogLevel level, std::string_view message);
  // Formats one line without writing it (for tests).
  static std::string Format(LogLevel level, std::string_view message, bool journal);
};

inline void LogError(std::string_view m) { Log::Write(LogLevel::kError, m); }
inline void LogWarning(std::string_view m) { Log::Write(LogLevel::kWarning, m); }
inline void LogInfo(std::string_view m) { Log::Write(LogLevel::kInfo, m); }
inline void LogDebug(std::string_view m) { Log::Write(LogLevel::kDebug, m); }

// Per-key rate limiting. Thread-safe. Keys are caller-chosen ("tail:carbon:missing").
class RateLimiter {
 public:
  explicit RateLimiter(std::chrono::milliseconds interval, const Clock* clock)
      : interval_(interval), clock_(clock) {}
  // True if a message for `key` may be written now. `*suppressed` receives how many were
  // dropped for this key since the last one allowed.
  bool Allow(std::string_view key, uint64_t* suppressed);
  // Logs `message` at `level` if allowed, appending "(N similar suppressed)".
  void Write(LogLevel level, std::string_view key, std::string_view message);

 private:
  struct Slot {
    MonoTime last{};
    uint64_t suppressed = 0;
    bool used = false;
  };
  std::chrono::milliseconds interval_;
  const Clock* clock_;  // Not owned.
  std::mutex mu_;
  std::map<std::string, Slot, std::less<>> slots_;
};

}  // namespace cg
