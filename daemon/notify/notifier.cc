#include "daemon/notify/notifier.h"

#include <prometheus/registry.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "base/fs.h"
#include "base/units.h"
#include "daemon/notify/payloads.h"
#include "daemon/notify/tls_loader.h"
#include "daemon/notify/url.h"

namespace cg {
namespace {

int64_t ToMillis(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "webhook:ops team" -> "webhook-ops_team.jsonl": file names from receiver names.
std::string SpoolFileName(std::string_view receiver) {
  std::string out;
  for (char c : receiver) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    out += c == ':' ? '-' : ok ? c : '_';
  }
  return out + ".jsonl";
}

std::string TrimSecret(std::string s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  return s;
}

nlohmann::json OptionalTime(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(FormatRfc3339(*t)) : nlohmann::json(nullptr);
}

}  // namespace

struct Notifier::Worker {
  std::unique_ptr<ReceiverQueue> queue;
  ReceiverMetrics metrics;
  bool alertmanager = false;

  mutable std::mutex mu;
  std::condition_variable wake;        // Input, flush or stop for the worker.
  std::condition_variable flushed_cv;  // Flush acknowledgements for callers.
  std::deque<SpoolItem> inbox;
  std::optional<std::vector<AlertNotice>> firing;
  bool stop = false;
  bool poked = false;
  uint64_t flush_requested = 0;
  uint64_t flushed = 0;
  bool flush_ok = true;
  ReceiverStatus published;  // Copy of queue->status() for status().
  uint64_t inbox_dropped = 0;
  std::thread thread;
};

nlohmann::json ToJson(const NotifierStatus& status) {
  nlohmann::json receivers = nlohmann::json::array();
  for (const ReceiverStatus& r : status.receivers) {
    receivers.push_back({{"name", r.name},
                         {"url", r.url},
                         {"queue_length", r.queue_length},
                         {"spool_bytes", r.spool_bytes},
                         {"sent", r.sent},
                         {"failed", r.failed},
                         {"rejected", r.rejected},
                         {"dropped", r.dropped},
                         {"consecutive_failures", r.consecutive_failures},
                         {"firing", r.firing},
                         {"last_error", r.last_error},
                         {"last_success", OptionalTime(r.last_success)},
                         {"last_failure", OptionalTime(r.last_failure)}});
  }
  return {{"receivers", std::move(receivers)}};
}

Result<std::unique_ptr<Notifier>> Notifier::Create(NotifierOptions options) {
  if (options.registry == nullptr) return Status::Error("notify: no metrics registry");
  if (options.clock == nullptr) return Status::Error("notify: no clock");
  size_t receivers = (options.alertmanager ? 1 : 0) + options.webhooks.size();
  if (receivers > 0 && options.spool_dir.empty()) return Status::Error("notify: no spool_dir");
  if (options.retry_initial.count() <= 0 || options.retry_max < options.retry_initial) {
    return Status::Error("notify: retry delays must be positive, initial <= max");
  }
  uint64_t budget = receivers == 0 ? 0 : options.spool_max_bytes / receivers;

  std::vector<std::string> problems;
  std::vector<std::unique_ptr<Worker>> workers;
  auto log = options.log;
  auto add = [&](ReceiverOptions ro, HttpUrl url, std::chrono::milliseconds timeout) {
    auto spool = Spool::Open(options.spool_dir / SpoolFileName(ro.name), budget);
    if (!spool.ok()) {
      problems.push_back(ro.name + ": " + spool.error().message());
      return;
    }
    ReceiverMetrics metrics;
    try {
      metrics = RegisterReceiverMetrics(*options.registry, ro.name);
    } catch (const std::exception& e) {
      problems.push_back(ro.name + ": cannot register metrics: " + e.what());
      return;
    }
    auto w = std::make_unique<Worker>();
    w->alertmanager = ro.alertmanager;
    w->metrics = metrics;
    w->queue = std::make_unique<ReceiverQueue>(
        std::move(ro), std::make_unique<HttpSender>(std::move(url), timeout),
        std::move(spool.value()), metrics);
    w->published = w->queue->status();
    workers.push_back(std::move(w));
  };

  if (options.alertmanager) {
    const AlertmanagerConfig& am = *options.alertmanager;
    auto url = ParseHttpUrl(am.url);
    Status tls = url.ok() && url->scheme == "https" ? RequireTlsModule(am.url) : Status::Ok();
    if (!url.ok()) {
      problems.push_back("alertmanager: " + url.error().message());
    } else if (!tls.ok()) {
      problems.push_back("alertmanager: " + tls.message());
    } else if (am.resend_interval.count() <= 0) {
      problems.push_back("alertmanager: resend_interval must be positive");
    } else {
      ReceiverOptions ro;
      ro.name = "alertmanager";
      ro.alertmanager = true;
      HttpUrl endpoint = url->WithPath("/api/v2/alerts");
      ro.url = endpoint.ToString();
      ro.instance = options.instance;
      ro.resend_interval = am.resend_interval;
      ro.retry_initial = options.retry_initial;
      ro.retry_max = options.retry_max;
      ro.log = log;
      add(std::move(ro), std::move(endpoint), am.timeout);
    }
  }
  std::set<std::string> names;
  for (const WebhookConfig& wh : options.webhooks) {
    std::string name = "webhook:" + wh.name;
    if (!names.insert(name).second) {
      problems.push_back(name + ": duplicate webhook name");
      continue;
    }
    auto url = ParseHttpUrl(wh.url);
    if (!url.ok()) {
      problems.push_back(name + ": " + url.error().message());
      continue;
    }
    if (url->scheme == "https") {
      if (Status tls = RequireTlsModule(wh.url); !tls.ok()) {
        problems.push_back(name + ": " + tls.message());
        continue;
      }
    }
    ReceiverOptions ro;
    ro.name = name;
    ro.url = url->ToString();
    ro.instance = options.instance;
    ro.retry_initial = options.retry_initial;
    ro.retry_max = options.retry_max;
    ro.log = log;
    if (!wh.secret_file.empty()) {
      auto secret = ReadFile(wh.secret_file, kMaxSecretFileBytes);
      if (!secret.ok()) {
        problems.push_back(name + ": secret_file: " + secret.error().message());
        continue;
      }
      ro.secret = TrimSecret(std::move(secret.value()));
      if (ro.secret.empty()) {
        problems.push_back(name + ": secret_file " + wh.secret_file.string() + " is empty");
        continue;
      }
      if (Status tls = RequireTlsModule("the webhook signature (secret_file)"); !tls.ok()) {
        problems.push_back(name + ": " + tls.message());
        continue;
      }
    }
    add(std::move(ro), std::move(url.value()), wh.timeout);
  }
  if (!problems.empty()) {
    std::string message = "notify: ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return Status::Error(message);
  }
  return std::unique_ptr<Notifier>(new Notifier(std::move(options), std::move(workers)));
}

Notifier::Notifier(NotifierOptions options, std::vector<std::unique_ptr<Worker>> workers)
    : options_(std::move(options)), workers_(std::move(workers)) {
  std::random_device rd;
  uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(r));
  id_prefix_ = buf;
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->thread = std::thread([this, worker] { Run(*worker); });
  }
}

