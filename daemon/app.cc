#include "daemon/app.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <future>
#include <map>
#include <mutex>

#include "base/fs.h"
#include "base/json_bounded.h"
#include "base/resident.h"
#include "base/state_file.h"
#include "base/units.h"
#include "collectors/logs/log_tailer.h"
#include "collectors/logs/log_watcher.h"
#include "collectors/proc/sampler.h"
#include "daemon/api_snapshot.h"
#include "daemon/config.h"
#include "daemon/coverage.h"
#include "daemon/http/api_backend.h"
#include "daemon/http/auth.h"
#include "daemon/http/http_api.h"
#include "daemon/http/http_metrics.h"
#include "daemon/log.h"
#include "daemon/notices.h"
#include "daemon/notify/notifier.h"
#include "daemon/pipeline.h"
#include "daemon/reload_plan.h"
#include "daemon/state_bundle.h"
#include "daemon/systemd_notify.h"
#include "daemon/version.h"
#include "rules/engine.h"

namespace cg {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
namespace asio = boost::asio;

constexpr milliseconds kMaxEvalInterval{1000};
// The shortest spacing of event-driven evaluations (and so of the publications they make):
// under a flood of matching records, at most 200 a second; a lone record is not delayed.
constexpr milliseconds kEventEvalSpacing{5};

LogLevel ToLogLevel(NoticeLevel level) {
  switch (level) {
    case NoticeLevel::kError:
      return LogLevel::kError;
    case NoticeLevel::kWarning:
      return LogLevel::kWarning;
    case NoticeLevel::kInfo:
      break;
  }
  return LogLevel::kInfo;
}

}  // namespace

