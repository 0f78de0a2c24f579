#include "daemon/notify/hmac.h"

#include "daemon/notify/tls_loader.h"

namespace cg {

Result<std::string> ComputeHmacSha256Hex(std::string_view key, std::string_view message) {
  auto module = TlsModule::Get();
  if (!module.ok()) {
    return Status::Error("HMAC-SHA256 needs the TLS module: " + module.error().message());
  }
  auto digest = (*module)->HmacSha256(key, message);
  if (!digest.ok()) return digest.error();
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest->size() * 2);
  for (char c : *digest) {
    const auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  auto hex = ComputeHmacSha256Hex(key, message);
  return hex.ok() ? std::move(hex).value() : std::string();
}

Result<std::string> SignWebhookBody(std::string_view secret, std::string_view body) {
  auto hex = ComputeHmacSha256Hex(secret, body);
  if (!hex.ok()) return hex.error();
  return "sha256=" + *hex;
}

std::string WebhookSignature(std::string_view secret, std::string_view body) {
  return "sha256=" + HmacSha256Hex(secret, body);
}

}  // namespace cg
