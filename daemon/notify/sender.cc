#include "daemon/notify/sender.h"

#include <utility>

namespace cg {

SendOutcome::Kind ClassifyStatus(int status) {
  if (status >= 200 && status < 300) return SendOutcome::Kind::kOk;
  if (status == 400 || status == 413 || status == 422) return SendOutcome::Kind::kReject;
  return SendOutcome::Kind::kRetry;
}

struct HttpSender::Impl {
  HttpUrl url;
  HttpClientOptions options;
  CancelToken cancel;
};

HttpSender::HttpSender(HttpUrl url, std::chrono::milliseconds timeout, std::string ca_file)
    : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(url);
  impl_->options.connect_timeout = timeout;
  impl_->options.write_timeout = timeout;
  impl_->options.read_timeout = timeout;
  impl_->options.total_timeout = timeout;
  // The answer is only needed for its status and an excerpt for the log: the first
  // kMaxResponseBytes are kept and reading stops there (the connection is dropped), so a
  // receiver answering gigabytes costs neither memory nor time.
  impl_->options.max_body = kMaxResponseBytes;
  impl_->options.ca_file = std::move(ca_file);
}

HttpSender::~HttpSender() = default;

SendOutcome HttpSender::Post(const std::string& body, const HeaderList& headers) {
  HttpRequest req;
  req.method = "POST";
  req.url = impl_->url;
  req.headers.emplace_back("User-Agent", "cutover-guard");
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.insert(req.headers.end(), headers.begin(), headers.end());
  req.has_body = true;
  req.body = body;
  auto result = SendHttpRequest(req, impl_->options, &impl_->cancel);
  SendOutcome out;
  int status = 0;
  std::string kept;
  if (result.ok()) {
    status = result->status;
    kept = std::move(result->body);
  } else if (result.error().kind == HttpFailure::Kind::kTotalTimeout && result.error().status > 0) {
    // The status line arrived in time; only the rest of the body did not.
    status = result.error().status;
    kept = result.error().body;
  } else {
    out.kind = SendOutcome::Kind::kRetry;
    out.error = impl_->url.ToString() + ": " + result.error().message;
    return out;
  }
  out.status = status;
  out.kind = ClassifyStatus(status);
  if (out.kind != SendOutcome::Kind::kOk) {
    std::string excerpt = kept.substr(0, 200);
    while (!excerpt.empty() && (excerpt.back() == '\n' || excerpt.back() == '\r'))
      excerpt.pop_back();
    out.error = impl_->url.ToString() + ": HTTP " + std::to_string(status) +
                (excerpt.empty() ? "" : ": " + excerpt);
  }
  return out;
}

void HttpSender::Cancel() { impl_->cancel.Cancel(); }

}  // namespace cg