struct App::Impl {
  // The HTTP threads' view of the daemon: the published snapshot, and writes posted to the loop.
  class Backend final : public ApiBackend {
   public:
    explicit Backend(Impl* impl) : impl_(impl) {}
    // Rendered on the first request after a publication, on that request's thread: the loop
    // publishes typed values after every change and every tick, and JSON nobody reads is
    // never made (it was most of the idle daemon's CPU).
    std::shared_ptr<const ApiSnapshot> Snapshot() const override {
      std::shared_ptr<const StatusSnapshot> typed;
      uint64_t seq = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (rendered_seq_ == typed_seq_) return rendered_;
        typed = typed_;
        seq = typed_seq_;
      }
      // One render at a time: concurrent requests for the same publication wait for it.
      std::lock_guard<std::mutex> render_lock(render_mu_);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (rendered_seq_ >= seq) return rendered_;
      }
      std::shared_ptr<const ApiSnapshot> r = RenderApiSnapshot(*typed);
      std::lock_guard<std::mutex> lock(mu_);
      if (seq > rendered_seq_) {
        rendered_ = r;
        rendered_seq_ = seq;
      }
      return r;
    }
    std::optional<Health> LoopHealth() const override {
      std::lock_guard<std::mutex> lock(mu_);
      if (!typed_) return std::nullopt;
      return Health{typed_->heartbeat, typed_->daemon.ready};
    }
    void Publish(std::shared_ptr<const StatusSnapshot> s) {
      std::lock_guard<std::mutex> lock(mu_);
      typed_ = std::move(s);
      ++typed_seq_;
    }
    std::future<ApiResult> SetCutover(std::optional<WallTime> at) override {
      return Post([this, at] { return impl_->DoSetCutover(at); });
    }
    std::future<ApiResult> Ack(std::string alert_id, std::string comment) override {
      return Post(
          [this, id = std::move(alert_id), c = std::move(comment)] { return impl_->DoAck(id, c); });
    }
    std::future<ApiResult> Reload() override {
      return Post([this] { return impl_->DoReload("API"); });
    }

   private:
    // Runs `fn` on the loop; if the loop is gone first, the promise breaks and the HTTP layer
    // answers 503.
    template <typename Fn>
    std::future<ApiResult> Post(Fn fn) {
      auto promise = std::make_shared<std::promise<ApiResult>>();
      auto future = promise->get_future();
      asio::post(impl_->io, [promise, fn = std::move(fn)]() mutable { promise->set_value(fn()); });
      return future;
    }

    Impl* impl_;
    mutable std::mutex mu_;  // Guards the four fields below; never held while rendering.
    std::shared_ptr<const StatusSnapshot> typed_;
    uint64_t typed_seq_ = 0;  // Publications so far.
    mutable std::shared_ptr<const ApiSnapshot> rendered_;
    mutable uint64_t rendered_seq_ = 0;  // The publication rendered_ was made from.
    mutable std::mutex render_mu_;
  };

  explicit Impl(AppOptions opts)
      : options(std::move(opts)),
        clock(options.clock),
        log(options.log),
        service(options.service),
        registry(std::make_shared<prometheus::Registry>()),
        signals(io),
        sample_timer(io),
        eval_timer(io),
        checkpoint_timer(io),
        watchdog_timer(io),
        event_timer(io),
        backend(this),
        log_limiter(milliseconds(60'000), clock, log) {}

  // --- Construction -----------------------------------------------------------------------

  // Startup steps (Init runs them in order; see there).
  Status Init(Diagnostics* problems);
  bool LoadConfig(Diagnostics* problems);
  bool PrepareStateDir(Diagnostics* problems);
  std::string LoadToken(Diagnostics* problems);
  void CreateSampler(Diagnostics* problems);
  void CreateEngine(std::shared_ptr<const RuleSet> rules, Diagnostics* problems);
  std::map<std::string, CheckpointState> RestoreState();
  void CreateTailers(const std::map<std::string, CheckpointState>& offsets, Diagnostics* problems);
  void CreateNotifier(Diagnostics* problems);
  Status StartHttp(std::string token, Diagnostics* problems);
  Result<std::unique_ptr<Sampler>> MakeSampler(const Config& c);
  Result<std::unique_ptr<LogTailer>> MakeTailer(const LogSpec& l, const Config& c,
                                                std::optional<CheckpointState> cp = std::nullopt);
  Result<std::unique_ptr<Notifier>> MakeNotifier(const Config& c);
  void Notify(const std::vector<AlertEvent>& events);
  void RegisterMetrics();
  void ReportStateLoad();

  // --- Loop work ----------------------------------------------------------------------------

  void Start();
  void WaitForSignal();
  void Schedule(asio::steady_timer& timer, milliseconds every, void (Impl::*work)());
  void SampleTick();
  void EvalTick();
  // Event-driven evaluation: after records matched a rule, once per batch of reads and at
  // most every kEventEvalSpacing (coalesced under load).
  void ArmEventEval();
  void EventEval();
  void HandleTransitions(const std::vector<AlertEvent>& events);
  void UpdateCoverage(WallTime now);
  void StartWatcher();
  void CheckpointTick();
  void WatchdogTick();
  void Checkpoint();
  void Publish();
  void UpdateSystemdStatus();
  // Start-up code and parse buffers out of the resident set (base/resident.h): once ready,
  // and after each reload (which parses and compiles again).
  void ReleaseStartupPages();
  void Stop();

  ApiResult DoSetCutover(std::optional<WallTime> at);
  ApiResult DoAck(const std::string& id, const std::string& comment);
  ApiResult DoReload(std::string_view trigger);
  Result<std::vector<std::unique_ptr<LogTailer>>, std::string> PrepareLogs(const Config& next,
                                                                           const ReloadPlan& plan);
  void CommitLogs(std::vector<std::unique_ptr<LogTailer>> prepared, const Config& next);

  AppOptions options;
  const Clock* clock;
  Logger* log;              // Not owned (AppOptions).
  ServiceManager* service;  // Not owned (AppOptions).
  Config config;
  // Declared before every component that registers metrics in it, so it outlives them.
  std::shared_ptr<prometheus::Registry> registry;
  asio::io_context io;
  asio::signal_set signals;
  asio::steady_timer sample_timer, eval_timer, checkpoint_timer, watchdog_timer;
  asio::steady_timer event_timer;  // ArmEventEval when the last one was too recent.
  bool event_eval_armed = false;
  MonoTime last_event_eval{};
  milliseconds event_spacing = kEventEvalSpacing;  // Adapted to the last one's cost.

  std::unique_ptr<Sampler> sampler;
  std::vector<std::unique_ptr<LogTailer>> tailers;
  std::unique_ptr<LogWatcher> watcher;  // Wakes the tailers (inotify + stat poll); after them.
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Notifier> notifier;
  std::vector<std::string> notified_firing;  // Ids (+ ack) of the firing set last handed over.
  RecordSink sink;                           // engine->OnRecord with the live clock; built once.

  Backend backend;
  std::unique_ptr<HttpApi> http;  // After `backend`: destroyed (and joined) first.

  std::unique_ptr<CoverageTracker> coverage_tracker;  // Created in Start() (knows the start).
  Coverage coverage;                                  // As of the last evaluation.

  RateLimiter log_limiter;
  bool ready = false;
  bool stopping = false;
  WallTime started_at{};
  MonoTime started_mono{};
  // The records before the cutover as a snapshot in state_dir (kPreCutoverFile): how many of
  // them the saved one holds (saved again when more were read, e.g. a backlog).
  uint64_t pre_cutover_saved = 0;
  // The one an earlier run saved (read at start for the same mark): this run only sees the
  // records before the mark that it reads itself, so every save and reload adds it back.
  std::optional<Baseline> pre_cutover_loaded;
  // This run's records before the mark plus pre_cutover_loaded; nullopt if neither.
  std::optional<Baseline> PreCutoverNow(WallTime now) const;
  void SavePreCutoverBaseline(WallTime now);
  // GET /api/v1/signatures, re-rendered at most every kSignaturesRefresh.
  static constexpr std::chrono::seconds kSignaturesRefresh{2};
  std::shared_ptr<const nlohmann::json> signatures_doc;
  MonoTime signatures_at{};
  uint64_t reloads_ok = 0, reloads_failed = 0;
  std::string last_reload_error;
  std::optional<milliseconds> watchdog_every;
  std::string systemd_status;  // The last STATUS= sent.
  // The sample history in the last snapshot, and the sample it was built after: rebuilt only
  // when a new sample was taken (publications between samples share it).
  std::shared_ptr<const HistorySnapshot> history;
  uint64_t history_samples = 0;

  prometheus::Gauge* ready_gauge = nullptr;
  prometheus::Counter* reload_ok_counter = nullptr;
  prometheus::Counter* reload_fail_counter = nullptr;
  prometheus::Counter* event_evaluations = nullptr;
  prometheus::Counter* timer_evaluations = nullptr;
  prometheus::Counter* publications = nullptr;
  prometheus::Family<prometheus::Counter>* state_write_errors = nullptr;
  prometheus::Family<prometheus::Counter>* state_recoveries = nullptr;
  std::string last_alert_state;  // Last state written (an unchanged state is not rewritten).
  StateLoad state_load;          // How the state was restored at start (ReportStateLoad).
};

Result<std::unique_ptr<Sampler>> App::Impl::MakeSampler(const Config& c) {
  SamplerOptions so;
  so.proc_root = c.proc_root;
  so.targets = c.targets;
  so.sample_interval = c.sample_interval;
  so.history = c.history;
  so.registry = registry.get();
  return Sampler::Create(std::move(so));
}

Result<std::unique_ptr<LogTailer>> App::Impl::MakeTailer(const LogSpec& l, const Config& c,
                                                         std::optional<CheckpointState> cp) {
  LogTailerOptions to;
  to.spec = l;
  to.checkpoint = std::move(cp);
  to.state_dir = c.state_dir;
  to.registry = registry.get();
  to.clock = clock;
  // The tailer's notices already start with the log's name.
  to.notice = [log = log](NoticeLevel level, std::string_view message) {
    log->Write(ToLogLevel(level), message);
  };
  return LogTailer::Create(std::move(to));
}

Result<std::unique_ptr<Notifier>> App::Impl::MakeNotifier(const Config& c) {
  NotifierOptions no;
  no.alertmanager = c.alerting.alertmanager;
  no.webhooks = c.alerting.webhooks;
  no.instance = c.instance;
  no.spool_dir = c.state_dir / "notify";
  no.spool_max_bytes = c.alerting.spool_max_bytes;
  no.registry = registry.get();
  no.clock = clock;
  no.log = [log = log](int priority, std::string_view message) {
    log->Write(static_cast<LogLevel>(std::clamp(priority, 3, 7)), message);
  };
  return Notifier::Create(std::move(no));
}

// Startup, as explicit steps in order. Every step that can run does, so that one start lists
// every problem; a step that needs an earlier one's result is skipped when it is missing.
Status App::Impl::Init(Diagnostics* problems) {
  if (!LoadConfig(problems)) return Status::Error("invalid configuration");
  auto rules = BuildRuleSet(config);
  if (!rules.ok()) problems->Append(rules.error());
  const bool state_dir_ok = PrepareStateDir(problems);
  std::string token = LoadToken(problems);
  CreateSampler(problems);
  if (rules.ok()) CreateEngine(std::move(rules).value(), problems);
  if (state_dir_ok) {
    CreateTailers(RestoreState(), problems);
    CreateNotifier(problems);
  }
  if (!problems->empty()) return Status::Error("startup failed");

  RegisterMetrics();
  RegisterBuildInfo(*registry, kVersion, clock->Now());
  ReportStateLoad();
  sink = [this](const Record& r) {
    engine->OnRecord(r, clock->Now());
    if (!event_eval_armed && engine->has_matched()) ArmEventEval();
  };
  return StartHttp(std::move(token), problems);
}

bool App::Impl::LoadConfig(Diagnostics* problems) {
  auto loaded = LoadConfigFile(options.config_path);
  if (!loaded.ok()) {
    problems->Append(loaded.error());
    return false;
  }
  config = std::move(loaded).value();
  if (!options.proc_root_override.empty()) config.proc_root = options.proc_root_override;
  for (const auto& w : config.warnings.items()) log->Warning(w.ToString());
  return true;
}

bool App::Impl::PrepareStateDir(Diagnostics* problems) {
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir, ec);
  if (ec) {
    problems->Add("", 0, 0,
                  "state_dir " + config.state_dir.string() + ": cannot create: " + ec.message());
  }
  return !ec;
}

