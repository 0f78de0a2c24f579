#include "daemon/http/reply.h"

#include <nlohmann/json.hpp>

namespace cg {

Reply JsonReply(int status, const nlohmann::json& body) {
  Reply r;
  r.status = status;
  // Replace invalid UTF-8 (log excerpts can carry anything) instead of throwing mid-response.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

Reply ErrorReply(int status, std::string_view detail) {
  return JsonReply(status, nlohmann::json{{"error", ErrorCode(status)}, {"detail", detail}});
}

std::string_view ErrorCode(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "request_timeout";
    case 409:
      return "conflict";
    case 411:
      return "length_required";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 415:
      return "unsupported_media_type";
    case 416:
      return "range_not_satisfiable";
    case 431:
      return "request_header_fields_too_large";
    case 500:
      return "internal";
    case 503:
      return "unavailable";
    case 504:
      return "timeout";
    default:
      return "error";
  }
}

}  // namespace cg
