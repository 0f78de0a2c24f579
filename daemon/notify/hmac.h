// HMAC-SHA256 for webhook signatures, computed by the TLS module (tls_loader.h: OpenSSL is
// mapped only when a secret is configured). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace cg {

// Lower-case hex HMAC-SHA256 of `message` under `key` (64 characters). Error when the TLS
// module cannot be loaded ("... needs the TLS module: <path>: <why>").
[[nodiscard]] Result<std::string> ComputeHmacSha256Hex(std::string_view key,
                                                       std::string_view message);
// The same, "" when the module cannot be loaded (for callers that checked it already).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// The signature header value for a webhook body: "sha256=" + HmacSha256Hex(secret, body).
[[nodiscard]] Result<std::string> SignWebhookBody(std::string_view secret, std::string_view body);
// The same, "sha256=" alone when the module cannot be loaded.
std::string WebhookSignature(std::string_view secret, std::string_view body);

}  // namespace cg