std::string App::Impl::LoadToken(Diagnostics* problems) {
  if (config.api.token_file.empty()) return "";
  // Same checks as check-config (size cap, no world access, one token of >= 16 characters).
  auto t = LoadApiToken(config.api.token_file);
  if (!t.ok()) {
    problems->Add("", 0, 0, "api.token_file " + t.error().message());
    return "";
  }
  return std::move(t).value();
}

void App::Impl::CreateSampler(Diagnostics* problems) {
  auto s = MakeSampler(config);
  if (!s.ok()) {
    problems->Add("", 0, 0, "sampler: " + s.error().message());
    return;
  }
  sampler = std::move(s).value();
}

void App::Impl::CreateEngine(std::shared_ptr<const RuleSet> rules, Diagnostics* problems) {
  EngineOptions eo;
  eo.policy = config.recommendation;
  eo.cutover_at = config.cutover.at;
  eo.warmup = config.cutover.warmup;
  eo.registry = registry.get();
  std::optional<Baseline> baseline;
  if (!config.baseline.snapshot.empty()) {
    auto b = LoadBaseline(config.baseline.snapshot);
    if (!b.ok()) {
      problems->Add(config.baseline.snapshot.string(), 0, 0, "baseline: " + b.error().message());
      return;
    }
    baseline = std::move(b).value();
  }
  // The records before the mark, saved by an earlier run of this cutover: a restart resumes
  // the logs after them, so without it the detectors would have no "before" any more.
  const auto pre = config.state_dir / kPreCutoverFile;
  std::error_code ec;
  if (config.cutover.at && std::filesystem::exists(pre, ec)) {
    auto b = LoadBaseline(pre);
    if (!b.ok()) {
      log->Warning("pre-cutover baseline not used: " + b.error().message());
    } else if (b->sources != std::vector<std::string>{PreCutoverSource(*config.cutover.at)}) {
      log->Info("pre-cutover baseline " + pre.string() + " is for another cutover mark: not used");
    } else {
      log->Info("pre-cutover baseline: " + std::to_string(b->signatures.size()) +
                " signature(s) from " + pre.string());
      if (!baseline) baseline.emplace();
      MergeBaseline(*b, &*baseline);
      pre_cutover_loaded = std::move(b).value();
    }
  }
  if (baseline) eo.baseline = std::make_shared<const Baseline>(std::move(*baseline));
  auto e = Engine::Create(std::move(rules), std::move(eo));
  if (!e.ok()) {
    problems->Add("", 0, 0, "rule engine: " + e.error().message());
    return;
  }
  engine = std::move(e).value();
}

