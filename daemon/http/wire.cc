#include "daemon/http/wire.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

namespace cg {

namespace http = boost::beast::http;

Rejection HeadTooLarge(std::string_view pending, bool request_line_parsed, uint64_t limit) {
  std::string bytes = std::to_string(limit);
  // Beast 1.74 takes the request line once it is complete, except when it first saw a partial
  // one: then it waits for the whole head, and the line end is among the pending bytes.
  if (!request_line_parsed && pending.find('\n') == std::string_view::npos) {
    return {414, "request line exceeds " + bytes + " bytes", RejectReason::kUriTooLong, true};
  }
  // One unfinished header line that fills most of the limit is named as the culprit (the usual
  // attack and the usual mistake); otherwise the sum is.
  size_t last_nl = pending.rfind('\n');
  size_t tail = last_nl == std::string_view::npos ? pending.size() : pending.size() - last_nl - 1;
  std::string detail = tail > limit / 2 ? "a request header line exceeds " + bytes + " bytes"
                                        : "request line and headers exceed " + bytes + " bytes";
  return {431, std::move(detail), RejectReason::kHeadTooLarge, false};
}

Rejection HeadParseError(const boost::system::error_code& ec, bool has_length, bool has_encoding) {
  if (ec == http::error::bad_method || ec == http::error::bad_target ||
      ec == http::error::bad_version) {
    return MalformedRequestLine();
  }
  if ((ec == http::error::bad_content_length && has_encoding) ||
      (ec == http::error::bad_transfer_encoding && has_length)) {
    return Smuggling();
  }
  if (ec == http::error::bad_content_length) {
    return {400, "invalid Content-Length", RejectReason::kMalformed, false};
  }
  if (ec == http::error::bad_transfer_encoding) {
    return {400, "invalid Transfer-Encoding", RejectReason::kMalformed, false};
  }
  return {400, "malformed HTTP request header: " + ec.message(), RejectReason::kMalformed, false};
}

Rejection MalformedRequestLine() {
  return {400, "malformed HTTP request line", RejectReason::kMalformed, true};
}

Rejection Smuggling() {
  return {400, "Content-Length and Transfer-Encoding in one request: refused (request smuggling)",
          RejectReason::kSmuggling, false};
}

Rejection UnsupportedTransferEncoding() {
  return {400, "unsupported Transfer-Encoding (only chunked is accepted)", RejectReason::kMalformed,
          false};
}

Rejection Multipart() {
  return {415, "multipart bodies are not accepted; send JSON", std::nullopt, false};
}

Rejection BodyTooLarge(uint64_t limit) {
  return {413, "request body exceeds " + std::to_string(limit) + " bytes",
          RejectReason::kBodyTooLarge, false};
}

Rejection MalformedBody(std::string_view what) {
  return {400, "malformed request body" + std::string(what), RejectReason::kMalformed, false};
}

std::string ResponseHead(const Reply& reply, bool close, bool http10) {
  std::string head;
  head.reserve(128 + reply.content_type.size());
  head += "HTTP/1.1 ";
  head += std::to_string(reply.status);
  head += ' ';
  auto reason = http::obsolete_reason(static_cast<http::status>(reply.status));
  head.append(reason.data(), reason.size());
  head += "\r\nContent-Type: ";
  head += reply.content_type;
  // HEAD: the length the GET would have had, and no body (RFC 9110 section 9.3.2).
  head += "\r\nContent-Length: ";
  head += std::to_string(reply.body.size());
  head += "\r\n";
  for (const auto& [name, value] : reply.headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (close) {
    head += "Connection: close\r\n";
  } else if (http10) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  return head;
}

}  // namespace cg
