// cutover-guard-demo-sim: writes a realistic WSO2 API Manager 4.2 cutover into a log directory,
// in real time, for the README demo.
//
//   phase 1 (0 s):        boot, with the transient traffic-manager warnings a healthy boot has
//   phase 2 (boot..fail): steady traffic: access log lines, gateway INFO, one isolated backend
//                         error, and a log4j2 rename rotation of wso2carbon.log
//   phase 3 (--fail-after): the database pool is exhausted: ERROR records with stack traces
//                         every couple of seconds, until stopped (SIGINT/SIGTERM)
//
// It also writes <dir>/wso2carbon.pid with its own pid and carries the WSO2 bootstrap class name
// on its command line (the demo starts it that way), so the demo's `targets:` entry finds it on
// this machine's real /proc, as it would find the WSO2 JVM.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

std::string Stamp(const char* fmt, bool millis) {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  // The formats are the fixed literals of this file; strftime just cannot see that.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  std::strftime(buf, sizeof buf, fmt, &tm);
#pragma GCC diagnostic pop
  std::string s = buf;
  if (millis) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    char m[8];
    std::snprintf(m, sizeof m, ",%03d", static_cast<int>(ms.count()));
    s += m;
  }
  return s;
}

class Logs {
 public:
  explicit Logs(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    Open();
  }
  // One carbon record (may contain '\n' for stack traces); WARN+ also go to the errors log, as
  // the root logger references both appenders.
  void Carbon(const char* level, const std::string& logger, const std::string& message) {
    std::string line = "TID: [] [] [" + Stamp("%Y-%m-%d %H:%M:%S", true) + "] " +
                       std::string(5 - std::min<size_t>(5, std::string(level).size()), ' ') +
                       level + " {" + logger + "} - " + message + "\n";
    carbon_ << line << std::flush;
    if (std::string(level) == "WARN" || std::string(level) == "ERROR") {
      errors_ << Stamp("%Y-%m-%dT%H:%M:%S", true) << " [-] [PassThroughMessageProcessor-7] "
              << std::string(5 - std::string(level).size(), ' ') << level << " {" << logger << "} "
              << message << "\n"
              << std::flush;
    }
  }
  void Access(const std::string& request, int status, int bytes, double seconds) {
    std::string name = "http_access_" + Stamp("%Y-%m-%d", false) + ".log";
    if (name != access_name_) {
      access_.close();
      access_.open(dir_ / name, std::ios::app);
      access_name_ = name;
    }
    char secs[16];
    std::snprintf(secs, sizeof secs, "%.3f", seconds);
    access_ << "10.20.1." << (++requests_ % 250 + 1) << " - - [" << Stamp("%d/%b/%Y:%H:%M:%S %z", false)
            << "] " << request << " " << status << " " << bytes
            << " - Mozilla/5.0 (X11; Linux x86_64) " << secs << "\n"
            << std::flush;
  }
  // log4j2 RollingFile: rename the active file to wso2carbon-MM-dd-yyyy-N.log, open a new one.
  void Rotate() {
    carbon_.close();
    ++rotation_;
    std::filesystem::rename(dir_ / "wso2carbon.log",
                            dir_ / ("wso2carbon-" + Stamp("%m-%d-%Y", false) + "-" +
                                    std::to_string(rotation_) + ".log"));
    carbon_.open(dir_ / "wso2carbon.log", std::ios::app);
  }

 private:
  void Open() {
    carbon_.open(dir_ / "wso2carbon.log", std::ios::app);
    errors_.open(dir_ / "wso2-apigw-errors.log", std::ios::app);
  }
  std::filesystem::path dir_;
  std::ofstream carbon_, errors_, access_;
  std::string access_name_;
  int rotation_ = 0;
  uint64_t requests_ = 0;
};

bool Sleep(double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!g_stop && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !g_stop;
}

void Boot(Logs& logs, double speed) {
  const std::string core = "org.wso2.carbon.core.internal.CarbonCoreActivator";
  logs.Carbon("INFO", core, "Starting WSO2 Carbon...");
  logs.Carbon("INFO", core, "Operating System : Linux 5.15.0-122-generic, amd64");
  logs.Carbon("INFO", core, "Java Home        : /usr/lib/jvm/temurin-11-jdk-amd64");
  logs.Carbon("INFO", core, "Java Version     : 11.0.24");
  logs.Carbon("INFO", core, "Carbon Home      : /opt/wso2/wso2am-4.2.0");
  Sleep(1.0 / speed);
  logs.Carbon("INFO", "org.wso2.carbon.core.init.CarbonServerManager",
              "Repository       : /opt/wso2/wso2am-4.2.0/repository/deployment/server/");
  // The transient reconnect noise of a healthy boot: the traffic manager is still starting.
  logs.Carbon("ERROR", "org.wso2.carbon.apimgt.common.jms.JMSTaskManager",
              "JMS Connection failed : Connection refused - shutting down worker tasks");
  logs.Carbon("INFO", "org.wso2.carbon.apimgt.common.jms.JMSTaskManager",
              "Reconnection attempt : 1 for Siddhi-JMS-Consumer");
  logs.Carbon("WARN", "org.wso2.carbon.databridge.agent.endpoint.DataEndpointGroup",
              "No receiver is reachable at URL Endpoint/Endpoints "
              "[tcp://apim-tm-01.example.internal:9611], "
              "will try to reconnect every 30 sec");
  Sleep(2.0 / speed);
  logs.Carbon("INFO",
              "org.apache.synapse.transport.passthru.core.PassThroughListeningIOReactorManager",
              "Pass-through HTTP Listener started on 0.0.0.0:8280");
  logs.Carbon("INFO",
              "org.apache.synapse.transport.passthru.core.PassThroughListeningIOReactorManager",
              "Pass-through HTTPS Listener started on 0.0.0.0:8243");
  logs.Carbon("INFO", "org.wso2.carbon.apimgt.common.jms.JMSListener",
              "Started to listen on destination : throttleData of type topic for listener "
              "Siddhi-JMS-Consumer#throttleData");
  const std::string fin = "org.wso2.carbon.core.internal.StartupFinalizerServiceComponent";
  logs.Carbon("INFO", fin, "Server           :  WSO2 API Manager-4.2.0");
  logs.Carbon("INFO", fin, "WSO2 Carbon started in 41 sec");
  logs.Carbon("INFO", "org.wso2.carbon.ui.internal.CarbonUIServiceComponent",
              "Mgt Console URL  : https://apim-gw-01.example.internal:9443/carbon/");
}

