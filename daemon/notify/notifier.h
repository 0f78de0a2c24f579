// Alert delivery to Alertmanager (API v2) and webhooks, off the event loop.
//
// One worker thread per receiver, each with its own inbox, persistent spool and retry state
// (see receiver.h), so a slow or dead receiver never delays another, and the event loop's calls
// only copy a notice into the inboxes and return. Nothing is lost across receiver outages or
// restarts: every notification sits in the receiver's spool file under `spool_dir` until it is
// delivered; only a full spool (spool_max_bytes, split evenly between receivers) drops the
// oldest, counted in cutover_guard_notification_spool_dropped_total.
//
// Receivers: "alertmanager" (POST <url>/api/v2/alerts: alert transitions, plus the firing set
// every resend_interval), and "webhook:<name>" (POST <url>: one JSON event per alert transition
// and per recommendation change, signed with HMAC-SHA256 in X-Cutover-Guard-Signature when a
// secret file is configured). Payload shapes: payloads.h.
//
// Thread-safety: all public methods may be called from any thread. Lifetime: the destructor
// stops the workers (aborting requests in flight), persists the spools and joins.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "daemon/notify/notice.h"
#include "daemon/notify/notify_config.h"
#include "daemon/notify/receiver.h"

namespace prometheus {
class Registry;
}

namespace cg {

struct NotifierOptions {
  std::optional<AlertmanagerConfig> alertmanager;  // url, resend_interval, timeout.
  std::vector<WebhookConfig> webhooks;             // name, url, secret_file, timeout.
  std::string instance;                            // Alertmanager `instance` label.
  std::filesystem::path spool_dir;                 // e.g. <state_dir>/notify; created if missing.
  uint64_t spool_max_bytes = 16 * 1024 * 1024;     // Total over all receivers.
  std::chrono::milliseconds retry_initial{1000};   // First retry delay; doubles per failure...
  std::chrono::milliseconds retry_max{60'000};     // ...up to this.
  size_t inbox_limit = 10'000;  // Notices waiting for a busy worker; beyond, the oldest drop.
  prometheus::Registry* registry = nullptr;     // Required. Not owned; must outlive.
  const Clock* clock = &RealClock::Instance();  // Not owned.
  // Optional log sink; `priority` is a syslog level (3 error, 4 warning, 6 info).
  std::function<void(int priority, std::string_view message)> log;
};

struct NotifierStatus {
  std::vector<ReceiverStatus> receivers;  // Alertmanager first, then webhooks in config order.
};

// {"receivers": [{"name", "url", "queue_length", "spool_bytes", "sent", "failed", "rejected",
//   "dropped", "consecutive_failures", "firing", "last_error", "last_success",
//   "last_failure"}]} for /api/v1/status.
nlohmann::json ToJson(const NotifierStatus& status);

class Notifier {
 public:
  // Validates URLs and secret files, restores every receiver's spool and starts the workers
  // (which deliver what was restored). Fails listing every problem found, among them an https
  // URL or a secret_file when the TLS module cannot be loaded (tls_loader.h):
  // "webhook:ops: https://hooks.example/x needs the TLS module: <path>: <why>".
  [[nodiscard]] static Result<std::unique_ptr<Notifier>> Create(NotifierOptions options);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // An alert transition (state "firing" or "resolved"): to Alertmanager and every webhook.
  void OnAlert(const AlertNotice& notice);
  // The current firing set, re-sent to Alertmanager every resend_interval. Call after each change
  // and once after start (with the restored set).
  void SetFiring(std::vector<AlertNotice> firing);
  // A recommendation change: to every webhook.
  void OnRecommendation(const RecommendationNotice& notice);

  // Waits until everything handed over so far is in the spool files (call on SIGTERM before
  // destroying). Does not wait for deliveries. Error when a spool write failed or `deadline`
  // passed first.
  [[nodiscard]] Status Flush(std::chrono::milliseconds deadline);

  // Makes every worker re-check its timers now. Only needed with a clock that does not follow
  // real time (a FakeClock advanced by a test): workers sleep in real time until the next retry
  // or re-send computed on `clock`.
  void Poke();

  NotifierStatus status() const;

 private:
  struct Worker;
  Notifier(NotifierOptions options, std::vector<std::unique_ptr<Worker>> workers);
  void Run(Worker& worker);
  void Enqueue(Worker& worker, SpoolItem item);
  std::string NextDeliveryId();

  NotifierOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;  // Alertmanager (if any) first.
  std::string id_prefix_;                         // Random per process start.
  std::atomic<uint64_t> id_counter_{0};
};

}  // namespace cg
