#include "daemon/http/http_api.h"

#include <dirent.h>
#include <fcntl.h>
#include <prometheus/registry.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "daemon/http/api_handlers.h"
#include "daemon/http/connection.h"
#include "daemon/http/connection_table.h"
#include "daemon/http/http_metrics.h"
#include "daemon/http/listener.h"
#include "daemon/http/metrics_page.h"
#include "daemon/http/router.h"

namespace cg {
namespace {

namespace net = boost::asio;

// Write routes wait on the event loop (one write at a time there): two threads let a second
// write queue behind a stuck one without tying up the I/O threads.
constexpr int kHandlerThreads = 2;

std::string FormatAddress(const std::string& host, uint16_t port) {
  return HostPort{host, port}.ToString();
}

// Descriptors open in this process now. /proc/self/fd when mounted (the directory's own
// descriptor excluded), else a probe of every number below the limit.
uint64_t CountOpenDescriptors(uint64_t soft_limit) {
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    uint64_t n = 0;
    while (const dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') ++n;
    }
    ::closedir(dir);
    return n > 0 ? n - 1 : 0;
  }
  uint64_t n = 0;
  uint64_t probe = std::min<uint64_t>(soft_limit, 1 << 20);
  for (uint64_t fd = 0; fd < probe; ++fd) {
    if (::fcntl(static_cast<int>(fd), F_GETFD) != -1) ++n;
  }
  return n;
}

Status Validate(const HttpApiOptions& o) {
  if (o.registry == nullptr) return Status::Error("http: no metrics registry");
  if (o.backend == nullptr) return Status::Error("http: no API backend");
  if (o.clock == nullptr) return Status::Error("http: no clock");
  if (o.threads < 1 || o.threads > 256) {
    return Status::Error("http: threads must be 1..256, got " + std::to_string(o.threads));
  }
  if (o.keep_alive_max_requests < 1) {
    return Status::Error("http: keep_alive_max_requests must be at least 1");
  }
  if (o.max_body_bytes == 0 || o.max_header_bytes == 0) {
    return Status::Error("http: body and header limits must be positive");
  }
  if (o.max_header_bytes < 256 || o.max_header_bytes > 1024 * 1024) {
    return Status::Error("http: max_header_bytes must be 256..1048576, got " +
                         std::to_string(o.max_header_bytes));
  }
  if (o.max_connections < 1 || o.max_connections > 1'000'000) {
    return Status::Error("http: max_connections must be 1..1000000, got " +
                         std::to_string(o.max_connections));
  }
  if (o.fd_reserve < 0 || o.fd_reserve > 1'000'000) {
    return Status::Error("http: fd_reserve must be 0..1000000, got " +
                         std::to_string(o.fd_reserve));
  }
  for (auto [name, value] : {std::pair{"head_timeout", o.head_timeout},
                             {"read_timeout", o.read_timeout},
                             {"write_timeout", o.write_timeout},
                             {"keep_alive_timeout", o.keep_alive_timeout},
                             {"backend_timeout", o.backend_timeout}}) {
    if (value.count() <= 0)
      return Status::Error(std::string("http: ") + name + " must be positive");
  }
  return Status::Ok();
}

}  // namespace

// Declaration order is destruction order in reverse: everything a connection touches when it
// is destroyed (table, metrics, router, context) is declared before the io_context, whose
// destruction destroys the connections still referenced by pending handlers.
struct HttpApi::Impl {
  HttpApiOptions options;
  MetricsPage metrics_page;
  Router router;
  std::optional<HttpMetrics> http_metrics;
  std::unique_ptr<ConnectionTable> table;
  ServerContext ctx;
  LazyThreadPool handler_pool{kHandlerThreads};
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<Listener> listener;
  // I/O threads: one from the start, then one more each time a connection is accepted while
  // there are at least as many open connections as threads, up to options.threads. Guarded by
  // threads_mu (grown on an I/O thread, joined by Stop).
  std::mutex threads_mu;
  std::vector<std::thread> threads;
  bool grow_failed = false;  // Said once (guarded by threads_mu).
  std::string bind_host;
  size_t limit = 0;
  int fd_ceiling = 0;
  std::mutex stop_mu;
  bool stopped = false;

  explicit Impl(HttpApiOptions o)
      : options(std::move(o)),
        metrics_page(options.registry, options.clock, options.metrics_max_age) {}

  void Log(int priority, std::string_view message) const {
    if (options.log) options.log(priority, message);
  }

  // The connection limit RLIMIT_NOFILE leaves room for: open descriptors and fd_reserve are
  // kept for the rest of the daemon. Sets fd_ceiling (0 without a finite limit).
  Status ComputeLimit() {
    limit = static_cast<size_t>(options.max_connections);
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return Status::Ok();
    uint64_t soft = rl.rlim_cur;
    uint64_t reserve = static_cast<uint64_t>(options.fd_reserve);
    uint64_t open = CountOpenDescriptors(soft);
    // One descriptor beyond the limit is needed for a moment at the limit: a new connection is
    // accepted before the one it replaces (or is refused and) is closed.
    uint64_t room = soft > open + reserve + 1 ? soft - open - reserve - 1 : 0;
    if (room == 0) {
      return Status::Error("http: RLIMIT_NOFILE " + std::to_string(soft) +
                           " leaves no descriptor for connections (" + std::to_string(open) +
                           " open, fd_reserve " + std::to_string(reserve) + ")");
    }
    fd_ceiling = static_cast<int>(std::min<uint64_t>(soft - reserve, 1u << 30));
    if (room < limit) {
      limit = static_cast<size_t>(room);
      Log(4, "http: RLIMIT_NOFILE " + std::to_string(soft) + " allows " + std::to_string(room) +
                 " connections beside " + std::to_string(open) + " open descriptors and " +
                 "fd_reserve " + std::to_string(reserve) + "; max_connections " +
                 std::to_string(options.max_connections) + " lowered to " + std::to_string(room));
    }
    return Status::Ok();
  }

