// One HTTP POST to a receiver, classified for the retry logic.
//
// A Sender is used by one receiver worker at a time; Cancel() may be called from any thread to
// abort a request in flight (shutdown).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "daemon/notify/http_client.h"
#include "daemon/notify/url.h"

namespace cg {

struct SendOutcome {
  enum class Kind {
    kOk,      // 2xx: delivered.
    kRetry,   // Connection error, timeout, 5xx, 408, 429, 401/403/404 (a receiver or config
              // problem an operator can fix: keep the data and retry).
    kReject,  // 400, 413, 422: the payload itself is refused; retrying cannot help.
  };
  Kind kind = Kind::kRetry;
  int status = 0;     // HTTP status, 0 when there was no response.
  std::string error;  // Human-readable reason when not kOk.
};

// Classifies an HTTP status (0 = no response) as above.
SendOutcome::Kind ClassifyStatus(int status);

class Sender {
 public:
  virtual ~Sender() = default;
  // POSTs `body` (JSON) with the extra `headers`. Blocks for at most the sender's timeout.
  virtual SendOutcome Post(const std::string& body, const HeaderList& headers) = 0;
  // Aborts a Post in progress, if any (it returns kRetry), for shutdown: later Posts return
  // kRetry at once. Thread-safe.
  virtual void Cancel() {}
};

// Most of a receiver's answer body that is read: the rest is not read at all (the connection
// is dropped), so a hostile or broken receiver cannot make the sender buffer gigabytes.
inline constexpr size_t kMaxResponseBytes = 64 * 1024;

// POSTs to a fixed URL with SendHttpRequest (http_client.h: http directly, https through the TLS
// module, which verifies the server certificate against the system CA store, or `ca_file`).
// The whole exchange (connect, send, answer) ends within `timeout`; an answer whose head came in
// time counts by its status even if its body is cut by the timeout. Reads at most
// kMaxResponseBytes of the response body.
class HttpSender final : public Sender {
 public:
  HttpSender(HttpUrl url, std::chrono::milliseconds timeout, std::string ca_file = "");
  ~HttpSender() override;
  SendOutcome Post(const std::string& body, const HeaderList& headers) override;
  void Cancel() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cg
