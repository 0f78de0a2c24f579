// The C interface of the TLS module (libcutover-guard-tls.so, tls_module.cc): https requests
// with cpp-httplib and HMAC-SHA256 with OpenSSL, in a library the daemon dlopen()s only when a
// configuration needs it (tls_loader.h), so that a daemon without https receivers or webhook
// secrets never maps libssl, libcrypto or libcpp-httplib.
//
// Plain C types only: the module and the daemon share no C++ object across the boundary.
// Strings are NUL-terminated UTF-8 unless a size is given. Every function is thread-safe;
// cg_tls_request_cancel() may be called from any thread while cg_tls_send() runs on another.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

// Bumped on any incompatible change; the loader refuses another version.
#define CG_TLS_API_VERSION 1u

// Outcomes of cg_tls_send (cg_tls_response.error).
enum {
  CG_TLS_OK = 0,
  CG_TLS_ERR_CONNECT = 1,          // No TCP connection (refused, unreachable, unresolvable).
  CG_TLS_ERR_CONNECT_TIMEOUT = 2,  // No TCP connection within connect_timeout_ms.
  CG_TLS_ERR_READ = 3,             // The answer could not be read (timeout or closed).
  CG_TLS_ERR_WRITE = 4,            // The request could not be sent.
  CG_TLS_ERR_TLS = 5,              // Handshake or certificate verification failed.
  CG_TLS_ERR_CANCELLED = 6,        // cg_tls_request_cancel().
  CG_TLS_ERR_STOPPED = 7,          // on_body returned 0 (the status is valid).
  CG_TLS_ERR_OTHER = 8,
};

struct cg_tls_header {
  const char* name;
  const char* value;
};

// Receives the answer's body in pieces; returns 0 to stop reading (the connection is dropped).
typedef int (*cg_tls_body_fn)(void* context, const char* data, size_t size);

struct cg_tls_send_args {
  size_t struct_size;  // sizeof(cg_tls_send_args).
  const char* method;  // "GET", "POST".
  const char* host;    // Name or address, without brackets for IPv6.
  uint16_t port;
  const char* target;  // Path and query, "/hook?x=1".
  const cg_tls_header* headers;
  size_t header_count;
  const char* body;  // May be NULL when body_size is 0.
  size_t body_size;
  int has_body;  // 0: no body (GET).
  int64_t connect_timeout_ms;
  int64_t read_timeout_ms;  // Each read.
  int64_t write_timeout_ms;
  // PEM file of the CAs the server's certificate must chain to; NULL or "": the system store.
  // The host name (or IP address) is always verified against the certificate.
  const char* ca_file;
  cg_tls_body_fn on_body;  // May be NULL (the body is discarded).
  void* on_body_context;
};

struct cg_tls_response {
  int status;         // HTTP status; 0 when no status line was read.
  int error;          // CG_TLS_OK or CG_TLS_ERR_*.
  char message[256];  // What failed, NUL-terminated ("" when error is CG_TLS_OK).
};

// A cancel handle: one request at a time runs with it.
typedef struct cg_tls_request cg_tls_request;

// The CG_TLS_API_VERSION the module was built with.
uint32_t cg_tls_api_version(void);
cg_tls_request* cg_tls_request_new(void);
// Aborts the cg_tls_send() running with `request`, if any, and makes later ones with it fail
// at once (CG_TLS_ERR_CANCELLED). Any thread.
void cg_tls_request_cancel(cg_tls_request* request);
void cg_tls_request_free(cg_tls_request* request);
// One https request (no redirects followed, no keep-alive). Returns out->error.
int cg_tls_send(cg_tls_request* request, const cg_tls_send_args* args, cg_tls_response* out);
// HMAC-SHA256 of `message` under `key` into out[32]. Returns 1 on success, 0 on failure.
int cg_tls_hmac_sha256(const void* key, size_t key_size, const void* message, size_t message_size,
                       unsigned char out[32]);

}  // extern "C"
