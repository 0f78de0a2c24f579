#include "daemon/notify/tls_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <type_traits>

#include "daemon/notify/url.h"

#ifndef CG_TLS_MODULE_RELATIVE_DIR
#define CG_TLS_MODULE_RELATIVE_DIR "../lib/cutover-guard"
#endif

namespace cg {
namespace {

std::mutex& LoadMutex() {
  static auto* mu = new std::mutex();  // Never destroyed: used until exit.
  return *mu;
}

// Loaded modules by path; never unloaded (OpenSSL registers exit handlers, and a module in use
// by another thread must stay mapped).
std::map<std::filesystem::path, const TlsModule*>& Loaded() {
  static auto* loaded = new std::map<std::filesystem::path, const TlsModule*>();
  return *loaded;
}

// dlerror() usually starts with the file name; the caller prints the path itself.
std::string DlError(const std::filesystem::path& path) {
  const char* e = ::dlerror();
  std::string why = e == nullptr ? "unknown dlopen error" : e;
  const std::string prefix = path.string() + ": ";
  if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
  return why;
}

}  // namespace

std::vector<std::filesystem::path> TlsModule::SearchPath() {
  if (const char* env = std::getenv(std::string(kTlsModuleEnv).c_str());
      env != nullptr && env[0] != '\0') {
    return {std::filesystem::path(env)};
  }
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path dir = ec ? std::filesystem::path(".") : exe.parent_path();
  return {(dir / CG_TLS_MODULE_RELATIVE_DIR / kTlsModuleFileName).lexically_normal(),
          dir / kTlsModuleFileName};
}

Result<const TlsModule*> TlsModule::LoadFrom(const std::filesystem::path& path) {
  std::lock_guard<std::mutex> lock(LoadMutex());
  auto& loaded = Loaded();
  if (auto it = loaded.find(path); it != loaded.end()) return it->second;
  auto fail = [&](const std::string& why) { return Status::Error(path.string() + ": " + why); };
  ::dlerror();
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return fail(DlError(path));
  Api api{};
  std::string missing;
  auto resolve = [&](auto*& fn, const char* name) {
    void* sym = ::dlsym(handle, name);
    if (sym == nullptr && missing.empty()) missing = name;
    // POSIX guarantees that a data pointer from dlsym() converts to a function pointer.
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
  };
  resolve(api.api_version, "cg_tls_api_version");
  resolve(api.request_new, "cg_tls_request_new");
  resolve(api.request_cancel, "cg_tls_request_cancel");
  resolve(api.request_free, "cg_tls_request_free");
  resolve(api.send, "cg_tls_send");
  resolve(api.hmac_sha256, "cg_tls_hmac_sha256");
  if (!missing.empty()) {
    ::dlclose(handle);
    return fail("not a cutover-guard TLS module (no symbol " + missing + ")");
  }
  if (const uint32_t v = api.api_version(); v != CG_TLS_API_VERSION) {
    ::dlclose(handle);
    return fail("TLS module interface version " + std::to_string(v) + ", this daemon needs " +
                std::to_string(CG_TLS_API_VERSION) + " (module and daemon from different builds)");
  }
  const TlsModule* module = new TlsModule(path, api);  // Never destroyed, like the mapping.
  loaded.emplace(path, module);
  return module;
}

Result<const TlsModule*> TlsModule::Get() {
  // The search path is walked on every call (a getenv and a readlink): a loaded module is found
  // in Loaded() without touching the file system again, and what Get() returns always follows
  // $CG_TLS_MODULE.
  const std::vector<std::filesystem::path> candidates = SearchPath();
  {
    std::lock_guard<std::mutex> lock(LoadMutex());
    for (const auto& candidate : candidates) {
      if (auto it = Loaded().find(candidate); it != Loaded().end()) return it->second;
    }
  }
  std::optional<Status> error;
  for (const auto& candidate : candidates) {
    std::error_code ec;
    if (!std::filesystem::exists(candidate, ec)) continue;
    auto m = LoadFrom(candidate);
    if (m.ok()) return m;
    if (!error) error = m.error();  // The first one that exists but does not load.
  }
  if (error) return *error;
  return LoadFrom(candidates.front());  // None exists: dlopen() says so, naming the first.
}

Result<std::string> TlsModule::HmacSha256(std::string_view key, std::string_view message) const {
  unsigned char digest[32];
  if (api_.hmac_sha256(key.data(), key.size(), message.data(), message.size(), digest) != 1) {
    return Status::Error("HMAC-SHA256 failed (TLS module " + path_.string() + ")");
  }
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

Status RequireTlsModule(std::string_view what) {
  auto module = TlsModule::Get();
  if (module.ok()) return Status::Ok();
  return Status::Error(std::string(what) + " needs the TLS module: " + module.error().message());
}

Status CheckTlsModuleFor(const AlertingConfig& config) {
  std::vector<std::string> problems;
  auto check_url = [&](const std::string& name, const std::string& url) {
    auto parsed = ParseHttpUrl(url);
    if (!parsed.ok() || parsed->scheme != "https") return;  // Bad URLs are reported elsewhere.
    if (Status s = RequireTlsModule(url); !s.ok()) problems.push_back(name + ": " + s.message());
  };
  if (config.alertmanager) check_url("alertmanager", config.alertmanager->url);
  for (const WebhookConfig& wh : config.webhooks) {
    check_url("webhook:" + wh.name, wh.url);
    if (!wh.secret_file.empty()) {
      if (Status s = RequireTlsModule("the webhook signature (secret_file)"); !s.ok()) {
        problems.push_back("webhook:" + wh.name + ": " + s.message());
      }
    }
  }
  if (problems.empty()) return Status::Ok();
  std::string message;
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  return Status::Error(message);
}

}  // namespace cg