std::map<std::string, CheckpointState> App::Impl::RestoreState() {
  // Alert state and offsets from the same moment (daemon/state_bundle.h): the engine first,
  // so that a generation it cannot restore is not used for the offsets either.
  std::map<std::string, CheckpointState> offsets;
  if (!engine) return offsets;
  state_load = LoadStateFile(config.state_dir / "alerts.json", kMaxStateFileBytes,
                             [&](std::string_view text) {
                               auto bundle = ParseStateBundle(text);
                               if (!bundle.ok()) return bundle.error();
                               Status restored = engine->RestoreState(bundle->engine);
                               if (restored.ok()) offsets = std::move(bundle->logs);
                               return restored;
                             });
  return offsets;
}

void App::Impl::CreateTailers(const std::map<std::string, CheckpointState>& offsets,
                              Diagnostics* problems) {
  for (const auto& l : config.logs) {
    auto cp = offsets.find(l.name);
    auto t = MakeTailer(
        l, config, cp == offsets.end() ? std::nullopt : std::optional<CheckpointState>(cp->second));
    if (!t.ok()) {
      problems->Add("", 0, 0, "log " + l.name + ": " + t.error().message());
      continue;
    }
    tailers.push_back(std::move(t).value());
  }
}

void App::Impl::CreateNotifier(Diagnostics* problems) {
  auto n = MakeNotifier(config);
  if (!n.ok()) {
    problems->Add("", 0, 0, "alerting: " + n.error().message());
    return;
  }
  notifier = std::move(n).value();
}

Status App::Impl::StartHttp(std::string token, Diagnostics* problems) {
  HttpApiOptions ho;
  ho.listen = config.listen;
  ho.token = std::move(token);
  ho.max_body_bytes = config.api.max_body_bytes;
  ho.threads = static_cast<int>(config.api.threads);
  ho.max_connections = static_cast<int>(config.api.max_connections);
  ho.head_timeout = config.api.head_timeout;
  ho.keep_alive_timeout = config.api.idle_timeout;
  ho.registry = registry.get();
  ho.backend = &backend;
  ho.clock = clock;
  ho.log = [log = log](int priority, std::string_view message) {
    log->Write(static_cast<LogLevel>(std::clamp(priority, 3, 7)), message);
  };
  auto h = HttpApi::Create(std::move(ho));
  if (!h.ok()) {
    problems->Add("", 0, 0, "listen " + config.listen.ToString() + ": " + h.error().message());
    return Status::Error("startup failed");
  }
  http = std::move(h).value();
  return Status::Ok();
}

void App::Impl::RegisterMetrics() {
  ready_gauge = &prometheus::BuildGauge()
                     .Name("cutover_guard_ready")
                     .Help("1 once checkpoints are restored and the first sample is taken")
                     .Register(*registry)
                     .Add({});
  auto& reloads = prometheus::BuildCounter()
                      .Name("cutover_guard_reloads_total")
                      .Help("Configuration and rule reloads by result")
                      .Register(*registry);
  reload_ok_counter = &reloads.Add({{"result", "success"}});
  reload_fail_counter = &reloads.Add({{"result", "failure"}});
  state_write_errors = &prometheus::BuildCounter()
                            .Name("cutover_guard_state_write_errors_total")
                            .Help(
                                "Failed writes of state files (alert state, log checkpoints), "
                                "by file; each is retried at the next checkpoint")
                            .Register(*registry);
  state_recoveries = &prometheus::BuildCounter()
                          .Name("cutover_guard_state_recoveries_total")
                          .Help(
                              "State files found damaged at start, by file and by what was "
                              "used instead (previous generation, or none)")
                          .Register(*registry);
  auto& evaluations = prometheus::BuildCounter()
                          .Name("cutover_guard_evaluations_total")
                          .Help(
                              "Rule evaluations by trigger: a batch of records that matched a "
                              "rule (coalesced, at most every 5 ms), or the periodic timer")
                          .Register(*registry);
  event_evaluations = &evaluations.Add({{"trigger", "record"}});
  timer_evaluations = &evaluations.Add({{"trigger", "timer"}});
  publications = &prometheus::BuildCounter()
                      .Name("cutover_guard_snapshots_published_total")
                      .Help("Snapshots published to the HTTP API (rendered when first read)")
                      .Register(*registry)
                      .Add({});
}

void App::Impl::ReportStateLoad() {
  const StateLoad& load = state_load;
  switch (load.source) {
    case StateSource::kNone:
    case StateSource::kCurrent:
      break;
    case StateSource::kPrevious:
      state_recoveries->Add({{"file", "alerts"}, {"from", "previous"}}).Increment();
      log->Warning("state: " + load.problem +
                   "; restored the previous generation: alert state and offsets are one "
                   "checkpoint interval older, the records since are read again");
      break;
    case StateSource::kDamaged:
      // Never fatal: alerts whose records are read again fire again (the safe direction), but
      // those whose records were already read before the stop are gone: say so loudly.
      state_recoveries->Add({{"file", "alerts"}, {"from", "none"}}).Increment();
      log->Error("state: " + load.problem +
                 "; starting without it: alerts firing before the stop are lost unless their "
                 "records are read again; logs resume from their own checkpoints (damaged files "
                 "are kept as *.corrupt)");
      break;
  }
  for (const auto& t : tailers) {
    if (t->restored_from() == StateSource::kPrevious ||
        t->restored_from() == StateSource::kDamaged) {
      state_recoveries
          ->Add({{"file", "logs/" + t->spec().name},
                 {"from", t->restored_from() == StateSource::kPrevious ? "previous" : "none"}})
          .Increment();
    }
  }
}

void App::Impl::Schedule(asio::steady_timer& timer, milliseconds every, void (Impl::*work)()) {
  timer.expires_after(every);
  timer.async_wait([this, &timer, every, work](const boost::system::error_code& ec) {
    if (ec || stopping) return;
    (this->*work)();
    Schedule(timer, every, work);
  });
}

