// The running daemon: one boost::asio::io_context, run by one thread, owns all mutable state
// (sampler, tailers, rule engine). Records are evaluated as they come; timers are left for
// what only time changes. A signal_set handles SIGHUP (reload), SIGTERM and SIGINT (graceful
// stop). The HTTP server's threads only read the immutable snapshot the loop publishes
// (rendered to JSON by the first request that reads it), and post writes (cutover mark, ack,
// reload) to the loop.
//
//   LogWatcher (inotify + stat poll) LogTailer::Poll/FlushIdle (early flush) -> Engine::OnRecord;
//                                   a record that matched a rule posts one event evaluation
//                                   per batch of reads (at most every 5 ms): Engine::
//                                   EvaluateMatched, transitions -> notifier, publication
//   sample timer (sample_interval)  Sampler::Sample
//   eval timer (<= 1 s)             Engine::Evaluate (window expiry, `for`, metric and
//                                   built-in rules), transitions -> notifier, publication,
//                                   systemd STATUS= (when it changes), READY=1 once ready
//   checkpoint timer (checkpoint_interval, 5 s) alert state + offsets (one file) to state_dir
//   watchdog timer (WatchdogSec/2)  WATCHDOG=1 (only while the loop turns)
//
// Thread-safety: Create/Run on one thread; RequestStop/RequestReload from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/diagnostics.h"
#include "base/status.h"
#include "daemon/log.h"
#include "daemon/systemd_notify.h"

namespace cg {

class ApiBackend;

struct AppOptions {
  std::filesystem::path config_path;
  std::string proc_root_override;                          // --proc-root; "" keeps the config's.
  const Clock* clock = &RealClock::Instance();             // Not owned.
  Logger* log = &StderrLogger::Instance();                 // Not owned; thread-safe.
  ServiceManager* service = &SystemdNotifier::Instance();  // Not owned; thread-safe.
};

class App {
 public:
  // Reads and validates the config and rules, creates the state directory, restores
  // checkpoints and alert state, and binds the HTTP port. Every problem found is returned
  // (startup is the one place where problems are fatal).
  static Result<std::unique_ptr<App>, Diagnostics> Create(AppOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Runs the event loop until a stop is requested; flushes checkpoints, alert state and the
  // notification spool, then returns the exit code (0).
  int Run();
  void RequestStop();    // Thread-safe (what SIGTERM does).
  void RequestReload();  // Thread-safe (what SIGHUP does).

  uint16_t port() const;  // The bound HTTP port.
  ApiBackend& backend();

 private:
  struct Impl;
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg
