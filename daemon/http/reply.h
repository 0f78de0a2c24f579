// A response as the handlers produce it, independent of the HTTP library, plus the JSON error
// shape every non-2xx answer uses: {"error": "<code>", "detail": "<human text>"}.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cg {

inline constexpr std::string_view kJsonContentType = "application/json";
// Prometheus text exposition format 0.0.4.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

struct Reply {
  int status = 200;
  std::string content_type{kJsonContentType};
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Extra headers (Allow, ...).
};

// A JSON body with `status`.
Reply JsonReply(int status, const nlohmann::json& body);

// {"error": ErrorCode(status), "detail": detail}.
Reply ErrorReply(int status, std::string_view detail);

// The machine-readable error name for a status: 400 -> "bad_request", 404 -> "not_found",
// 431 -> "request_header_fields_too_large", ...; "error" for codes without a name.
std::string_view ErrorCode(int status);

}  // namespace cg