void App::Impl::Start() {
  started_at = clock->Now();
  started_mono = clock->MonoNow();
  coverage_tracker = std::make_unique<CoverageTracker>(config.coverage.grace, started_at);
  signals.add(SIGHUP);
  signals.add(SIGTERM);
  signals.add(SIGINT);
  WaitForSignal();

  log->Info("cutover-guard " + std::string(kVersion) + " listening on " + http->address() + ", " +
            std::to_string(tailers.size()) + " log(s), " + std::to_string(config.targets.size()) +
            " target(s), " + std::to_string(engine->rules().rules().size()) + " rule(s)");
  // First work right away: a sample (ratios need two), a poll, a publication.
  SampleTick();
  StartWatcher();
  EvalTick();
  Schedule(sample_timer, config.sample_interval, &Impl::SampleTick);
  Schedule(eval_timer, std::min(config.sample_interval, kMaxEvalInterval), &Impl::EvalTick);
  Schedule(checkpoint_timer, config.checkpoint_interval, &Impl::CheckpointTick);
  if (auto wd = service->WatchdogInterval()) {
    watchdog_every = std::max(milliseconds(100), std::chrono::duration_cast<milliseconds>(*wd) / 2);
    Schedule(watchdog_timer, *watchdog_every, &Impl::WatchdogTick);
  }
}

void App::Impl::WaitForSignal() {
  signals.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec || stopping) return;
    if (signo == SIGHUP) {
      service->Reloading();
      (void)DoReload("SIGHUP");
      service->Ready();
      WaitForSignal();
      return;
    }
    log->Info(std::string("received ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
    Stop();
  });
}

void App::Impl::SampleTick() { sampler->Sample(clock->Now(), clock->MonoNow()); }

void App::Impl::StartWatcher() {
  std::vector<LogTailer*> raw;
  for (auto& t : tailers) raw.push_back(t.get());
  LogWatcherOptions wo;
  // The loop checkpoints offsets together with the alert state (CheckpointTick), so that
  // both agree after a restart; the watcher must not write offsets on its own schedule.
  wo.checkpoint_interval = milliseconds(0);
  wo.notice = [log = log](NoticeLevel level, std::string_view message) {
    log->Write(ToLogLevel(level), message);
  };
  watcher = std::make_unique<LogWatcher>(io, std::move(raw), sink, std::move(wo));
  watcher->Start();
}

void App::Impl::UpdateCoverage(WallTime now) {
  CoverageInput in;
  in.now = now;
  for (const auto& t : tailers) {
    CoverageLogInput li;
    li.path = t->spec().path;
    li.format = t->spec().format;
    li.max_silence = t->spec().max_silence;
    li.status = t->status();
    li.status.files.clear();  // Not needed here; status() builds it for the status page.
    li.rules_reading = engine->rules().RulesReading(t->spec().name);
    in.logs.push_back(std::move(li));
  }
  // A configured log whose tailer could not be started on reload is not seen at all.
  for (const auto& l : config.logs) {
    bool running = false;
    for (const auto& t : tailers) running = running || t->spec().name == l.name;
    if (running) continue;
    CoverageLogInput li;
    li.path = l.path;
    li.format = l.format;
    li.status.name = l.name;
    li.status.problem = "not tailed: its tailer could not be started (see the journal)";
    in.logs.push_back(std::move(li));
  }
  in.host = sampler->host();
  in.targets = sampler->targets();
  for (const auto& p : config.rule_paths) in.rule_files.push_back(p.string());
  for (const auto& r : engine->rules().rules()) in.rule_sources.push_back(r.spec.pos.file);
  coverage = coverage_tracker->Update(in);
  engine->SetBlindSpots(coverage.blind_spots);
}

void App::Impl::EvalTick() {
  const WallTime now = clock->Now();
  UpdateCoverage(now);
  engine->Evaluate(now, *sampler);
  timer_evaluations->Increment();
  if (engine->records_before_cutover() > pre_cutover_saved) SavePreCutoverBaseline(now);
  HandleTransitions(engine->TakeTransitions());
  if (!ready && sampler->has_sampled()) {
    ready = true;
    ready_gauge->Set(1);
    service->Ready();
    log->Info("ready");
    systemd_status.clear();  // Said again after READY=1 (systemd shows the latest).
    ReleaseStartupPages();
  }
  Publish();
  UpdateSystemdStatus();
}

void App::Impl::ArmEventEval() {
  event_eval_armed = true;
  const MonoTime now = clock->MonoNow();
  const MonoTime due = last_event_eval + event_spacing;
  // Posted, not run here: the rest of the batch being read is handed on first, so a burst
  // costs one evaluation and one publication per batch, not one per record.
  if (now >= due) {
    asio::post(io, [this] { EventEval(); });
    return;
  }
  event_timer.expires_after(due - now);
  event_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) EventEval();
  });
}

void App::Impl::EventEval() {
  event_eval_armed = false;
  if (stopping) return;
  const MonoTime start = clock->MonoNow();
  last_event_eval = start;
  if (!engine->EvaluateMatched(clock->Now())) return;
  event_evaluations->Increment();
  std::vector<AlertEvent> events = engine->TakeTransitions();
  // The notifier's firing set only changes with a transition here (acks and ticks go through
  // EvalTick): no copy of every alert per batch during a flood.
  if (!events.empty()) HandleTransitions(events);
  Publish();
  // Under a steady flood the loop must keep reading: the next event evaluation waits at least
  // ten times what this one cost (never less than kEventEvalSpacing).
  const auto cost = std::chrono::duration_cast<milliseconds>(clock->MonoNow() - start);
  event_spacing = std::max(kEventEvalSpacing, 10 * cost);
}

void App::Impl::HandleTransitions(const std::vector<AlertEvent>& events) {
  Notify(events);
  bool verdict_changed = false;
  for (const AlertEvent& e : events) {
    if (e.kind == AlertEvent::Kind::kRecommendationChanged) {
      verdict_changed = true;
      log->Warning("recommendation: " + e.previous + " -> " + e.recommendation);
    } else {
      LogLevel level =
          e.alert.severity == Severity::kCritical && e.kind == AlertEvent::Kind::kFiring
              ? LogLevel::kError
              : LogLevel::kWarning;
      log->Write(level, "alert " + std::string(AlertEventKindName(e.kind)) + ": " + e.alert.rule +
                            " [" + std::string(SeverityName(e.alert.severity)) +
                            "] id=" + e.alert.id);
    }
  }
  // An event-driven verdict change should not wait for the next tick.
  if (verdict_changed) UpdateSystemdStatus();
}

void App::Impl::Notify(const std::vector<AlertEvent>& events) {
  const std::string verdict(VerdictName(engine->recommendation().verdict));
  for (const AlertEvent& e : events) {
    switch (e.kind) {
      case AlertEvent::Kind::kFiring:
      case AlertEvent::Kind::kResolved:
        notifier->OnAlert(ToNotice(e.alert, AlertEventKindName(e.kind), verdict));
        break;
      case AlertEvent::Kind::kRecommendationChanged:
        notifier->OnRecommendation(ToRecommendationNotice(e, engine->recommendation()));
        break;
    }
  }
  // The firing set Alertmanager keeps hearing about; an acked alert is left out, which is what
  // "ack silences re-notification" means (its state is unchanged).
  std::vector<AlertNotice> firing;
  std::vector<std::string> ids;
  for (const Alert& a : engine->alerts()) {
    if (a.state != AlertState::kFiring || a.acked) continue;
    ids.push_back(a.id);
    firing.push_back(ToNotice(a, "firing", verdict));
  }
  if (ids != notified_firing || !events.empty()) {
    notified_firing = std::move(ids);
    notifier->SetFiring(std::move(firing));
  }
}

void App::Impl::CheckpointTick() { Checkpoint(); }

void App::Impl::WatchdogTick() { service->Watchdog(); }

void App::Impl::Checkpoint() {
  // Alert state and offsets in one file (daemon/state_bundle.h); the per-log checkpoint files
  // after it are what a log resumes from when that file is unusable in both generations.
  std::vector<CheckpointState> offsets;
  for (const auto& t : tailers) offsets.push_back(t->CurrentCheckpoint());
  std::string text = SerializeStateBundle(engine->SaveState(), offsets);
  if (text != last_alert_state) {
    Status s = WriteStateFile(config.state_dir / "alerts.json", text);
    if (s.ok()) {
      last_alert_state = std::move(text);
    } else {
      // Retried at the next checkpoint tick (the text differs from the last written one).
      state_write_errors->Add({{"file", "alerts"}}).Increment();
      log_limiter.Write(LogLevel::kError, "checkpoint:alerts", s.message());
    }
  }
  for (auto& t : tailers) {
    Status s = t->Checkpoint();
    if (!s.ok()) {
      state_write_errors->Add({{"file", "logs/" + t->spec().name}}).Increment();
      log_limiter.Write(LogLevel::kError, "checkpoint:" + t->spec().name, s.message());
    }
  }
}

void App::Impl::Publish() {
  StatusSnapshot s;
  s.now = clock->Now();
  s.heartbeat = clock->MonoNow();
  s.recommendation = engine->recommendation();
  s.alerts = engine->alerts();
  s.rules = engine->rule_status();
  if (engine->has_change_detectors()) {
    s.baseline = engine->baseline_status();
    // Up to a thousand signatures: rendered every few seconds, shared by the snapshots between.
    if (!signatures_doc || s.heartbeat - signatures_at >= kSignaturesRefresh) {
      signatures_doc = RenderSignatures(s.baseline, engine->Signatures());
      signatures_at = s.heartbeat;
    }
    s.signatures = signatures_doc;
  } else {
    signatures_doc.reset();
  }
  s.cutover_at = engine->cutover();
  s.warmup = config.cutover.warmup;
  s.host = sampler->host();
  s.targets = sampler->targets();
  for (const auto& t : tailers) s.logs.push_back(t->status());
  s.notifications = notifier->status();
  s.coverage = coverage;
  s.daemon = {.version = kVersion,
              .instance = config.instance,
              .config_path = options.config_path.string(),
              .started_at = started_at,
              .uptime = std::chrono::duration_cast<milliseconds>(s.heartbeat - started_mono),
              .ready = ready,
              .records = engine->records(),
              .rules = engine->rules().rules().size(),
              .reloads_ok = reloads_ok,
              .reloads_failed = reloads_failed,
              .last_reload_error = last_reload_error};
  if (!history || sampler->samples() != history_samples) {
    auto h = std::make_shared<HistorySnapshot>();
    const WallTime since = s.now - config.history;
    auto add = [&](std::string_view series, const std::string& target) {
      std::vector<SamplePoint> points;
      for (const auto& p : sampler->History(series, target, since)) {
        points.push_back({p.time, p.value});
      }
      h->Set(std::string(series), target, std::move(points));
    };
    for (auto name : Sampler::HostSeriesNames()) add(name, "");
    for (const auto& t : config.targets) {
      for (auto name : Sampler::ProcessSeriesNames()) add(name, t.name);
    }
    history = std::move(h);
    history_samples = sampler->samples();
  }
  s.samples = history;
  backend.Publish(std::make_shared<const StatusSnapshot>(std::move(s)));
  publications->Increment();
}

