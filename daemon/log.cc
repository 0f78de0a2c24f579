#include "daemon/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace cg {
namespace {

std::string_view LevelWord(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kWarning:
      return "WARN";
    case LogLevel::kNotice:
      return "NOTICE";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kDebug:
      return "DEBUG";
  }
  return "INFO";
}

}  // namespace

StderrLogger& StderrLogger::Instance() {
  static StderrLogger* logger = new StderrLogger();  // Never destroyed: used until exit.
  return *logger;
}

bool StderrLogger::JournalFormat() {
  int j = journal_.load();
  if (j < 0) {
    // systemd sets JOURNAL_STREAM when stderr is connected to the journal.
    j = std::getenv("JOURNAL_STREAM") != nullptr ? 1 : 0;
    journal_.store(j);
  }
  return j == 1;
}

void StderrLogger::SetJournalFormat(bool journal) { journal_.store(journal ? 1 : 0); }
void StderrLogger::SetMinLevel(LogLevel level) { min_level_.store(static_cast<int>(level)); }

std::string StderrLogger::Format(LogLevel level, std::string_view message, bool journal) {
  std::string line;
  line.reserve(message.size() + 16);
  if (journal) {
    line += '<';
    line += static_cast<char>('0' + static_cast<int>(level));
    line += '>';
  } else {
    line += LevelWord(level);
    line += ' ';
  }
  // One event, one line: embedded newlines would split it into several journal entries.
  for (char c : message) line += (c == '\n' ? ' ' : c);
  line += '\n';
  return line;
}

void StderrLogger::Write(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) > min_level_.load()) return;
  std::string line = Format(level, message, JournalFormat());
  // A single write(2) keeps concurrent lines from interleaving (stderr is unbuffered anyway).
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

bool RateLimiter::Allow(std::string_view key, uint64_t* suppressed) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(key);
  if (it == slots_.end()) it = slots_.emplace(std::string(key), Slot{}).first;
  Slot& s = it->second;
  MonoTime now = clock_->MonoNow();
  if (s.used && now - s.last < interval_) {
    ++s.suppressed;
    return false;
  }
  *suppressed = s.suppressed;
  s.suppressed = 0;
  s.last = now;
  s.used = true;
  return true;
}

void RateLimiter::Write(LogLevel level, std::string_view key, std::string_view message) {
  uint64_t suppressed = 0;
  if (!Allow(key, &suppressed)) return;
  if (suppressed == 0) {
    log_->Write(level, message);
  } else {
    log_->Write(level,
                std::string(message) + " (" + std::to_string(suppressed) + " similar suppressed)");
  }
}

}  // namespace cg
