// HMAC-SHA256 for webhook signatures. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace cg {

// Lower-case hex HMAC-SHA256 of `message` under `key` (64 characters).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// The signature header value for a webhook body: "sha256=" + HmacSha256Hex(secret, body).
std::string WebhookSignature(std::string_view secret, std::string_view body);

}  // namespace cg