void App::Impl::ReleaseStartupPages() {
  auto released = ReleaseStartupMemory();
  if (!released.ok()) {
    log->Warning("could not release start-up pages: " + released.error().message());
    return;
  }
  log->Info("memory: released " + std::to_string(released->file_kb) +
            " KiB of start-up code and data pages, resident " +
            std::to_string(released->rss_before_kb) + " -> " +
            std::to_string(released->rss_after_kb) + " KiB");
}

void App::Impl::UpdateSystemdStatus() {
  if (!service->Enabled()) return;
  std::vector<LogStatus> logs;
  for (const auto& t : tailers) logs.push_back(t->status());
  std::string line = SystemdStatusLine(engine->recommendation(), logs);
  if (line == systemd_status) return;  // One datagram per change, not one per tick.
  systemd_status = line;
  service->Status(line);
}

std::optional<Baseline> App::Impl::PreCutoverNow(WallTime now) const {
  std::optional<Baseline> b = engine->PreCutoverBaseline(now);
  if (pre_cutover_loaded) {
    if (!b) b.emplace();
    MergeBaseline(*pre_cutover_loaded, &*b);
  }
  return b;
}

void App::Impl::SavePreCutoverBaseline(WallTime now) {
  if (!engine->PreCutoverBaseline(now)) return;  // The mark has not passed yet, or no detector.
  auto b = PreCutoverNow(now);
  // Tried once per growth of the records before the mark, not at every tick after a failure
  // (a full state disk would otherwise cost a snapshot build and a write every second).
  pre_cutover_saved = engine->records_before_cutover();
  Status s = SaveBaseline(*b, config.state_dir / kPreCutoverFile);
  if (!s.ok()) {
    log_limiter.Write(LogLevel::kError, "baseline:pre-cutover",
                      "pre-cutover baseline: " + s.message());
  }
}

ApiResult App::Impl::DoSetCutover(std::optional<WallTime> at) {
  WallTime mark = at.value_or(clock->Now());
  engine->SetCutover(mark);
  pre_cutover_saved = 0;  // Another mark: another "before".
  pre_cutover_loaded.reset();
  log->Info("cutover mark set to " + FormatRfc3339(mark));
  Publish();
  return json{{"cutover", FormatRfc3339(mark)}};
}

ApiResult App::Impl::DoAck(const std::string& id, const std::string& comment) {
  std::string rule;
  for (const Alert& a : engine->alerts()) {
    if (a.id == id) rule = a.rule;
  }
  if (rule.empty()) return ApiError::NotFound("no alert with id " + id);
  Status s = engine->Ack(id, clock->Now(), comment);
  if (!s.ok()) return ApiError::Conflict(s.message());
  // Who silenced what and why belongs in the journal (the comment was checked by the HTTP
  // layer: one line of valid UTF-8).
  log->Info("alert " + id + " (" + rule + ") acknowledged" +
            (comment.empty() ? std::string() : ": " + comment));
  Publish();
  return json{{"acknowledged", id}, {"comment", comment}};
}

Result<std::vector<std::unique_ptr<LogTailer>>, std::string> App::Impl::PrepareLogs(
    const Config& next, const ReloadPlan& plan) {
  // Kept logs keep their tailer (and its open files): a null slot. A changed log gets a new
  // tailer that resumes from the running one's checkpoint, written now; an added log gets a
  // new tailer. Created before anything is swapped, so a tailer that cannot start fails the
  // reload with the running set untouched (the checkpoint written meanwhile is harmless).
  std::vector<std::unique_ptr<LogTailer>> prepared;
  std::string problems;
  for (size_t i = 0; i < next.logs.size(); ++i) {
    const LogSpec& l = next.logs[i];
    auto old = std::find_if(tailers.begin(), tailers.end(),
                            [&](const auto& t) { return t->spec().name == l.name; });
    // A kept log whose tailer could not be started earlier gets one now.
    if (plan.logs[i] == ReloadPlan::LogAction::kKeep && old != tailers.end()) {
      prepared.push_back(nullptr);
      continue;
    }
    if (old != tailers.end()) {
      Status s = (*old)->Checkpoint();
      if (!s.ok()) log->Error(s.message());
    }
    auto t = MakeTailer(l, next);
    if (!t.ok()) {
      problems += (problems.empty() ? "" : "\n") + ("log " + l.name + ": " + t.error().message());
      continue;
    }
    prepared.push_back(std::move(t).value());
  }
  if (!problems.empty()) return problems;
  return prepared;
}

void App::Impl::CommitLogs(std::vector<std::unique_ptr<LogTailer>> prepared, const Config& next) {
  std::vector<std::unique_ptr<LogTailer>> running;
  for (size_t i = 0; i < next.logs.size(); ++i) {
    if (prepared[i]) {
      running.push_back(std::move(prepared[i]));
      continue;
    }
    auto old = std::find_if(tailers.begin(), tailers.end(), [&](const auto& t) {
      return t && t->spec().name == next.logs[i].name;
    });
    running.push_back(std::move(*old));
  }
  // What is left is removed or replaced: its last offsets are saved before it closes.
  for (auto& t : tailers) {
    if (!t) continue;
    Status s = t->Checkpoint();
    if (!s.ok()) log->Error(s.message());
  }
  tailers = std::move(running);
}