  void RunIo() {
    // Handlers do not throw (Dispatch turns handler exceptions into 500s); an allocation
    // failure deep in Asio or Beast must not take the daemon down with it.
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        Log(3, std::string("http: I/O thread: ") + e.what());
      }
    }
  }

  void Grow() {
    std::lock_guard<std::mutex> lock(threads_mu);
    if (ctx.stopping.load() || threads.size() >= static_cast<size_t>(options.threads)) return;
    if (table->open() < threads.size()) return;
    try {
      threads.emplace_back([this] { RunIo(); });
    } catch (const std::exception& e) {
      // TasksMax, RLIMIT_NPROC or no memory for a stack: the threads there are serve on.
      if (!grow_failed) Log(4, std::string("http: cannot start another I/O thread: ") + e.what());
      grow_failed = true;
    }
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mu);
    if (stopped) return;
    stopped = true;
    ctx.stopping.store(true);
    std::vector<std::thread> running_threads;
    {
      std::lock_guard<std::mutex> threads_lock(threads_mu);
      running_threads.swap(threads);  // None is added once `stopping` is set.
    }
    bool running = !running_threads.empty();
    if (listener) listener->Stop(running);
    if (table) {
      for (auto& c : table->Snapshot()) c->Shutdown();
      // Requests in progress finish: a write waits for the loop, then its response is written.
      if (running) {
        (void)table->WaitUntilEmpty(options.backend_timeout + options.write_timeout +
                                    std::chrono::seconds(1));
      }
    }
    work.reset();
    ioc.stop();
    for (auto& t : running_threads) t.join();
    if (listener) listener->Stop(false);
    if (table) {
      for (auto& c : table->Snapshot()) c->CloseNow();
    }
    handler_pool.Join();
  }
};

HttpApi::HttpApi(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpApi::~HttpApi() { Stop(); }

Result<std::unique_ptr<HttpApi>> HttpApi::Create(HttpApiOptions options) {
  if (Status st = Validate(options); !st.ok()) return st;

  auto impl = std::make_unique<Impl>(std::move(options));
  Impl& s = *impl;
  const HttpApiOptions& o = s.options;
  s.bind_host = o.listen.host.empty() ? "::" : o.listen.host;
  ApiHandlerOptions h;
  h.backend = o.backend;
  h.metrics = &s.metrics_page;
  h.clock = o.clock;
  h.token = o.token;
  h.backend_timeout = o.backend_timeout;
  h.heartbeat_timeout = o.heartbeat_timeout;
  s.router = BuildApiRouter(h);
  try {
    s.http_metrics.emplace(*o.registry, s.router.Patterns());
  } catch (const std::exception& e) {
    // prometheus-cpp throws on a family registered twice with another type or labels.
    return Status::Error(std::string("http: cannot register metrics: ") + e.what());
  }

  s.listener = std::make_unique<Listener>(s.ioc, s.ctx, o.log);
  if (Status st = s.listener->Bind(s.bind_host, o.listen.port, o.listen.ToString()); !st.ok()) {
    return st;
  }
  // After binding, so that the listening socket and the reactor's descriptors count as open.
  if (Status st = s.ComputeLimit(); !st.ok()) return st;
  s.table = std::make_unique<ConnectionTable>(s.limit, &s.http_metrics->open_connections());

  ServerContext& c = s.ctx;
  c.max_header_bytes = o.max_header_bytes;
  c.max_body_bytes = o.max_body_bytes;
  c.keep_alive_timeout = o.keep_alive_timeout;
  c.head_timeout = o.head_timeout;
  c.read_timeout = o.read_timeout;
  c.write_timeout = o.write_timeout;
  c.keep_alive_max_requests = o.keep_alive_max_requests;
  c.token = o.token;
  c.router = &s.router;
  c.metrics = &*s.http_metrics;
  c.table = s.table.get();
  c.handler_pool = &s.handler_pool;
  c.clock = o.clock;
  c.on_accept = [&s] { s.Grow(); };

  s.work.emplace(net::make_work_guard(s.ioc));
  s.listener->Start(s.fd_ceiling);
  {
    std::lock_guard<std::mutex> lock(s.threads_mu);
    s.threads.emplace_back([&s] { s.RunIo(); });
  }
  s.Log(6, "http: listening on " + FormatAddress(s.bind_host, s.listener->port()) + " (up to " +
               std::to_string(o.threads) + " I/O threads, started as connections come; at most " +
               std::to_string(s.limit) + " connections)");
  return std::unique_ptr<HttpApi>(new HttpApi(std::move(impl)));
}

uint16_t HttpApi::port() const { return impl_->listener->port(); }

std::string HttpApi::address() const {
  return FormatAddress(impl_->bind_host, impl_->listener->port());
}

size_t HttpApi::max_connections() const { return impl_->limit; }

void HttpApi::Stop() { impl_->Stop(); }

}  // namespace cg
