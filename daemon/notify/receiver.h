// One receiver's delivery logic (Alertmanager or a webhook), without threads or clocks of its
// own: the worker feeds it notifications and calls Step(now) when it asked to run. Tests drive it
// directly with a fake Sender and explicit times.
//
// Every notification goes into the persistent Spool first and leaves it only once delivered (or
// refused as invalid by the receiver). Delivery is in order; on a failure the head is retried
// with exponential backoff (retry_initial, doubling, capped at retry_max) and nothing behind it
// is sent out of order. Alertmanager receivers also re-send the current firing set every
// resend_interval with endsAt = now + 4 x resend_interval, and right after a recovery (the
// Alertmanager may have restarted and forgotten its alerts). Delivery is at least once: a crash
// between a delivery and the next spool save re-sends; webhooks carry a delivery id to dedupe.
//
// Not thread-safe: owned and called by one worker thread. The Sender may be Cancel()ed from
// another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "daemon/notify/notice.h"
#include "daemon/notify/notify_metrics.h"
#include "daemon/notify/sender.h"
#include "daemon/notify/spool.h"

namespace cg {

// A snapshot of one receiver for /api/v1/status.
struct ReceiverStatus {
  std::string name;  // "alertmanager" | "webhook:<name>".
  std::string url;
  uint64_t queue_length = 0;
  uint64_t spool_bytes = 0;
  uint64_t sent = 0;
  uint64_t failed = 0;
  uint64_t rejected = 0;
  uint64_t dropped = 0;
  uint64_t consecutive_failures = 0;
  uint64_t firing = 0;  // Alerts in the re-sent firing set (Alertmanager only).
  std::string last_error;
  std::optional<WallTime> last_success;
  std::optional<WallTime> last_failure;
};

struct ReceiverOptions {
  std::string name;           // Metric label and status name.
  std::string url;            // For status and logs.
  bool alertmanager = false;  // false: webhook.
  std::string instance;       // Alertmanager `instance` label / webhook "instance" field.
  std::string secret;         // Webhook HMAC-SHA256 key; "" = unsigned.
  std::chrono::milliseconds resend_interval{60'000};  // Alertmanager only.
  std::chrono::milliseconds retry_initial{1'000};
  std::chrono::milliseconds retry_max{60'000};
  size_t max_batch = 64;             // Alertmanager alerts per POST.
  size_t max_batches_per_step = 16;  // Then Step() returns so new input is taken in.
  // Optional log sink; `priority` is a syslog level (3 error, 4 warning, 6 info).
  std::function<void(int priority, std::string_view message)> log;
};

inline constexpr std::string_view kSignatureHeader = "X-Cutover-Guard-Signature";
inline constexpr std::string_view kDeliveryHeader = "X-Cutover-Guard-Delivery";
inline constexpr std::string_view kEventHeader = "X-Cutover-Guard-Event";

class ReceiverQueue {
 public:
  // `sender`, `spool` must be non-null. The spool may hold items from a previous run.
  ReceiverQueue(ReceiverOptions options, std::unique_ptr<Sender> sender,
                std::unique_ptr<Spool> spool, ReceiverMetrics metrics);

  // Appends a notification to the spool (Alertmanager: kind "alert" with AlertNoticeToJson data;
  // webhooks: the event body). A full spool drops its oldest items (counted).
  void Push(SpoolItem item);

  // Replaces the firing set that is re-sent (Alertmanager; ignored for webhooks). The first call
  // after start makes the next Step() re-send at once, so alerts restored after a restart reach
  // an Alertmanager that restarted too.
  void SetFiring(std::vector<AlertNotice> firing);

  // Writes the spool file if it changed. False (counted and logged) when the write failed; the
  // change stays pending and is retried by the next call.
  bool Persist();

  // Delivers what is due at `now` (sends may block up to the sender's timeout each), persists,
  // and returns when it wants to run next: `now` when it stopped early with work left, the
  // retry or re-send time, or MonoTime::max() when only new input can create work.
  MonoTime Step(MonoTime now, WallTime wall_now);

  // Make a Step() in progress return before its next send: RequestYield() so new input and
  // flushes are taken in promptly, RequestStop() for shutdown (sticky). Thread-safe.
  void RequestYield() { yield_.store(true); }
  void RequestStop() { stop_.store(true); }

  const ReceiverStatus& status() const { return status_; }
  Sender& sender() { return *sender_; }
  const Spool& spool() const { return *spool_; }

 private:
  // Sends the first `n` spool items as one request.
  SendOutcome SendSpoolHead(size_t n, WallTime wall_now);
  SendOutcome SendFiring(size_t begin, size_t n, WallTime wall_now);
  void OnDelivered(size_t n, WallTime wall_now);
  MonoTime OnFailed(size_t n, const SendOutcome& outcome, MonoTime now, WallTime wall_now);
  void OnRejected(const SpoolItem& item, const std::string& why);
  void UpdateGauges();
  MonoTime NextDue() const;
  void Log(int priority, const std::string& message) const;

  ReceiverOptions options_;
  std::unique_ptr<Sender> sender_;
  std::unique_ptr<Spool> spool_;
  ReceiverMetrics metrics_;
  ReceiverStatus status_;
  std::vector<AlertNotice> firing_;
  bool firing_seen_ = false;
  bool resend_now_ = false;
  MonoTime next_resend_ = MonoTime::min();
  MonoTime next_attempt_ = MonoTime::min();
  size_t isolate_ = 0;  // After a refused batch: send this many items one by one.
  std::atomic<bool> yield_{false};
  std::atomic<bool> stop_{false};
};

}  // namespace cg
