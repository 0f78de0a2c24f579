// rules_bench_tool: helpers for bench/rules/run.
//
//   rules_bench_tool gen LINES OUT          deterministic WSO2 4.2 wso2carbon.log of >= LINES
//   lines:
//                                           a realistic mix (INFO traffic, WARN transport errors,
//                                           ERROR records with stack traces and blank lines) built
//                                           from the shapes of the shared sample lines
//   rules_bench_tool patterns PACK_DIR      the pack's log-rule patterns, one per line (rg -f)
//   rules_bench_tool setloop PATTERNS FILE  a bare RE2::Set loop over the file's lines: the
//                                           floor a regex engine needs, for comparison
//   rules_bench_tool split PACK_DIR FILE    where replay's time goes: record assembly alone, then
//                                           the engine alone over the assembled records
//   rules_bench_tool patterns --rg PACK_DIR as `patterns`, with named groups made plain (rg
//                                           joins the lines into one regex: names would clash)
#include <re2/re2.h>
#include <re2/set.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "base/fs.h"
#include "collectors/logs/read_records.h"
#include "rules/engine.h"
#include "rules/rule_loader.h"

namespace {

// xorshift64*: deterministic across platforms and runs.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 2685821657736338717ull;
  }
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t s_;
};

const char* const kApis[] = {"admin--OrdersAPI:v1.0.0",    "admin--BillingAPI:v2.0.0",
                             "admin--InventoryAPI:v1.0.0", "admin--PizzaShackAPI:v1.0.0",
                             "admin--CustomersAPI:v3.1.0", "admin--PaymentsAPI:v1.2.0"};
const char* const kHosts[] = {"orders-backend.example.internal/10.20.30.40:8080",
                              "billing.example.internal/10.20.31.12:8443",
                              "inventory.example.internal/10.20.32.7:8443"};

class Writer {
 public:
  explicit Writer(const std::string& path) : out_(path, std::ios::binary) {}
  bool ok() const { return out_.good(); }
  uint64_t lines() const { return lines_; }

  void Line(const std::string& s) {
    out_ << s << '\n';
    ++lines_;
  }
  // A carbon first line at the current time.
  std::string Head(const char* level, const char* logger) {
    ms_ += 7 + rng_.Below(25);
    const uint64_t total_s = 2 * 3600 + 13 * 60 + ms_ / 1000;
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "TID: [] [] [2024-11-16 %02llu:%02llu:%02llu,%03llu] %5s {%s} - ",
                  static_cast<unsigned long long>((total_s / 3600) % 24),
                  static_cast<unsigned long long>((total_s / 60) % 60),
                  static_cast<unsigned long long>(total_s % 60),
                  static_cast<unsigned long long>(ms_ % 1000), level, logger);
    return buf;
  }
  Rng& rng() { return rng_; }

 private:
  std::ofstream out_;
  Rng rng_{0x5eed5eed5eedull};
  uint64_t ms_ = 0;
  uint64_t lines_ = 0;
};

void Trace(Writer& w, int frames, bool blank_line) {
  static const char* const kFrames[] = {
      "\tat org.apache.tomcat.jdbc.pool.ConnectionPool.borrowConnection(ConnectionPool.java:738)",
      "\tat "
      "org.wso2.carbon.apimgt.impl.utils.APIUtil.getAPIArtifact_aroundBody452(APIUtil.java:7305)",
      "\tat org.apache.synapse.transport.passthru.TargetHandler.exception(TargetHandler.java:733)",
      "\tat "
      "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1128)",
      "\tat java.base/java.lang.Thread.run(Thread.java:829)"};
  for (int i = 0; i < frames; ++i) w.Line(kFrames[w.rng().Below(5)]);
  if (frames > 3) w.Line("\t... " + std::to_string(20 + w.rng().Below(60)) + " more");
  if (blank_line) w.Line("");
}