void Traffic(Logs& logs, std::mt19937& rng, int tick) {
  static const char* kApis[] = {"/orders/v1/orders", "/billing/v2/invoices",
                                "/inventory/1.0.0/stock", "/pizzashack/1.0.0/menu"};
  std::uniform_int_distribution<int> api(0, 3), bytes(200, 4000);
  for (int i = 0; i < 5; ++i) {
    logs.Access(std::string("GET ") + kApis[api(rng)] + " HTTP/1.1", 200, bytes(rng),
                0.005 + (bytes(rng) % 40) / 1000.0);
  }
  if (tick % 5 == 0) {
    logs.Carbon("INFO", "org.wso2.carbon.apimgt.gateway.handlers.throttling.ThrottleDataHolder",
                "Throttle data refreshed for tenant carbon.super");
  }
  if (tick == 12) {
    // One isolated backend error on one API: noise, not a reason to roll back.
    logs.Carbon("INFO", "org.apache.synapse.mediators.builtin.LogMediator",
                "{api:admin--OrdersAPI:v1.0.0} STATUS = Executing default 'fault' sequence, "
                "ERROR_CODE = 101503, ERROR_MESSAGE = Error connecting to the back end");
  }
}

void PoolExhausted(Logs& logs, int n) {
  logs.Carbon(
      "ERROR", "org.wso2.carbon.registry.core.dataaccess.TransactionManager",
      "Failed to start new registry transaction. "
      "org.apache.tomcat.jdbc.pool.PoolExhaustedException: "
      "[https-jsse-nio-9443-exec-" +
          std::to_string(40 + n % 20) +
          "] Timeout: Pool empty. Unable to fetch a connection in 60 seconds, none "
          "available[size:50; busy:50; idle:0; lastwait:60000].\n"
          "\tat "
          "org.apache.tomcat.jdbc.pool.ConnectionPool.borrowConnection(ConnectionPool.java:738)\n"
          "\tat org.apache.tomcat.jdbc.pool.ConnectionPool.getConnection(ConnectionPool.java:198)\n"
          "\tat "
          "org.apache.tomcat.jdbc.pool.DataSourceProxy.getConnection(DataSourceProxy.java:136)\n"
          "\tat java.base/java.lang.Thread.run(Thread.java:829)\n");
  logs.Access("GET /orders/v1/orders HTTP/1.1", 500, 187, 60.002);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes a simulated WSO2 API Manager cutover into a log directory (demo)."};
  std::string dir, pidfile, marker;
  double fail_after = 60, speed = 1, rotate_after = 30;
  app.add_option("--dir", dir, "Log directory to write")->required();
  app.add_option("--pidfile", pidfile, "Write our pid here (like wso2carbon.pid)");
  app.add_option("--fail-after", fail_after, "Seconds until the database pool is exhausted");
  app.add_option("--rotate-after", rotate_after, "Seconds until wso2carbon.log is rotated");
  app.add_option("--speed", speed, "Time compression factor for the boot phase");
  app.add_option("--as", marker, "Process marker (the demo passes the WSO2 bootstrap class)");
  CLI11_PARSE(app, argc, argv);

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  if (!pidfile.empty()) std::ofstream(pidfile) << ::getpid() << "\n";
  Logs logs(dir);
  std::mt19937 rng(42);
  std::cout << "demo-sim: booting WSO2 API Manager 4.2 into " << dir << std::endl;
  Boot(logs, speed);
  auto start = std::chrono::steady_clock::now();
  bool rotated = false, failing = false;
  int tick = 0, failures = 0;
  while (Sleep(1.0)) {
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!rotated && elapsed >= rotate_after) {
      logs.Rotate();
      rotated = true;
      std::cout << "demo-sim: rotated wso2carbon.log (log4j2 rename)" << std::endl;
    }
    if (!failing && elapsed >= fail_after) {
      failing = true;
      std::cout << "demo-sim: the database connection pool is now exhausted" << std::endl;
    }
    Traffic(logs, rng, ++tick);
    if (failing && tick % 2 == 0) PoolExhausted(logs, ++failures);
  }
  if (!pidfile.empty()) std::filesystem::remove(pidfile);
  std::cout << "demo-sim: stopped" << std::endl;
  return 0;
}
