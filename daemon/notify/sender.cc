#include "daemon/notify/sender.h"

#include <httplib.h>

#include <algorithm>
#include <mutex>

namespace cg {

SendOutcome::Kind ClassifyStatus(int status) {
  if (status >= 200 && status < 300) return SendOutcome::Kind::kOk;
  if (status == 400 || status == 413 || status == 422) return SendOutcome::Kind::kReject;
  return SendOutcome::Kind::kRetry;
}

struct HttpSender::Impl {
  HttpUrl url;
  httplib::Client client;
  Impl(HttpUrl u, std::chrono::milliseconds timeout) : url(std::move(u)), client(url.Origin()) {
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    client.set_keep_alive(false);
    client.set_follow_location(false);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    client.enable_server_certificate_verification(true);
#endif
  }
};

HttpSender::HttpSender(HttpUrl url, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(url), timeout)) {}

HttpSender::~HttpSender() = default;

SendOutcome HttpSender::Post(const std::string& body, const HeaderList& headers) {
  httplib::Request req;
  req.method = "POST";
  req.path = impl_->url.path;
  req.headers.emplace("User-Agent", "cutover-guard");
  req.headers.emplace("Content-Type", "application/json");
  for (const auto& [name, value] : headers) req.headers.emplace(name, value);
  req.body = body;
  // The answer is only needed for its status and an excerpt for the log: keep the first
  // kMaxResponseBytes and stop reading there (returning false makes httplib abandon the
  // connection), so a receiver answering gigabytes costs neither memory nor time.
  std::string kept;
  bool truncated = false;
  req.content_receiver = [&](const char* data, size_t n, uint64_t /*offset*/, uint64_t /*total*/) {
    const size_t room = kMaxResponseBytes - kept.size();
    kept.append(data, std::min(n, room));
    if (n >= room) {
      truncated = true;
      return false;
    }
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const bool completed = impl_->client.send(req, res, error);
  SendOutcome out;
  // A stop by our own receiver (httplib then reports Canceled) still has a status line: the
  // headers were read before the body.
  if (!completed && !(truncated && res.status > 0)) {
    out.kind = SendOutcome::Kind::kRetry;
    out.error = impl_->url.ToString() + ": " + httplib::to_string(error);
    return out;
  }
  out.status = res.status;
  out.kind = ClassifyStatus(res.status);
  if (out.kind != SendOutcome::Kind::kOk) {
    std::string excerpt = kept.substr(0, 200);
    while (!excerpt.empty() && (excerpt.back() == '\n' || excerpt.back() == '\r'))
      excerpt.pop_back();
    out.error = impl_->url.ToString() + ": HTTP " + std::to_string(res.status) +
                (excerpt.empty() ? "" : ": " + excerpt);
  }
  return out;
}

void HttpSender::Cancel() { impl_->client.stop(); }

}  // namespace cg