void OneRecord(Writer& w) {
  Rng& r = w.rng();
  const uint64_t pick = r.Below(1000);
  const std::string api = kApis[r.Below(6)];
  if (pick < 300) {  // Routine API deployment / throttling / token INFO.
    w.Line(w.Head("INFO", "org.wso2.carbon.apimgt.gateway.InMemoryAPIDeployer") + "Deploying API " +
           api + " revision " + std::to_string(r.Below(40)) + " in Gateway");
  } else if (pick < 450) {
    w.Line(w.Head("INFO", "org.wso2.carbon.apimgt.gateway.throttling.ThrottleDataHolder") +
           "Throttle data refreshed for tenant carbon.super (" + std::to_string(r.Below(900)) +
           " keys)");
  } else if (pick < 560) {
    w.Line(w.Head("INFO", "org.apache.synapse.mediators.builtin.LogMediator") + "{api:" + api +
           "} STATUS = Message received, CORRELATION_ID = " + std::to_string(r.Next()));
  } else if (pick < 640) {
    w.Line(w.Head("INFO", "org.wso2.carbon.apimgt.impl.APIConsumerImpl") +
           "Application key generated for application DefaultApplication-" +
           std::to_string(r.Below(5000)));
  } else if (pick < 700) {
    w.Line(w.Head("INFO", "org.apache.synapse.transport.passthru.PassThroughHttpListener") +
           "Pass-through HTTP Listener started on 0.0.0.0:8280");
  } else if (pick < 760) {
    w.Line(w.Head("WARN",
                  "org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler") +
           "API authentication failure due to Invalid Credentials");
  } else if (pick < 800) {
    w.Line(w.Head("WARN", "org.apache.synapse.transport.passthru.TargetHandler") +
           "ERROR_CODE = 101504, STATE_DESCRIPTION = Socket Timeout occurred after Server written "
           "the request headers and the request body to the backend, INTERNAL_STATE = "
           "REQUEST_DONE, DIRECTION = REQUEST, CAUSE_OF_ERROR = Connection between the WSO2 Server "
           "and the BackEnd timeouts, TARGET_HOST = 10.20.31.12, TARGET_PORT = 8443, HTTP_METHOD = "
           "GET, TRIGGER_TYPE = api, TRIGGER_NAME = " +
           api + ", SOCKET_TIMEOUT = 180000, CORRELATION_ID = " + std::to_string(r.Next()));
  } else if (pick < 830) {
    w.Line(w.Head("WARN", "org.apache.synapse.transport.passthru.ConnectCallback") +
           "Connection refused or failed for : " + kHosts[r.Below(3)]);
  } else if (pick < 860) {
    w.Line(w.Head("INFO", "org.apache.synapse.mediators.builtin.LogMediator") + "{api:" + api +
           "} STATUS = Executing default 'fault' sequence, ERROR_CODE = 101503, ERROR_MESSAGE = "
           "Error connecting to the back end");
  } else if (pick < 880) {
    w.Line(w.Head("INFO", "org.apache.synapse.mediators.builtin.LogMediator") +
           "STATUS = Message dispatched to the main sequence. Invalid URL., RESOURCE = /r" +
           std::to_string(r.Below(50)) + "/1.0.0/x, HEALTH CHECK URL = /r/1.0.0/x");
  } else if (pick < 920) {
    w.Line(w.Head("ERROR", "org.wso2.carbon.registry.core.dataaccess.TransactionManager") +
           "Failed to start new registry transaction. "
           "org.apache.tomcat.jdbc.pool.PoolExhaustedException: [https-jsse-nio-9443-exec-" +
           std::to_string(r.Below(200)) +
           "] Timeout: Pool empty. Unable to fetch a connection in 60 seconds, none "
           "available[size:50; busy:50; idle:0; lastwait:60000].");
    Trace(w, 4 + static_cast<int>(r.Below(6)), true);
  } else if (pick < 950) {
    w.Line(w.Head("ERROR", "org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO") +
           "Error while retrieving subscriptions for tenant carbon.super "
           "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure");
    w.Line("");
    w.Line("The last packet successfully received from the server was 95,113 milliseconds ago.");
    Trace(w, 3 + static_cast<int>(r.Below(8)), true);
  } else if (pick < 975) {
    w.Line(w.Head("ERROR", "org.apache.synapse.transport.passthru.TargetHandler") +
           "I/O error: PKIX path building failed: "
           "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
           "certification path to requested target javax.net.ssl.SSLHandshakeException: PKIX "
           "path building failed");
    Trace(w, 2 + static_cast<int>(r.Below(4)), true);
  } else {
    w.Line(w.Head("ERROR", "org.wso2.carbon.apimgt.rest.api.util.exception.GlobalThrowableMapper") +
           "An unknown exception has been captured by the global exception mapper. "
           "org.wso2.carbon.apimgt.api.APIManagementException: Error while retrieving API");
    Trace(w, 6 + static_cast<int>(r.Below(10)), true);
  }
}

int Gen(uint64_t lines, const std::string& out) {
  Writer w(out);
  if (!w.ok()) {
    std::cerr << "cannot write " << out << "\n";
    return 1;
  }
  while (w.lines() < lines) OneRecord(w);
  std::cout << w.lines() << "\n";
  return 0;
}

std::string PlainGroups(std::string p) {
  for (size_t i; (i = p.find("(?P<")) != std::string::npos;) {
    const size_t close = p.find('>', i);
    p.replace(i, close - i + 1, "(");
  }
  return p;
}

