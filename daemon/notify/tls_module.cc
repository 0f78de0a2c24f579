// libcutover-guard-tls.so: the TLS module (tls_module_api.h). The only code of the project
// that links cpp-httplib and OpenSSL; the daemon dlopen()s it on first need (tls_loader.h).
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>

#include "daemon/notify/tls_module_api.h"

#define CG_TLS_EXPORT __attribute__((visibility("default")))

struct cg_tls_request {
  std::mutex mu;
  bool cancelled = false;
  httplib::SSLClient* client = nullptr;  // The request in flight, if any.
};

namespace {

void SetMessage(cg_tls_response* out, int error, const std::string& message) {
  out->error = error;
  const size_t n = std::min(message.size(), sizeof out->message - 1);
  std::memcpy(out->message, message.data(), n);
  out->message[n] = '\0';
}

int ErrorCode(httplib::Error error) {
  switch (error) {
    case httplib::Error::Success:
      return CG_TLS_OK;
    case httplib::Error::Connection:
    case httplib::Error::BindIPAddress:
      return CG_TLS_ERR_CONNECT;
    case httplib::Error::ConnectionTimeout:
      return CG_TLS_ERR_CONNECT_TIMEOUT;
    case httplib::Error::Read:
      return CG_TLS_ERR_READ;
    case httplib::Error::Write:
      return CG_TLS_ERR_WRITE;
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return CG_TLS_ERR_TLS;
    case httplib::Error::Canceled:
      return CG_TLS_ERR_STOPPED;
    default:
      return CG_TLS_ERR_OTHER;
  }
}

// What went wrong, in words (httplib::to_string() gives the enumerator's name).
std::string Describe(httplib::Error error, const httplib::SSLClient& client, const char* host) {
  switch (error) {
    case httplib::Error::Connection:
      return "could not establish a connection";
    case httplib::Error::ConnectionTimeout:
      return "no connection in time";
    case httplib::Error::Read:
      return "reading the answer failed";
    case httplib::Error::Write:
      return "sending the request failed";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA certificates";
    case httplib::Error::SSLServerVerification: {
      const long result = client.get_openssl_verify_result();
      if (result != X509_V_OK) {
        return std::string("server certificate verification failed: ") +
               X509_verify_cert_error_string(result);
      }
      return std::string("server certificate verification failed: the certificate is not for ") +
             host;
    }
    default:
      return httplib::to_string(error);
  }
}

std::chrono::milliseconds Millis(int64_t ms) {
  return std::chrono::milliseconds(std::max<int64_t>(ms, 1));
}

int Send(cg_tls_request* handle, const cg_tls_send_args* args, cg_tls_response* out) {
  httplib::SSLClient client(args->host, args->port);
  client.set_connection_timeout(Millis(args->connect_timeout_ms));
  client.set_read_timeout(Millis(args->read_timeout_ms));
  client.set_write_timeout(Millis(args->write_timeout_ms));
  client.set_keep_alive(false);
  client.set_follow_location(false);
  client.enable_server_certificate_verification(true);
  if (args->ca_file != nullptr && args->ca_file[0] != '\0') client.set_ca_cert_path(args->ca_file);

  httplib::Request req;
  req.method = args->method;
  req.path = args->target;
  for (size_t i = 0; i < args->header_count; ++i) {
    req.headers.emplace(args->headers[i].name, args->headers[i].value);
  }
  if (args->has_body) req.body.assign(args->body == nullptr ? "" : args->body, args->body_size);
  bool stopped = false;
  req.content_receiver = [&](const char* data, size_t n, uint64_t /*offset*/, uint64_t /*total*/) {
    if (args->on_body == nullptr || args->on_body(args->on_body_context, data, n) != 0) {
      return true;
    }
    stopped = true;
    return false;
  };

  {
    std::lock_guard<std::mutex> lock(handle->mu);
    if (handle->cancelled) {
      SetMessage(out, CG_TLS_ERR_CANCELLED, "cancelled");
      return out->error;
    }
    handle->client = &client;
  }
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const bool completed = client.send(req, res, error);
  bool cancelled;
  {
    std::lock_guard<std::mutex> lock(handle->mu);
    handle->client = nullptr;
    cancelled = handle->cancelled;
  }
  // A stop by our own body receiver still has a status line: the headers were read first.
  out->status = (completed || stopped) ? res.status : 0;
  if (completed) {
    SetMessage(out, CG_TLS_OK, "");
  } else if (stopped) {
    SetMessage(out, CG_TLS_ERR_STOPPED, "stopped reading");
  } else if (cancelled) {
    out->status = 0;
    SetMessage(out, CG_TLS_ERR_CANCELLED, "cancelled");
  } else {
    SetMessage(out, ErrorCode(error), Describe(error, client, args->host));
  }
  return out->error;
}

}  // namespace

extern "C" {

CG_TLS_EXPORT uint32_t cg_tls_api_version(void) { return CG_TLS_API_VERSION; }

CG_TLS_EXPORT cg_tls_request* cg_tls_request_new(void) {
  try {
    return new cg_tls_request();
  } catch (...) {
    return nullptr;
  }
}

CG_TLS_EXPORT void cg_tls_request_cancel(cg_tls_request* request) {
  if (request == nullptr) return;
  std::lock_guard<std::mutex> lock(request->mu);
  request->cancelled = true;
  // stop() shuts the socket down under httplib's own lock: the blocked read or write returns.
  if (request->client != nullptr) request->client->stop();
}

CG_TLS_EXPORT void cg_tls_request_free(cg_tls_request* request) { delete request; }

CG_TLS_EXPORT int cg_tls_send(cg_tls_request* request, const cg_tls_send_args* args,
                              cg_tls_response* out) {
  if (out == nullptr) return CG_TLS_ERR_OTHER;
  out->status = 0;
  if (request == nullptr || args == nullptr || args->struct_size < sizeof(cg_tls_send_args) ||
      args->method == nullptr || args->host == nullptr || args->target == nullptr) {
    SetMessage(out, CG_TLS_ERR_OTHER, "invalid arguments");
    return out->error;
  }
  try {
    return Send(request, args, out);
  } catch (const std::exception& e) {  // Nothing may unwind into the caller's C frames.
    out->status = 0;
    SetMessage(out, CG_TLS_ERR_OTHER, e.what());
  } catch (...) {
    out->status = 0;
    SetMessage(out, CG_TLS_ERR_OTHER, "unknown error");
  }
  return out->error;
}

CG_TLS_EXPORT int cg_tls_hmac_sha256(const void* key, size_t key_size, const void* message,
                                     size_t message_size, unsigned char out[32]) {
  // HMAC() wants non-null pointers even for empty input.
  static const unsigned char kEmpty = 0;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (key_size > static_cast<size_t>(INT32_MAX)) return 0;
  if (HMAC(EVP_sha256(), key_size == 0 ? &kEmpty : key, static_cast<int>(key_size),
           message_size == 0 ? &kEmpty : static_cast<const unsigned char*>(message), message_size,
           digest, &length) == nullptr ||
      length != 32) {
    return 0;
  }
  std::memcpy(out, digest, 32);
  return 1;
}

}  // extern "C"
