// A hostile client for bench/http/run, and the health probe that measures what it costs.
//
// Holds --connections connections to 127.0.0.1:--port for --seconds, reconnecting at once
// whenever the server closes one, in one of two modes:
//   slow   each connection sends a request head one byte every --trickle-ms (never finishing
//          it in time: the server's head deadline cuts it);
//   flood  each connection sends nothing.
// Meanwhile a probe thread sends `GET --path` on a fresh connection every --probe-ms and times
// the full answer. Prints one line:
//   probes N ok K p50 X p99 Y max Z ms  attack: connections C, closed by the server D
// Exit status 0 when every probe was answered 200.
//
// Usage: http_attack --port P [--mode slow|flood] [--connections N] [--seconds S]
//                    [--trickle-ms MS] [--probe-ms MS] [--path /healthz]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  uint16_t port = 0;
  std::string mode = "slow";
  int connections = 1000;
  int seconds = 10;
  int trickle_ms = 1000;
  int probe_ms = 10;
  std::string path = "/healthz";
};

int Connect(uint16_t port, bool nonblocking) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One probe: fresh connection, request, read to the server's close. Status 0 on failure.
int Probe(uint16_t port, const std::string& path) {
  int fd = Connect(port, false);
  if (fd < 0) return 0;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n";
  int status = 0;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
    std::string resp;
    char buf[16384];
    for (;;) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      resp.append(buf, static_cast<size_t>(n));
    }
    if (resp.rfind("HTTP/1.1 ", 0) == 0 && resp.size() > 12) status = std::atoi(resp.c_str() + 9);
  }
  ::close(fd);
  return status;
}

struct Slot {
  int fd = -1;
  size_t next_byte = 0;
  Clock::time_point next_send{};
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--port") {
      o.port = static_cast<uint16_t>(std::atoi(value.c_str()));
    } else if (flag == "--mode") {
      o.mode = value;
    } else if (flag == "--connections") {
      o.connections = std::atoi(value.c_str());
    } else if (flag == "--seconds") {
      o.seconds = std::atoi(value.c_str());
    } else if (flag == "--trickle-ms") {
      o.trickle_ms = std::atoi(value.c_str());
    } else if (flag == "--probe-ms") {
      o.probe_ms = std::atoi(value.c_str());
    } else if (flag == "--path") {
      o.path = value;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (o.port == 0 || (o.mode != "slow" && o.mode != "flood") || o.connections < 1) {
    std::fprintf(stderr, "usage: http_attack --port P [--mode slow|flood] [--connections N] ...\n");
    return 2;
  }
  // A thousand sockets need more than the usual soft limit of 1024.
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }

  const auto end = Clock::now() + std::chrono::seconds(o.seconds);
  std::atomic<bool> stop{false};
  std::vector<double> latencies_ms;
  int probes_ok = 0;
  std::thread prober([&] {
    // Let the attack build up first.
    std::this_thread::sleep_for(500ms);
    while (!stop.load()) {
      auto start = Clock::now();
      int status = Probe(o.port, o.path);
      latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      probes_ok += status == 200 ? 1 : 0;
      std::this_thread::sleep_until(start + std::chrono::milliseconds(o.probe_ms));
    }
  });

  const std::string head =
      "GET /healthz HTTP/1.1\r\nHost: attacker\r\nUser-Agent: " + std::string(4000, 's') +
      "\r\n\r\n";
  std::vector<Slot> slots(static_cast<size_t>(o.connections));
  uint64_t opened = 0;
  uint64_t closed_by_server = 0;
  std::vector<pollfd> pfds(slots.size());
  while (Clock::now() < end) {
    auto now = Clock::now();
    for (size_t i = 0; i < slots.size(); ++i) {
      Slot& s = slots[i];
      if (s.fd < 0) {
        s.fd = Connect(o.port, true);
        s.next_byte = 0;
        s.next_send = now + std::chrono::milliseconds(o.trickle_ms);
        if (s.fd >= 0) ++opened;
      } else if (o.mode == "slow" && now >= s.next_send) {
        char c = head[s.next_byte % head.size()];
        if (::send(s.fd, &c, 1, MSG_NOSIGNAL) == 1) ++s.next_byte;
        s.next_send = now + std::chrono::milliseconds(o.trickle_ms);
      }
      pfds[i] = pollfd{s.fd, POLLIN, 0};
    }
    int n = ::poll(pfds.data(), pfds.size(), 20);
    if (n <= 0) continue;
    for (size_t i = 0; i < slots.size(); ++i) {
      if (slots[i].fd < 0 || pfds[i].revents == 0) continue;
      char buf[4096];
      ssize_t r = ::recv(slots[i].fd, buf, sizeof buf, 0);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        ::close(slots[i].fd);
        slots[i].fd = -1;  // Reconnected on the next pass.
        ++closed_by_server;
      }
    }
  }
  stop = true;
  prober.join();
  for (Slot& s : slots) {
    if (s.fd >= 0) ::close(s.fd);
  }

  std::vector<double> sorted = latencies_ms;
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double p) {
    if (sorted.empty()) return 0.0;
    size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
    return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
  };
  std::printf(
      "probes %zu ok %d p50 %.2f p99 %.2f max %.2f ms  attack: connections %llu, closed by the "
      "server %llu\n",
      sorted.size(), probes_ok, pct(50), pct(99), sorted.empty() ? 0.0 : sorted.back(),
      static_cast<unsigned long long>(opened), static_cast<unsigned long long>(closed_by_server));
  return probes_ok == static_cast<int>(sorted.size()) ? 0 : 1;
}