int Patterns(const std::string& dir, bool rg) {
  auto files = cg::ExpandGlob(dir + "/*.yaml");
  if (!files.ok() || files->empty()) {
    std::cerr << "no rule files in " << dir << "\n";
    return 1;
  }
  auto specs = cg::LoadRuleFiles(*files);
  if (!specs.ok()) {
    std::cerr << specs.error().ToString();
    return 1;
  }
  std::set<std::string> seen;
  for (const auto& s : *specs) {
    const std::string p = rg ? PlainGroups(s.match) : s.match;
    if (s.kind == cg::RuleKind::kLog && seen.insert(p).second) std::cout << p << "\n";
  }
  return 0;
}

int SetLoop(const std::string& patterns, const std::string& file) {
  auto text = cg::ReadFile(file, 1ull << 40);
  auto pats = cg::ReadFile(patterns, 1ull << 30);
  if (!text.ok() || !pats.ok()) {
    std::cerr << "cannot read inputs\n";
    return 1;
  }
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(int64_t{64} << 20);
  RE2::Set set(o, RE2::UNANCHORED);
  std::string_view p = *pats;
  while (!p.empty()) {
    size_t nl = p.find('\n');
    std::string_view one = p.substr(0, nl);
    if (!one.empty() && set.Add(one, nullptr) < 0) {
      std::cerr << "bad pattern " << one << "\n";
      return 1;
    }
    if (nl == std::string_view::npos) break;
    p.remove_prefix(nl + 1);
  }
  if (!set.Compile()) return 1;
  const auto start = std::chrono::steady_clock::now();
  uint64_t lines = 0, matched = 0;
  std::string_view t = *text;
  while (!t.empty()) {
    size_t nl = t.find('\n');
    std::string_view line = t.substr(0, nl);
    ++lines;
    if (set.Match(line, nullptr)) ++matched;
    if (nl == std::string_view::npos) break;
    t.remove_prefix(nl + 1);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu %llu %.6f\n", static_cast<unsigned long long>(lines),
              static_cast<unsigned long long>(matched), s);
  return 0;
}

struct NoMetrics : cg::MetricSource {
  std::optional<double> Latest(std::string_view, std::string_view) const override {
    return std::nullopt;
  }
};

int Split(const std::string& dir, const std::string& file) {
  auto files = cg::ExpandGlob(dir + "/*.yaml");
  auto specs = cg::LoadRuleFiles(files.ok() ? *files : std::vector<std::filesystem::path>{});
  if (!specs.ok()) return 1;
  auto rules =
      cg::CompileRules(*specs, cg::RuleContext{{{"carbon", cg::LogFormat::kWso2Carbon}}, {}});
  if (!rules.ok()) return 1;
  cg::LogSpec spec;
  spec.name = "carbon";
  spec.timezone = cg::TimeZone::Utc();
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  uint64_t n = 0;
  if (!cg::ReadRecordsFromFile(
           file, spec, [&](const cg::Record&) { ++n; }, nullptr)
           .ok())
    return 1;
  const double assemble = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<cg::Record> records;
  records.reserve(n);
  if (!cg::ReadRecordsFromFile(
           file, spec, [&](const cg::Record& r) { records.push_back(r); }, nullptr)
           .ok()) {
    return 1;
  }
  auto engine = cg::Engine::Create(*rules, cg::EngineOptions{});
  if (!engine.ok()) return 1;
  NoMetrics none;
  t0 = Clock::now();
  cg::WallTime next{};
  for (const auto& r : records) {
    if (r.time >= next) {
      (*engine)->Evaluate(r.time, none);
      (*engine)->TakeTransitions();
      next = r.time + std::chrono::seconds(1);
    }
    (*engine)->OnRecord(r, r.time);
  }
  const double eval = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%llu %.6f %.6f %llu %llu %llu\n", static_cast<unsigned long long>(n), assemble, eval,
              static_cast<unsigned long long>((*engine)->matcher_set_runs()),
              static_cast<unsigned long long>((*engine)->matcher_memo_hits()),
              static_cast<unsigned long long>((*engine)->matcher_prefiltered()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv, argv + argc);
  if (a.size() == 4 && a[1] == "gen") return Gen(std::stoull(a[2]), a[3]);
  if (a.size() == 3 && a[1] == "patterns") return Patterns(a[2], false);
  if (a.size() == 4 && a[1] == "patterns" && a[2] == "--rg") return Patterns(a[3], true);
  if (a.size() == 4 && a[1] == "split") return Split(a[2], a[3]);
  if (a.size() == 4 && a[1] == "setloop") return SetLoop(a[2], a[3]);
  std::cerr
      << "usage: rules_bench_tool gen LINES OUT | patterns PACK_DIR | setloop PATTERNS FILE\n";
  return 2;
}