Notifier::~Notifier() {
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->stop = true;
    }
    w->wake.notify_all();
    w->queue->RequestStop();
    w->queue->sender().Cancel();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

std::string Notifier::NextDeliveryId() { return id_prefix_ + "-" + std::to_string(++id_counter_); }

void Notifier::Run(Worker& w) {
  std::unique_lock<std::mutex> lock(w.mu);
  for (;;) {
    std::deque<SpoolItem> items;
    items.swap(w.inbox);
    std::optional<std::vector<AlertNotice>> firing;
    firing.swap(w.firing);
    uint64_t flush = w.flush_requested;
    bool stop = w.stop;
    w.poked = false;
    lock.unlock();

    for (SpoolItem& item : items) w.queue->Push(std::move(item));
    if (firing) w.queue->SetFiring(std::move(*firing));
    bool persisted = w.queue->Persist();

    lock.lock();
    w.published = w.queue->status();
    if (flush > w.flushed) {
      w.flushed = flush;
      w.flush_ok = persisted;
      w.flushed_cv.notify_all();
    }
    if (stop) break;
    lock.unlock();

    MonoTime next = w.queue->Step(options_.clock->MonoNow(), options_.clock->Now());

    lock.lock();
    w.published = w.queue->status();
    auto has_work = [&] {
      return w.stop || w.poked || !w.inbox.empty() || w.firing.has_value() ||
             w.flush_requested > w.flushed;
    };
    if (next == MonoTime::max()) {
      w.wake.wait(lock, has_work);
    } else {
      auto delay = next - options_.clock->MonoNow();
      if (delay.count() > 0) w.wake.wait_for(lock, delay, has_work);
    }
  }
}

