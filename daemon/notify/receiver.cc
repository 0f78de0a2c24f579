#include "daemon/notify/receiver.h"

#include <algorithm>

#include "base/units.h"
#include "daemon/notify/hmac.h"
#include "daemon/notify/payloads.h"

namespace cg {
namespace {

WallTime FromMillis(int64_t ms) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

double UnixSeconds(WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// Failures are logged on the 1st, 10th, 100th, ... consecutive one: an outage is reported at
// once and then ever more rarely, without a timer of its own.
bool IsLogWorthy(uint64_t n) {
  while (n >= 10 && n % 10 == 0) n /= 10;
  return n == 1;
}

}  // namespace

ReceiverQueue::ReceiverQueue(ReceiverOptions options, std::unique_ptr<Sender> sender,
                             std::unique_ptr<Spool> spool, ReceiverMetrics metrics)
    : options_(std::move(options)),
      sender_(std::move(sender)),
      spool_(std::move(spool)),
      metrics_(metrics) {
  status_.name = options_.name;
  status_.url = options_.url;
  uint64_t lost = spool_->corrupt_on_load() + spool_->dropped_on_load();
  if (lost > 0) {
    status_.dropped += lost;
    metrics_.spool_dropped->Increment(static_cast<double>(lost));
    Log(4, "notify " + options_.name + ": " + std::to_string(lost) +
               " spooled notifications were unreadable or over the limit and are lost (" +
               spool_->file().string() + ")");
  }
  if (!spool_->empty()) {
    Log(6, "notify " + options_.name + ": " + std::to_string(spool_->size()) +
               " notifications restored from " + spool_->file().string());
  }
  UpdateGauges();
}

void ReceiverQueue::Log(int priority, const std::string& message) const {
  if (options_.log) options_.log(priority, message);
}

void ReceiverQueue::UpdateGauges() {
  status_.queue_length = spool_->size();
  status_.spool_bytes = spool_->bytes();
  metrics_.queue_length->Set(static_cast<double>(spool_->size()));
  metrics_.spool_bytes->Set(static_cast<double>(spool_->bytes()));
}

void ReceiverQueue::Push(SpoolItem item) {
  size_t dropped = spool_->Push(std::move(item));
  if (dropped > 0) {
    status_.dropped += dropped;
    metrics_.spool_dropped->Increment(static_cast<double>(dropped));
    Log(4, "notify " + options_.name + ": spool full (" + std::to_string(spool_->max_bytes()) +
               " bytes); dropped the " + std::to_string(dropped) + " oldest notification(s)");
  }
  UpdateGauges();
}

void ReceiverQueue::SetFiring(std::vector<AlertNotice> firing) {
  if (!options_.alertmanager) return;
  firing_ = std::move(firing);
  status_.firing = firing_.size();
  if (!firing_seen_) {
    firing_seen_ = true;
    resend_now_ = true;
  }
}

bool ReceiverQueue::Persist() {
  if (!spool_->dirty()) return true;
  Status st = spool_->Save();
  if (!st.ok()) {
    metrics_.spool_write_errors->Increment();
    status_.last_error = "spool: " + st.message();
    Log(3, "notify " + options_.name + ": cannot save the spool: " + st.message());
    return false;
  }
  return true;
}

SendOutcome ReceiverQueue::SendSpoolHead(size_t n, WallTime wall_now) {
  HeaderList headers;
  if (options_.alertmanager) {
    nlohmann::json alerts = nlohmann::json::array();
    WallTime firing_end = wall_now + 4 * options_.resend_interval;
    for (size_t i = 0; i < n; ++i) {
      const SpoolItem& item = spool_->at(i);
      auto notice = AlertNoticeFromJson(item.data);
      if (!notice.ok()) {
        // Unreadable content cannot become readable: refuse it like the receiver would.
        return SendOutcome{SendOutcome::Kind::kReject, 0,
                           "spool item: " + notice.error().message()};
      }
      // A firing alert's endsAt is computed at send time, so a notice delivered late (after an
      // outage) is still active in Alertmanager rather than born expired.
      WallTime end = notice->state == "resolved"
                         ? notice->ends_at.value_or(FromMillis(item.created_ms))
                         : firing_end;
      alerts.push_back(AlertmanagerAlert(*notice, options_.instance, end));
    }
    return sender_->Post(SerializeBody(alerts), headers);
  }
  const SpoolItem& item = spool_->at(0);
  std::string body = SerializeBody(item.data);
  headers.emplace_back(kEventHeader, item.kind);
  headers.emplace_back(kDeliveryHeader, item.id);
  if (!options_.secret.empty()) {
    // Notifier::Create checked that the TLS module loads; should it fail anyway, the event is
    // kept and retried rather than sent unsigned.
    auto signature = SignWebhookBody(options_.secret, body);
    if (!signature.ok()) {
      return SendOutcome{SendOutcome::Kind::kRetry, 0, signature.error().message()};
    }
    headers.emplace_back(kSignatureHeader, std::move(signature).value());
  }
  return sender_->Post(body, headers);
}

SendOutcome ReceiverQueue::SendFiring(size_t begin, size_t n, WallTime wall_now) {
  nlohmann::json alerts = nlohmann::json::array();
  WallTime end = wall_now + 4 * options_.resend_interval;
  for (size_t i = begin; i < begin + n; ++i) {
    alerts.push_back(AlertmanagerAlert(firing_[i], options_.instance, end));
  }
  return sender_->Post(SerializeBody(alerts), {});
}

void ReceiverQueue::OnDelivered(size_t n, WallTime wall_now) {
  status_.sent += n;
  metrics_.sent->Increment(static_cast<double>(n));
  status_.last_success = wall_now;
  metrics_.last_success->Set(UnixSeconds(wall_now));
  if (status_.consecutive_failures > 0) {
    Log(6, "notify " + options_.name + ": delivering again after " +
               std::to_string(status_.consecutive_failures) + " failed attempt(s)");
    status_.consecutive_failures = 0;
    // The receiver was down: an Alertmanager that restarted forgot the alerts it had.
    if (options_.alertmanager) resend_now_ = true;
  }
}

MonoTime ReceiverQueue::OnFailed(size_t n, const SendOutcome& outcome, MonoTime now,
                                 WallTime wall_now) {
  status_.failed += n;
  metrics_.failed->Increment(static_cast<double>(n));
  status_.last_failure = wall_now;
  status_.last_error = outcome.error;
  ++status_.consecutive_failures;
  // retry_initial x 2^(failures - 1), capped; the shift is bounded so it cannot overflow.
  uint64_t shift = std::min<uint64_t>(status_.consecutive_failures - 1, 30);
  auto delay = options_.retry_initial * (int64_t{1} << shift);
  if (delay > options_.retry_max || delay.count() <= 0) delay = options_.retry_max;
  if (IsLogWorthy(status_.consecutive_failures)) {
    Log(4, "notify " + options_.name + ": delivery failed (attempt " +
               std::to_string(status_.consecutive_failures) + ", " +
               std::to_string(spool_->size()) + " queued), retrying in " + FormatDuration(delay) +
               ": " + outcome.error);
  }
  next_attempt_ = now + delay;
  return next_attempt_;
}

void ReceiverQueue::OnRejected(const SpoolItem& item, const std::string& why) {
  status_.rejected += 1;
  metrics_.rejected->Increment();
  status_.last_error = why;
  Log(3, "notify " + options_.name + ": " + item.kind + " " + item.id +
             " refused and dropped: " + why);
}

MonoTime ReceiverQueue::NextDue() const {
  if (!options_.alertmanager || firing_.empty()) return MonoTime::max();
  return resend_now_ ? MonoTime::min() : next_resend_;
}

MonoTime ReceiverQueue::Step(MonoTime now, WallTime wall_now) {
  if (now < next_attempt_) {
    Persist();
    return next_attempt_;
  }
  yield_.store(false);
  auto interrupted = [&] { return stop_.load() || yield_.load(); };
  size_t batches = 0;
  while (!spool_->empty()) {
    if (batches++ == options_.max_batches_per_step || interrupted()) {
      Persist();
      return now;  // More to send; let the worker take in new input first.
    }
    size_t n = 1;
    if (options_.alertmanager && isolate_ == 0) n = std::min(options_.max_batch, spool_->size());
    SendOutcome out = SendSpoolHead(n, wall_now);
    if (out.kind == SendOutcome::Kind::kOk) {
      OnDelivered(n, wall_now);
      spool_->PopFront(n);
      if (isolate_ > 0) --isolate_;
    } else if (out.kind == SendOutcome::Kind::kReject && n > 1) {
      // One bad alert refuses the whole batch: resend the batch one by one to find it.
      isolate_ = n;
    } else if (out.kind == SendOutcome::Kind::kReject) {
      OnRejected(spool_->at(0), out.error);
      spool_->PopFront(1);
      if (isolate_ > 0) --isolate_;
    } else {
      OnFailed(n, out, now, wall_now);
      UpdateGauges();
      Persist();
      return next_attempt_;
    }
    UpdateGauges();
  }

  if (options_.alertmanager && !firing_.empty() && (resend_now_ || now >= next_resend_)) {
    for (size_t begin = 0; begin < firing_.size(); begin += options_.max_batch) {
      if (interrupted()) {
        Persist();
        return now;  // Resumes the re-send from the start next time; re-sending is idempotent.
      }
      size_t n = std::min(options_.max_batch, firing_.size() - begin);
      SendOutcome out = SendFiring(begin, n, wall_now);
      if (out.kind == SendOutcome::Kind::kRetry) {
        OnFailed(n, out, now, wall_now);
        Persist();
        return next_attempt_;
      }
      if (out.kind == SendOutcome::Kind::kReject) {
        // The same alerts went out as transitions; a refusal here is logged, not retried.
        status_.last_error = out.error;
        Log(3, "notify " + options_.name + ": firing set refused: " + out.error);
        continue;
      }
      OnDelivered(n, wall_now);
    }
    resend_now_ = false;
    next_resend_ = now + options_.resend_interval;
  }
  Persist();
  return NextDue();
}

}  // namespace cg
