// The operator commands' client (`cutover-guard status|ack|cutover|reload`): finds the running
// daemon's API from its config (or --url), reads the bearer token the write endpoints need
// from `api.token_file`, and speaks JSON over HTTP with bounded time and memory.
//
// Every failure is a value (OperatorError) whose kind decides the command's exit code and
// whose message is the whole user-facing text ("cannot reach http://127.0.0.1:9860:
// Connection refused", "no alert with id 00ff (HTTP 404)"). Nothing here prints.
//
// Bounds: a connection must be made within `connect_timeout`, each read returns within
// `read_timeout`, the whole exchange ends within `total_timeout` (checked as the body
// arrives), and a body over `max_body` is refused (read no further), so a wrong URL pointing
// at something that answers gigabytes, or trickles, costs neither memory nor a hung check.
//
// Thread-compatible: one OperatorClient per thread (a command uses one).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "base/units.h"
#include "daemon/notify/url.h"

namespace cg {

struct OperatorError {
  enum class Kind {
    kConfig,       // The config (or --url) cannot be used: nothing was sent.
    kToken,        // The token file is missing, unreadable or invalid: nothing was sent.
    kUnreachable,  // No connection, or no complete answer (timeout, connection closed).
    kHttp,         // The API answered with an error status (`status`); `message` is its detail.
    kBadAnswer,    // The answer is not what the API sends: not JSON, too large, too slow.
  };
  Kind kind = Kind::kUnreachable;
  int status = 0;  // kHttp: the HTTP status.
  std::string message;
};

template <typename T>
using OperatorResult = Result<T, OperatorError>;

// Where the daemon is and how to authenticate to it.
struct OperatorEndpoint {
  HttpUrl url;                        // The API's base ("http://127.0.0.1:9860").
  std::filesystem::path token_file;   // Empty: none known (the write commands then fail).
  std::filesystem::path config_file;  // The config it came from ("" when not read).
};

// How the command line names the daemon: a config file (for `listen` and `api.token_file`),
// and overrides of either. The config is read only when something is still unknown.
struct OperatorTarget {
  std::string config;      // Config file.
  std::string url;         // "" = from the config's `listen`.
  std::string token_file;  // "" = from the config's `api.token_file` (needed only to write).
};

// The URL a client on this host uses to reach a daemon listening on `listen`: a wildcard
// address ("", 0.0.0.0, ::) is reached on loopback.
std::string ListenUrl(const HostPort& listen);

// Resolves the endpoint. `need_token`: the config is also read for api.token_file when no
// token_file override is given. Errors: kConfig (every config problem in the message).
OperatorResult<OperatorEndpoint> ResolveOperatorEndpoint(const OperatorTarget& target,
                                                         bool need_token);

// Reads and checks the bearer token (as the daemon does: daemon/http/auth.h LoadApiToken).
// A missing or unreadable file is a kToken error that names the file and says that it needs
// root or the cutover-guard group; `config_file` (may be empty) is named as where the path
// came from.
OperatorResult<std::string> ReadOperatorToken(const std::filesystem::path& token_file,
                                              const std::filesystem::path& config_file);

struct OperatorClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{5000};  // GET; each read.
  // POST: the daemon waits up to 5 s for its event loop (then answers 503), so a write needs
  // longer than a read.
  std::chrono::milliseconds write_read_timeout{15000};
  std::chrono::milliseconds total_timeout{20000};  // One whole request, body included.
  size_t max_body = size_t{8} << 20;               // Larger answers are refused.
};

class OperatorClient {
 public:
  explicit OperatorClient(HttpUrl base, OperatorClientOptions options = {});

  // GET base + `path` (with its query). A 200 answer's body parsed as JSON; an error status
  // is kHttp with the API's `detail` (or an excerpt of a body that is not the API's JSON).
  OperatorResult<nlohmann::json> GetJson(const std::string& path) const;
  // POST base + `path` with `body` (null: no body) and "Authorization: Bearer <token>".
  OperatorResult<nlohmann::json> PostJson(const std::string& path, const nlohmann::json& body,
                                          const std::string& token) const;

  // "http://127.0.0.1:9860" (with the base path, if any), for messages.
  std::string base_url() const;

 private:
  OperatorResult<nlohmann::json> Send(const std::string& method, const std::string& path,
                                      const std::string* body, const std::string* token) const;

  HttpUrl base_;
  OperatorClientOptions options_;
};

// `text` made safe for a terminal or a monitoring system's one-line output: control
// characters (C0, DEL, C1; newlines too unless `keep_newlines`) become spaces, invalid UTF-8
// becomes U+FFFD, and at most `max_bytes` are kept (whole characters, "..." appended).
std::string PrintableText(std::string_view text, size_t max_bytes = 512,
                          bool keep_newlines = false);

}  // namespace cg