ApiResult App::Impl::DoReload(std::string_view trigger) {
  auto fail = [&](const std::string& why) -> ApiResult {
    ++reloads_failed;
    reload_fail_counter->Increment();
    last_reload_error = why;
    log->Error("reload (" + std::string(trigger) +
               ") failed, keeping the running configuration:\n" + why);
    Publish();
    return ApiError::Conflict(why);
  };
  auto loaded = LoadConfigFile(options.config_path);
  if (!loaded.ok()) return fail(loaded.error().ToString());
  Config next = std::move(loaded).value();
  if (!options.proc_root_override.empty()) next.proc_root = options.proc_root_override;
  auto rules = BuildRuleSet(next);
  if (!rules.ok()) return fail(rules.error().ToString());
  const ReloadPlan plan = PlanReload(config, next);
  std::unique_ptr<Sampler> new_sampler;
  if (plan.sampler) {
    auto s = MakeSampler(next);
    if (!s.ok()) return fail("sampler: " + s.error().message());
    new_sampler = std::move(s).value();
  }

  std::unique_ptr<Notifier> new_notifier;
  if (plan.notifier) {
    auto n = MakeNotifier(next);
    if (!n.ok()) return fail("alerting: " + n.error().message());
    new_notifier = std::move(n).value();
  }

  std::shared_ptr<const Baseline> new_baseline;
  std::optional<Baseline> pre_cutover;
  if (plan.baseline) {
    Baseline b;
    if (!next.baseline.snapshot.empty()) {
      auto snapshot = LoadBaseline(next.baseline.snapshot);
      if (!snapshot.ok()) return fail("baseline: " + snapshot.error().message());
      b = std::move(snapshot).value();
    }
    // The new tracker starts over: the records before the mark (this run's and the saved
    // ones) are not read again, so they go into its baseline.
    if (!plan.cutover) pre_cutover = PreCutoverNow(clock->Now());
    if (pre_cutover) MergeBaseline(*pre_cutover, &b);
    if (!next.baseline.snapshot.empty() || pre_cutover) {
      new_baseline = std::make_shared<const Baseline>(std::move(b));
    }
  }

  auto prepared = PrepareLogs(next, plan);
  if (!prepared.ok()) return fail(prepared.error());

  // Everything validated: apply.
  if (new_notifier) {
    Status flushed = notifier->Flush(milliseconds(3000));
    if (!flushed.ok()) log->Error("notification spool: " + flushed.message());
    notifier = std::move(new_notifier);
    notified_firing.clear();  // Hand the firing set to the new receivers at the next tick.
  }
  if (new_sampler) {
    sampler = std::move(new_sampler);
    sampler->Sample(clock->Now(), clock->MonoNow());
  }
  // The watcher holds the tailers by pointer: stop it around the swap.
  watcher->Stop();
  watcher.reset();
  CommitLogs(std::move(prepared).value(), next);
  StartWatcher();
  engine->SetRuleSet(std::move(rules).value());
  if (plan.cutover) {
    engine->SetCutover(next.cutover.at);
    pre_cutover_saved = 0;
    pre_cutover_loaded.reset();
  }
  if (plan.baseline) {
    engine->SetBaseline(std::move(new_baseline));
    pre_cutover_loaded = std::move(pre_cutover);  // Kept for the next saves.
  }
  for (const auto& key : plan.restart_only) {
    log->Warning("reload: the change to `" + key + "` takes effect at the next restart");
  }
  for (const auto& w : next.warnings.items()) log->Warning(w.ToString());
  if (plan.coverage) {
    coverage_tracker = std::make_unique<CoverageTracker>(next.coverage.grace, started_at);
  }
  config = std::move(next);
  history.reset();  // Targets, history length or the sampler itself may have changed.
  ++reloads_ok;
  ReleaseStartupPages();
  reload_ok_counter->Increment();
  last_reload_error.clear();
  log->Info("reloaded (" + std::string(trigger) +
            "): " + std::to_string(engine->rules().rules().size()) + " rule(s), " +
            std::to_string(tailers.size()) + " log(s)");
  Publish();
  return json{{"reloaded", true},
              {"rules", engine->rules().rules().size()},
              {"logs", tailers.size()},
              {"targets", config.targets.size()}};
}

void App::Impl::Stop() {
  if (stopping) return;
  stopping = true;
  service->Stopping();
  for (auto* t : {&sample_timer, &eval_timer, &checkpoint_timer, &watchdog_timer, &event_timer}) {
    t->cancel();
  }
  signals.cancel();
  if (http) http->Stop();
  if (watcher) watcher->Stop();
  Checkpoint();
  // One line per log with what this process read: the operator's answer to "did it see the
  // lines before it stopped?", and the exact final value of the log counters (the torture
  // benchmark compares it with what it wrote).
  for (const auto& t : tailers) {
    const LogStatus s = t->status();
    log->Info("log " + s.name + ": this run handed on " + std::to_string(s.lines) + " lines in " +
              std::to_string(s.records) + " records (" + std::to_string(s.rotations) +
              " rotations, " + std::to_string(s.truncations) + " truncations, " +
              std::to_string(s.gap_events) + " gap events)");
  }
  Status flushed = notifier->Flush(milliseconds(3000));
  if (!flushed.ok()) log->Error("notification spool: " + flushed.message());
  io.stop();
}

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
App::~App() = default;

Result<std::unique_ptr<App>, Diagnostics> App::Create(AppOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  Diagnostics problems;
  if (!impl->Init(&problems).ok()) return problems;
  return std::unique_ptr<App>(new App(std::move(impl)));
}

int App::Run() {
  impl_->Start();
  impl_->io.run();
  impl_->log->Info("stopped");
  return 0;
}

void App::RequestStop() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->Stop(); });
}

void App::RequestReload() {
  asio::post(impl_->io, [impl = impl_.get()] { (void)impl->DoReload("request"); });
}

uint16_t App::port() const { return impl_->http->port(); }
ApiBackend& App::backend() { return impl_->backend; }

}  // namespace cg