void Notifier::Enqueue(Worker& w, SpoolItem item) {
  {
    std::lock_guard<std::mutex> lock(w.mu);
    if (w.inbox.size() >= options_.inbox_limit) {
      // The worker is stuck far behind (a receiver timing out on every request): keep the
      // newest, count the loss.
      w.inbox.pop_front();
      ++w.inbox_dropped;
      w.metrics.spool_dropped->Increment();
    }
    w.inbox.push_back(std::move(item));
  }
  w.queue->RequestYield();
  w.wake.notify_one();
}

void Notifier::OnAlert(const AlertNotice& notice) {
  std::string id = NextDeliveryId();
  int64_t now_ms = ToMillis(options_.clock->Now());
  for (auto& w : workers_) {
    SpoolItem item{id, "alert", now_ms, nullptr};
    item.data = w->alertmanager ? AlertNoticeToJson(notice)
                                : WebhookAlertEvent(notice, options_.instance, id);
    Enqueue(*w, std::move(item));
  }
}

void Notifier::SetFiring(std::vector<AlertNotice> firing) {
  for (auto& w : workers_) {
    if (!w->alertmanager) continue;
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->firing = std::move(firing);
    }
    w->queue->RequestYield();
    w->wake.notify_one();
    return;
  }
}

void Notifier::OnRecommendation(const RecommendationNotice& notice) {
  std::string id = NextDeliveryId();
  int64_t now_ms = ToMillis(options_.clock->Now());
  for (auto& w : workers_) {
    if (w->alertmanager) continue;
    Enqueue(*w, SpoolItem{id, "recommendation", now_ms,
                          WebhookRecommendationEvent(notice, options_.instance, id)});
  }
}

Status Notifier::Flush(std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  std::vector<std::pair<Worker*, uint64_t>> targets;
  for (auto& w : workers_) {
    std::lock_guard<std::mutex> lock(w->mu);
    targets.emplace_back(w.get(), ++w->flush_requested);
    w->queue->RequestYield();
    w->wake.notify_one();
  }
  std::vector<std::string> problems;
  // Plain variables, not structured bindings: the predicate lambda captures them, which
  // clang 14 (the fuzz build) does not accept for bindings.
  for (const auto& item : targets) {
    Worker* w = item.first;
    const uint64_t target = item.second;
    std::unique_lock<std::mutex> lock(w->mu);
    bool done = w->flushed_cv.wait_until(lock, until, [&] { return w->flushed >= target; });
    if (!done) {
      problems.push_back(w->published.name + ": not persisted within " + FormatDuration(deadline) +
                         " (worker busy sending)");
    } else if (!w->flush_ok) {
      problems.push_back(w->published.name + ": spool write failed: " + w->published.last_error);
    }
  }
  if (problems.empty()) return Status::Ok();
  std::string message = "notify flush: ";
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  return Status::Error(message);
}

void Notifier::Poke() {
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->poked = true;
    }
    w->wake.notify_one();
  }
}

NotifierStatus Notifier::status() const {
  NotifierStatus s;
  for (const auto& w : workers_) {
    std::lock_guard<std::mutex> lock(w->mu);
    ReceiverStatus r = w->published;
    r.dropped += w->inbox_dropped;
    s.receivers.push_back(std::move(r));
  }
  return s;
}

}  // namespace cg
