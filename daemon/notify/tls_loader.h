// The TLS module (libcutover-guard-tls.so, see tls_module_api.h), loaded on first use.
//
// https and HMAC-SHA256 need OpenSSL (and https cpp-httplib), which make about 4 MiB resident as
// soon as they are mapped; most installations deliver over plain http on loopback and sign
// nothing. So the daemon links neither: what needs them asks TlsModule::Get(), which dlopen()s
// the module the first time (RTLD_NOW | RTLD_LOCAL, never unloaded) from, in order:
//   1. $CG_TLS_MODULE, when set (only there);
//   2. <directory of /proc/self/exe>/../lib/cutover-guard/libcutover-guard-tls.so (installed);
//   3. <directory of /proc/self/exe>/libcutover-guard-tls.so (the build tree).
// A configuration that needs the module is checked at startup (Notifier::Create calls
// CheckTlsModuleFor), so a missing module is a startup problem, not a silent runtime failure.
//
// Thread-safe. A module once loaded stays loaded (and is found again without I/O); a failed
// load is retried on the next call.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "daemon/notify/notify_config.h"
#include "daemon/notify/tls_module_api.h"

namespace cg {

inline constexpr std::string_view kTlsModuleFileName = "libcutover-guard-tls.so";
inline constexpr std::string_view kTlsModuleEnv = "CG_TLS_MODULE";

class TlsModule {
 public:
  // The module of the search path above (loaded on the first call that finds one). Error:
  // "<path>: <why>" (dlerror(), a missing symbol or a version mismatch) for the first candidate
  // that exists, else for the first candidate.
  [[nodiscard]] static Result<const TlsModule*> Get();
  // The module at `path` (tests: a specific build, or a path that does not exist).
  [[nodiscard]] static Result<const TlsModule*> LoadFrom(const std::filesystem::path& path);
  // Where Get() looks, in order.
  static std::vector<std::filesystem::path> SearchPath();

  // HMAC-SHA256 of `message` under `key`: 32 bytes.
  [[nodiscard]] Result<std::string> HmacSha256(std::string_view key,
                                               std::string_view message) const;

  const std::filesystem::path& path() const { return path_; }

  // The module's functions, for the https client (http_client.cc).
  struct Api {
    uint32_t (*api_version)();
    cg_tls_request* (*request_new)();
    void (*request_cancel)(cg_tls_request*);
    void (*request_free)(cg_tls_request*);
    int (*send)(cg_tls_request*, const cg_tls_send_args*, cg_tls_response*);
    int (*hmac_sha256)(const void*, size_t, const void*, size_t, unsigned char*);
  };
  const Api& api() const { return api_; }

 private:
  TlsModule(std::filesystem::path path, Api api) : path_(std::move(path)), api_(api) {}
  std::filesystem::path path_;
  Api api_;
};

// Ok when the module loads; else "<what> needs the TLS module: <path>: <why>". `what` names
// the feature ("https://hooks.example:443/x", "the webhook signature (secret_file)").
[[nodiscard]] Status RequireTlsModule(std::string_view what);

// What `config` needs of the module: an https URL (Alertmanager or a webhook) or a webhook
// secret. Loads the module only when something needs it; the error lists, "; "-separated, each
// receiver that cannot work: "webhook:ops: https://hooks.example/x needs the TLS module: ...".
// (Notifier::Create checks the same; this is for a config check that builds no notifier.)
[[nodiscard]] Status CheckTlsModuleFor(const AlertingConfig& config);

}  // namespace cg
