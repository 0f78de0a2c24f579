// A small blocking HTTP/1.1 client: one request per connection (Connection: close), bounded in
// time and memory, abortable from another thread. Shared by the notifier's HttpSender and the
// operator commands' OperatorClient.
//
// http:// goes over Boost.Beast (header-only; confined to http_client.cc). https:// goes
// through the TLS module (tls_loader.h, cpp-httplib + OpenSSL, loaded on first use), with the
// same options and outcomes; the server certificate is verified against the system CA store
// (or `ca_file`) and the host name.
//
// Bounds: connecting to each resolved address within connect_timeout, sending within
// write_timeout, each read of the answer within read_timeout, and (total_timeout > 0) the whole
// exchange within total_timeout. The body is kept up to max_body bytes; beyond, nothing more is
// read and the connection is dropped (`truncated`), so a peer answering gigabytes costs neither
// memory nor time. Content-Length, chunked and close-delimited bodies are read alike.
//
// Host names are resolved with getaddrinfo(3) before the timers start (a hung resolver is not
// bounded by these timeouts; numeric addresses never block).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "daemon/notify/url.h"

namespace cg {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Aborts requests from another thread. One request at a time may run with a token. Cancel() is
// sticky: the request in flight returns kCancelled at once, and so does every later one.
// Thread-safe.
class CancelToken {
 public:
  void Cancel();
  bool cancelled() const;

  // For the client: runs `abort` on Cancel() while registered (at once if already cancelled).
  // `abort` must be thread-safe and cheap; it is called under the token's lock.
  void Register(std::function<void()> abort);
  void Unregister();

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> abort_;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5000};  // Per address tried.
  std::chrono::milliseconds write_timeout{5000};    // Sending the whole request.
  std::chrono::milliseconds read_timeout{5000};     // The head; then each read of the body.
  std::chrono::milliseconds total_timeout{0};       // The whole exchange; 0: no limit.
  size_t max_body = 64 * 1024;                      // Body bytes kept (and read).
  std::string ca_file;  // https: PEM CAs to verify the server with; "": the system store.
};

struct HttpRequest {
  std::string method = "GET";
  HttpUrl url;         // http or https; its path (with query) is the request target.
  HeaderList headers;  // Besides Host, Connection and Content-Length (set by the client).
  bool has_body = false;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string body;        // At most max_body bytes.
  bool truncated = false;  // The body is longer than max_body: the rest was not read.
};

struct HttpFailure {
  enum class Kind {
    kResolve,         // The host name does not resolve.
    kConnect,         // No connection: refused, unreachable... (`message`: the kernel's words).
    kConnectTimeout,  // No connection within connect_timeout.
    kWrite,           // The request could not be sent.
    kReadTimeout,     // No (more of the) answer within read_timeout.
    kClosed,          // The connection ended before a complete answer.
    kBadAnswer,       // Not an HTTP/1.x answer.
    kTotalTimeout,    // total_timeout passed (`status` is set when the head had arrived).
    kTls,             // TLS handshake or certificate verification failed.
    kNoTlsModule,     // https, and the TLS module cannot be loaded.
    kCancelled,       // CancelToken::Cancel().
    kOther,           // Anything else ("request failed (...)").
  };
  Kind kind = Kind::kConnect;
  std::string message;  // Without the URL: "Connection refused", "no answer within 5s".
  int status = 0;       // kTotalTimeout: the answer's status if its head was read, else 0.
  std::string body;     // kTotalTimeout with a status: the body read so far.
};

// Sends `request` and reads the answer. `cancel` may be null.
Result<HttpResponse, HttpFailure> SendHttpRequest(const HttpRequest& request,
                                                  const HttpClientOptions& options,
                                                  CancelToken* cancel = nullptr);

}  // namespace cg
