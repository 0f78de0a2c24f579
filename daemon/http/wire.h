// What the server itself puts on the wire around the handlers' replies: the HTTP/1.1 response
// head, and the answers to requests rejected before routing (status, JSON detail, and the
// reason counted in cutover_guard_http_requests_rejected_total). Pure functions; thread-safe.
#pragma once

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/http/http_metrics.h"
#include "daemon/http/reply.h"

namespace cg {

struct Rejection {
  int status = 400;
  std::string detail;
  std::optional<RejectReason> reason;  // None: answered but not counted as a rejection (415).
  bool request_line = false;           // The request line is at fault: no route to label it by.
};

// A request head over `limit` bytes. `request_line_parsed`: the parser took the request line;
// `pending`: the bytes it has not parsed. 414 when the request line alone is over the limit
// (not parsed, no line end pending), else 431.
Rejection HeadTooLarge(std::string_view pending, bool request_line_parsed, uint64_t limit);

// A Beast parse error in a request head (not header_limit). `has_length`, `has_encoding`: the
// parser already stored a Content-Length / Transfer-Encoding field (it stops at the second of
// the two, which is request smuggling).
Rejection HeadParseError(const boost::system::error_code& ec, bool has_length, bool has_encoding);

Rejection MalformedRequestLine();
Rejection Smuggling();
Rejection UnsupportedTransferEncoding();
Rejection Multipart();
Rejection BodyTooLarge(uint64_t limit);
Rejection MalformedBody(std::string_view what);

// "HTTP/1.1 <status> <reason>", Content-Type, Content-Length (of reply.body, also for HEAD),
// the reply's own headers, "Connection: close" when `close` (else "Connection: keep-alive" for
// an HTTP/1.0 client), and the blank line.
std::string ResponseHead(const Reply& reply, bool close, bool http10);

}  // namespace cg
