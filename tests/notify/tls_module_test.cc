// The TLS module (libcutover-guard-tls.so) through the daemon's loader: HMAC-SHA256, https
// POSTs to a local httplib::SSLServer whose certificate is made here with the OpenSSL API (so
// nothing depends on an `openssl` binary), certificate verification, cancellation, and the
// errors when the module cannot be loaded.
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <prometheus/registry.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "daemon/notify/hmac.h"
#include "daemon/notify/notifier.h"
#include "daemon/notify/sender.h"
#include "daemon/notify/tls_loader.h"
#include "tests/support/http_server.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

// Every test of this executable loads the module this build made: the loader's search path,
// taken from the test binary's directory, would not find it. An explicit CG_TLS_MODULE (an
// installed module under test) is kept.
[[maybe_unused]] const bool kTlsModuleFromBuild =
    ::setenv(std::string(kTlsModuleEnv).c_str(), CG_TEST_TLS_MODULE, /*overwrite=*/0) == 0;

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// Sets (or, with nullptr, unsets) an environment variable for a scope.
class TlsScopedEnv {
 public:
  TlsScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~TlsScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  TlsScopedEnv(const TlsScopedEnv&) = delete;
  TlsScopedEnv& operator=(const TlsScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

struct TlsCertFiles {
  std::string cert;  // PEM certificate (also usable as the CA file: it is self-signed).
  std::string key;   // PEM private key.
};

// A self-signed P-256 certificate for `subject_alt_name` ("IP:127.0.0.1", "DNS:x.example"),
// valid from a minute ago for an hour, written to `dir`/`stem`.{crt,key}.
TlsCertFiles TlsMakeCert(const testing::TempDir& dir, const std::string& stem,
                         const std::string& common_name, const std::string& subject_alt_name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  REQUIRE(key != nullptr);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  REQUIRE(cert != nullptr);
  REQUIRE(X509_set_version(cert.get(), 2) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4231) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr);
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600) != nullptr);
  REQUIRE(X509_set_pubkey(cert.get(), key.get()) == 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0) == 1);
  REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair<int, std::string>{NID_subject_alt_name, subject_alt_name},
        std::pair<int, std::string>{NID_basic_constraints, "critical,CA:TRUE"},
        std::pair<int, std::string>{NID_key_usage, "critical,digitalSignature,keyCertSign"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    REQUIRE(ext != nullptr);
    REQUIRE(X509_add_ext(cert.get(), ext, -1) == 1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);

  TlsCertFiles files{(dir / (stem + ".crt")).string(), (dir / (stem + ".key")).string()};
  BIO* out = BIO_new_file(files.cert.c_str(), "w");
  REQUIRE(out != nullptr);
  CHECK(PEM_write_bio_X509(out, cert.get()) == 1);
  BIO_free(out);
  out = BIO_new_file(files.key.c_str(), "w");
  REQUIRE(out != nullptr);
  CHECK(PEM_write_bio_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  BIO_free(out);
  return files;
}

// An httplib::SSLServer on 127.0.0.1:<ephemeral>, listening from construction to destruction.
class TlsTestServer {
 public:
  TlsTestServer(const TlsCertFiles& files, const std::function<void(httplib::SSLServer&)>& routes)
      : server_(files.cert.c_str(), files.key.c_str()) {
    REQUIRE(server_.is_valid());
    routes(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~TlsTestServer() {
    server_.stop();
    thread_.join();
  }
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  HttpUrl Url(const std::string& path = "/hook") const {
    auto u = ParseHttpUrl("https://127.0.0.1:" + std::to_string(port_) + path);
    REQUIRE(u.ok());
    return *u;
  }

 private:
  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace

TEST_CASE("the TLS module computes HMAC-SHA256 (RFC 4231 test case 2)", "[notify][tls]") {
  auto module = TlsModule::Get();
  REQUIRE(module.ok());
  auto raw = (*module)->HmacSha256("Jefe", "what do ya want for nothing?");
  REQUIRE(raw.ok());
  CHECK(raw->size() == 32);
  auto hex = ComputeHmacSha256Hex("Jefe", "what do ya want for nothing?");
  REQUIRE(hex.ok());
  CHECK(*hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  auto signature = SignWebhookBody("Jefe", "what do ya want for nothing?");
  REQUIRE(signature.ok());
  CHECK(*signature == "sha256=" + *hex);
}

TEST_CASE("the TLS module's search path starts with CG_TLS_MODULE", "[notify][tls]") {
  {
    TlsScopedEnv env("CG_TLS_MODULE", "/opt/x/libcutover-guard-tls.so");
    CHECK(TlsModule::SearchPath() ==
          std::vector<std::filesystem::path>{"/opt/x/libcutover-guard-tls.so"});
  }
  std::vector<std::filesystem::path> paths;
  {
    TlsScopedEnv env("CG_TLS_MODULE", nullptr);
    paths = TlsModule::SearchPath();
  }
  const auto exe_dir = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  REQUIRE(paths.size() == 2);
  CHECK(paths[0] == (exe_dir / "../lib/cutover-guard/libcutover-guard-tls.so").lexically_normal());
  CHECK(paths[1] == exe_dir / "libcutover-guard-tls.so");
}

TEST_CASE("a TLS module that cannot be loaded is an error naming its path", "[notify][tls]") {
  testing::TempDir dir;
  const std::string missing = (dir / "lib/libcutover-guard-tls.so").string();

  auto absent = TlsModule::LoadFrom(missing);
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.error().message() ==
        missing + ": cannot open shared object file: No such file or directory");

  const auto junk = dir.Write("junk.so", "not an ELF file");
  auto garbage = TlsModule::LoadFrom(junk);
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().message().rfind(junk.string() + ": ", 0) == 0);

  auto foreign = TlsModule::LoadFrom("libz.so.1");  // A real library, not the module.
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().message() ==
        "libz.so.1: not a cutover-guard TLS module (no symbol cg_tls_api_version)");
}

TEST_CASE("https, HMAC and their config fail clearly without the TLS module", "[notify][tls]") {
  testing::TempDir dir;
  const std::string missing = (dir / "libcutover-guard-tls.so").string();
  const std::string why = missing + ": cannot open shared object file: No such file or directory";
  TlsScopedEnv env("CG_TLS_MODULE", missing.c_str());

  auto hmac = ComputeHmacSha256Hex("Jefe", "x");
  REQUIRE_FALSE(hmac.ok());
  CHECK(hmac.error().message() == "HMAC-SHA256 needs the TLS module: " + why);
  CHECK(HmacSha256Hex("Jefe", "x").empty());

  auto url = ParseHttpUrl("https://127.0.0.1:9/hook");
  REQUIRE(url.ok());
  HttpSender sender(*url, milliseconds(1000));
  SendOutcome out = sender.Post("{}", {});
  CHECK(out.kind == SendOutcome::Kind::kRetry);
  CHECK(out.error == "https://127.0.0.1:9/hook: https needs the TLS module: " + why);

  prometheus::Registry registry;
  NotifierOptions o;
  o.registry = &registry;
  o.spool_dir = dir / "spool";
  o.alertmanager =
      AlertmanagerConfig{"https://am.example:9093", milliseconds(60000), milliseconds(5000)};
  o.webhooks.push_back(WebhookConfig{"tls", "https://hooks.example/x", "", milliseconds(1000)});
  o.webhooks.push_back(WebhookConfig{"signed", "http://hooks.example/y",
                                     dir.Write("secret", "hush\n"), milliseconds(1000)});
  o.webhooks.push_back(WebhookConfig{"plain", "http://hooks.example/z", "", milliseconds(1000)});
  auto n = Notifier::Create(o);
  REQUIRE_FALSE(n.ok());
  const std::string& m = n.error().message();
  INFO(m);
  CHECK(m.find("alertmanager: https://am.example:9093 needs the TLS module: " + why) !=
        std::string::npos);
  CHECK(m.find("webhook:tls: https://hooks.example/x needs the TLS module: " + why) !=
        std::string::npos);
  CHECK(m.find("webhook:signed: the webhook signature (secret_file) needs the TLS module: " +
               why) != std::string::npos);
  CHECK(m.find("webhook:plain") == std::string::npos);

  AlertingConfig config;
  config.alertmanager = o.alertmanager;
  config.webhooks = o.webhooks;
  Status check = CheckTlsModuleFor(config);
  REQUIRE_FALSE(check.ok());
  CHECK(check.message().find("webhook:tls: https://hooks.example/x needs the TLS module: " + why) !=
        std::string::npos);

  // Plain http without secrets does not need the module.
  NotifierOptions plain;
  plain.registry = &registry;
  plain.spool_dir = dir / "spool2";
  plain.webhooks.push_back(
      WebhookConfig{"plain2", "http://hooks.example/z", "", milliseconds(1000)});
  CHECK(Notifier::Create(plain).ok());
  AlertingConfig plain_config;
  plain_config.webhooks = plain.webhooks;
  CHECK(CheckTlsModuleFor(plain_config).ok());
}

TEST_CASE("https POSTs verify the server certificate", "[notify][tls]") {
  testing::TempDir dir;
  const TlsCertFiles local = TlsMakeCert(dir, "local", "127.0.0.1", "IP:127.0.0.1");
  std::atomic<int> posts{0};
  std::string seen_body, seen_event;
  TlsTestServer server(local, [&](httplib::SSLServer& s) {
    s.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
      seen_body = req.body;
      seen_event = req.get_header_value("X-Cutover-Guard-Event");
      ++posts;
      res.status = 200;
    });
  });
  const HttpUrl url = server.Url();

  SECTION("a certificate no system CA signed is refused") {
    HttpSender sender(url, milliseconds(5000));
    SendOutcome out = sender.Post(R"({"a":1})", {{"X-Cutover-Guard-Event", "alert"}});
    CHECK(out.kind == SendOutcome::Kind::kRetry);
    CHECK(out.error == url.ToString() +
                           ": TLS failed (server certificate verification failed: self-signed "
                           "certificate)");
    CHECK(posts == 0);
  }
  SECTION("the same certificate is accepted from a trusted CA file") {
    HttpSender sender(url, milliseconds(5000), local.cert);
    SendOutcome out = sender.Post(R"({"a":1})", {{"X-Cutover-Guard-Event", "alert"}});
    INFO(out.error);
    CHECK(out.kind == SendOutcome::Kind::kOk);
    CHECK(out.status == 200);
    CHECK(posts == 1);
    CHECK(seen_body == R"({"a":1})");
    CHECK(seen_event == "alert");
  }
  SECTION("a trusted certificate for another host name is refused") {
    const TlsCertFiles other =
        TlsMakeCert(dir, "other", "elsewhere.example", "DNS:elsewhere.example");
    TlsTestServer impostor(other, [&](httplib::SSLServer& s) {
      s.Post("/hook", [&](const httplib::Request&, httplib::Response& res) {
        ++posts;
        res.status = 200;
      });
    });
    HttpSender sender(impostor.Url(), milliseconds(5000), other.cert);
    SendOutcome out = sender.Post("{}", {});
    CHECK(out.kind == SendOutcome::Kind::kRetry);
    CHECK(out.error == impostor.Url().ToString() +
                           ": TLS failed (server certificate verification failed: the "
                           "certificate is not for 127.0.0.1)");
    CHECK(posts == 0);
  }
}

