#include "daemon/notify/sender.h"

#include <httplib.h>

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
  httplib::Headers h;
  h.emplace("User-Agent", "cutover-guard");
  for (const auto& [name, value] : headers) h.emplace(name, value);
  auto result = impl_->client.Post(impl_->url.path, h, body, "application/json");
  SendOutcome out;
  if (!result) {
    out.kind = SendOutcome::Kind::kRetry;
    out.error = impl_->url.ToString() + ": " + httplib::to_string(result.error());
    return out;
  }
  out.status = result->status;
  out.kind = ClassifyStatus(result->status);
  if (out.kind != SendOutcome::Kind::kOk) {
    std::string excerpt = result->body.substr(0, 200);
    while (!excerpt.empty() && (excerpt.back() == '\n' || excerpt.back() == '\r'))
      excerpt.pop_back();
    out.error = impl_->url.ToString() + ": HTTP " + std::to_string(result->status) +
                (excerpt.empty() ? "" : ": " + excerpt);
  }
  return out;
}

void HttpSender::Cancel() { impl_->client.stop(); }

}  // namespace cg
