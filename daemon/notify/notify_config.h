// The `alerting:` section of the config: where alerts are delivered. Plain values; the config
// parser (daemon/config.cc) fills them, the notifier (notifier.h) reads them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cg {

struct AlertmanagerConfig {
  std::string url;  // Base URL, e.g. http://127.0.0.1:9093 (the v2 API path is appended).
  std::chrono::milliseconds resend_interval{60 * 1000};
  std::chrono::milliseconds timeout{5000};
  bool operator==(const AlertmanagerConfig&) const = default;
};

struct WebhookConfig {
  std::string name;
  std::string url;
  std::filesystem::path secret_file;  // Optional; enables the HMAC-SHA256 signature header.
  std::chrono::milliseconds timeout{5000};
  bool operator==(const WebhookConfig&) const = default;
};

struct AlertingConfig {
  std::optional<AlertmanagerConfig> alertmanager;
  std::vector<WebhookConfig> webhooks;
  uint64_t spool_max_bytes = 16 * 1024 * 1024;
  bool operator==(const AlertingConfig&) const = default;
};

}  // namespace cg