TEST_CASE("https answers are classified and capped like plain ones", "[notify][tls]") {
  testing::TempDir dir;
  const TlsCertFiles local = TlsMakeCert(dir, "local", "127.0.0.1", "IP:127.0.0.1");
  std::atomic<uint64_t> sent{0};
  TlsTestServer server(local, [&](httplib::SSLServer& s) {
    s.Post("/bad", [](const httplib::Request&, httplib::Response& res) {
      res.status = 422;
      res.set_content("bad alert\n", "text/plain");
    });
    s.Post("/flood", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 200;
      res.set_chunked_content_provider("text/plain", testing::FloodBody('x', &sent));
    });
  });
  HttpSender bad(server.Url("/bad"), milliseconds(5000), local.cert);
  SendOutcome out = bad.Post("{}", {});
  CHECK(out.kind == SendOutcome::Kind::kReject);
  CHECK(out.error == server.Url("/bad").ToString() + ": HTTP 422: bad alert");

  HttpSender flood(server.Url("/flood"), milliseconds(5000), local.cert);
  const auto start = SteadyClock::now();
  out = flood.Post("{}", {});
  CHECK(out.kind == SendOutcome::Kind::kOk);
  CHECK(SteadyClock::now() - start < std::chrono::seconds(5));
  CHECK(sent.load() < (uint64_t{64} << 20));
}

TEST_CASE("an https POST in flight is cancelled from another thread", "[notify][tls]") {
  testing::TempDir dir;
  const TlsCertFiles local = TlsMakeCert(dir, "local", "127.0.0.1", "IP:127.0.0.1");
  std::atomic<bool> release{false};
  TlsTestServer server(local, [&](httplib::SSLServer& s) {
    s.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
      const auto until = SteadyClock::now() + std::chrono::seconds(10);
      while (!release && SteadyClock::now() < until) std::this_thread::sleep_for(milliseconds(10));
      res.status = 200;
    });
  });
  HttpSender sender(server.Url("/slow"), milliseconds(10000), local.cert);
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(300));
    sender.Cancel();
  });
  const auto start = SteadyClock::now();
  SendOutcome out = sender.Post("{}", {});
  const auto took = SteadyClock::now() - start;
  canceller.join();
  release = true;
  CHECK(out.kind == SendOutcome::Kind::kRetry);
  CHECK(out.error == server.Url("/slow").ToString() + ": cancelled");
  CHECK(took >= milliseconds(250));
  CHECK(took < std::chrono::seconds(5));
}

}  // namespace cg
