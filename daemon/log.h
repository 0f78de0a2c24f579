// Daemon logging. Logger is the seam (App takes one, tests pass a recording one); the process's
// logger, StderrLogger::Instance(), writes one line per event on stderr, with sd-daemon
// priority prefixes ("<3>") when stderr goes to the journal (JOURNAL_STREAM set), so journald
// keeps levels, and a readable "LEVEL " prefix otherwise. Thread-safe (one write(2) per line).
//
// RateLimiter turns a flood of the same condition (a file missing on every poll, a receiver
// down on every retry) into one line per interval plus a count of what was suppressed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace cg {

enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

// Where the daemon's operational messages go. Implementations must be thread-safe.
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Write(LogLevel level, std::string_view message) = 0;
  void Error(std::string_view m) { Write(LogLevel::kError, m); }
  void Warning(std::string_view m) { Write(LogLevel::kWarning, m); }
  void Info(std::string_view m) { Write(LogLevel::kInfo, m); }
  void Debug(std::string_view m) { Write(LogLevel::kDebug, m); }
};

// The process's logger: stderr. One instance per process (stderr is one per process).
class StderrLogger final : public Logger {
 public:
  static StderrLogger& Instance();
  // Output format: journal prefixes or human prefixes. Auto-detected from JOURNAL_STREAM.
  void SetJournalFormat(bool journal);
  void SetMinLevel(LogLevel level);
  void Write(LogLevel level, std::string_view message) override;
  // Formats one line without writing it (for tests).
  static std::string Format(LogLevel level, std::string_view message, bool journal);

 private:
  StderrLogger() = default;
  bool JournalFormat();
  std::atomic<int> journal_{-1};  // -1: not decided yet.
  std::atomic<int> min_level_{static_cast<int>(LogLevel::kInfo)};
};

// Per-key rate limiting. Thread-safe. Keys are caller-chosen ("tail:carbon:missing").
class RateLimiter {
 public:
  // `clock` and `log` are not owned and must outlive the limiter.
  RateLimiter(std::chrono::milliseconds interval, const Clock* clock, Logger* log)
      : interval_(interval), clock_(clock), log_(log) {}
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
  Logger* log_;         // Not owned.
  std::mutex mu_;
  std::map<std::string, Slot, std::less<>> slots_;
};

}  // namespace cg
