#include "daemon/operator_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>

#include "base/diagnostics.h"
#include "base/fs.h"
#include "base/json_bounded.h"
#include "base/utf8.h"
#include "base/yaml_reader.h"
#include "daemon/config.h"
#include "daemon/http/auth.h"
#include "daemon/notify/http_client.h"

namespace cg {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// The JSON the API answers is a few levels deep (status -> coverage -> logs[] -> files[]).
constexpr size_t kMaxAnswerDepth = 16;

std::string HttpStatusText(int status) { return "HTTP " + std::to_string(status); }

// The API's error body {"error": code, "detail": text} -> its detail; another body (a proxy's
// HTML page) -> a printable excerpt.
std::string ErrorDetail(const std::string& body) {
  json doc;
  if (ParseJsonBounded(body, &doc, kMaxAnswerDepth).ok() && doc.is_object()) {
    auto detail = doc.find("detail");
    if (detail != doc.end() && detail->is_string()) {
      return PrintableText(detail->get_ref<const std::string&>(), 16 * 1024,
                           /*keep_newlines=*/true);
    }
  }
  if (body.empty()) return "empty answer";
  return PrintableText(body, 200);
}

struct LenientEndpoint {
  HostPort listen;
  std::filesystem::path token_file;
};

// What the operator commands need of a config that does not validate as a whole (typically one
// being edited before `cutover-guard reload`, which the daemon then refuses with every
// problem): `listen` and `api.token_file`, read as ParseConfig reads them.
std::optional<LenientEndpoint> ReadEndpointLeniently(const std::filesystem::path& path) {
  auto text = ReadFile(path, kMaxConfigFileBytes);
  if (!text.ok()) return std::nullopt;
  Diagnostics ignored;
  YamlContext ctx(path.string(), &ignored);
  auto loaded = LoadYaml(*text, ctx);
  if (!loaded || !loaded->IsMap()) return std::nullopt;
  const YAML::Node& root = *loaded;
  LenientEndpoint out{Config{}.listen, {}};
  try {
    if (const YAML::Node listen = root["listen"]; listen.IsDefined() && !listen.IsNull()) {
      if (!listen.IsScalar()) return std::nullopt;
      auto hp = ParseHostPort(listen.Scalar());
      if (!hp.ok()) return std::nullopt;
      out.listen = *hp;
    }
    if (const YAML::Node api = root["api"]; api.IsMap()) {
      if (const YAML::Node token = api["token_file"]; token.IsScalar()) {
        out.token_file = ResolveAgainst(path.parent_path(), token.Scalar());
      }
    }
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string ListenUrl(const HostPort& listen) {
  std::string host = listen.host;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(listen.port);
}

OperatorResult<OperatorEndpoint> ResolveOperatorEndpoint(const OperatorTarget& target,
                                                         bool need_token) {
  auto config_error = [](std::string message) {
    return OperatorError{OperatorError::Kind::kConfig, 0, std::move(message)};
  };
  OperatorEndpoint ep;
  ep.token_file = target.token_file;
  const bool need_config = target.url.empty() || (need_token && target.token_file.empty());
  std::string url = target.url;
  if (need_config) {
    auto config = LoadConfigFile(target.config);
    std::optional<LenientEndpoint> found;
    if (config.ok()) {
      found = LenientEndpoint{config->listen, config->api.token_file};
    } else {
      found = ReadEndpointLeniently(target.config);
    }
    if (!found) {
      // One problem on the same line (the usual: the file is missing or unreadable), more
      // on lines of their own.
      const auto& items = config.error().items();
      std::string message = "cannot use the config " + target.config + " (" +
                            (target.url.empty() ? "for the API's address; or give --url"
                                                : "for api.token_file; or give --token-file") +
                            ")";
      if (items.size() == 1) {
        message += ": " + items[0].ToString();
      } else {
        for (const auto& d : items) message += "\n" + d.ToString();
      }
      return config_error(std::move(message));
    }
    ep.config_file = target.config;
    if (url.empty()) url = ListenUrl(found->listen);
    if (ep.token_file.empty()) ep.token_file = found->token_file;
  }
  auto parsed = ParseHttpUrl(url);
  if (!parsed.ok()) return config_error(parsed.error().message());
  if (parsed->path.find('?') != std::string::npos) {
    return config_error("invalid URL \"" + url + "\": the API's base URL takes no query");
  }
  ep.url = std::move(parsed).value();
  return ep;
}

OperatorResult<std::string> ReadOperatorToken(const std::filesystem::path& token_file,
                                              const std::filesystem::path& config_file) {
  auto token_error = [](std::string message) {
    return OperatorError{OperatorError::Kind::kToken, 0, std::move(message)};
  };
  const std::string where =
      config_file.empty() ? "" : " (api.token_file in " + config_file.string() + ")";
  if (token_file.empty()) {
    return token_error(
        (config_file.empty() ? std::string("no token file given")
                             : config_file.string() + " sets no api.token_file") +
        ": the daemon refuses every write without a token (give --token-file FILE, or set "
        "api.token_file and reload the daemon)");
  }
  // Opened first for a clear message on the two usual failures (non-blocking: a FIFO must not
  // hang the probe); LoadApiToken then reads and checks it as the daemon does.
  int fd = ::open(token_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == EACCES || err == EPERM) {
      return token_error("cannot read the API token " + token_file.string() + where + ": " +
                         std::strerror(err) +
                         "; the write commands need root or membership in the cutover-guard "
                         "group (sudo cutover-guard ..., or: sudo adduser $USER cutover-guard "
                         "and log in again)");
    }
    if (err == ENOENT) {
      return token_error("the API token file " + token_file.string() + where +
                         " does not exist (the package creates it at install; the write "
                         "commands need root or membership in the cutover-guard group to read "
                         "it)");
    }
    return token_error("cannot read the API token " + token_file.string() + where + ": " +
                       std::strerror(err) +
                       " (the write commands need root or the cutover-guard group)");
  }
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  ::close(fd);
  if (!regular)
    return token_error("the API token " + token_file.string() + where + " is not a regular file");
  auto token = LoadApiToken(token_file);
  if (!token.ok()) return token_error("API token" + where + ": " + token.error().message());
  return std::move(token).value();
}

OperatorClient::OperatorClient(HttpUrl base, OperatorClientOptions options)
    : base_(std::move(base)), options_(options) {}

std::string OperatorClient::base_url() const {
  return base_.path == "/" ? base_.Origin() : base_.ToString();
}

OperatorResult<json> OperatorClient::GetJson(const std::string& path) const {
  return Send("GET", path, nullptr, nullptr);
}

OperatorResult<json> OperatorClient::PostJson(const std::string& path, const json& body,
                                              const std::string& token) const {
  if (body.is_null()) {
    const std::string empty;
    return Send("POST", path, &empty, &token);
  }
  const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return Send("POST", path, &text, &token);
}

OperatorResult<json> OperatorClient::Send(const std::string& method, const std::string& path,
                                          const std::string* body, const std::string* token) const {
  const HttpUrl url = base_.WithPath(path);
  const std::string shown = url.Origin() + url.path;
  auto unreachable = [&](std::string why) {
    return OperatorError{OperatorError::Kind::kUnreachable, 0,
                         "cannot reach " + base_url() + ": " + std::move(why)};
  };
  auto bad_answer = [&](std::string why) {
    return OperatorError{OperatorError::Kind::kBadAnswer, 0,
                         method + " " + shown + ": " + std::move(why)};
  };

  HttpRequest req;
  req.method = method;
  req.url = url;
  req.headers.emplace_back("User-Agent", "cutover-guard-cli");
  req.headers.emplace_back("Accept", "application/json");
  if (token != nullptr) req.headers.emplace_back("Authorization", "Bearer " + *token);
  if (body != nullptr) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.has_body = true;
    req.body = *body;
  }
  HttpClientOptions options;
  options.connect_timeout = options_.connect_timeout;
  options.write_timeout = options_.connect_timeout;
  options.read_timeout = method == "GET" ? options_.read_timeout : options_.write_read_timeout;
  options.total_timeout = options_.total_timeout;
  // The body is kept up to max_body; past it (or past the total timeout) nothing more is read
  // and the connection is dropped.
  options.max_body = options_.max_body;
  auto result = SendHttpRequest(req, options);
  if (!result.ok()) {
    const HttpFailure& failure = result.error();
    switch (failure.kind) {
      case HttpFailure::Kind::kTotalTimeout:
        return bad_answer("the answer took longer than " + FormatDuration(options_.total_timeout));
      case HttpFailure::Kind::kBadAnswer:
        return bad_answer(failure.message);
      case HttpFailure::Kind::kNoTlsModule:
        return OperatorError{OperatorError::Kind::kConfig, 0, base_url() + ": " + failure.message};
      default:
        // Resolve ("cannot resolve ..."), connect ("Connection refused", "No route to host",
        // "no connection within 5s"), send, read ("no answer within 5s", "the connection was
        // closed before a complete answer") and TLS failures.
        return unreachable(failure.message);
    }
  }
  if (result->truncated) {
    return bad_answer("the answer is larger than " + std::to_string(options_.max_body >> 20) +
                      " MiB (is this cutover-guard's API?)");
  }
  const HttpResponse& res = *result;
  const std::string& kept = res.body;
  if (res.status != 200) {
    return OperatorError{OperatorError::Kind::kHttp, res.status,
                         ErrorDetail(kept) + " (" + HttpStatusText(res.status) + ")"};
  }
  json doc;
  Status parsed = ParseJsonBounded(kept, &doc, kMaxAnswerDepth, options_.max_body);
  if (!parsed.ok()) return bad_answer("the answer is not the API's JSON: " + parsed.message());
  if (!doc.is_object()) return bad_answer("the answer is not a JSON object");
  return doc;
}

std::string PrintableText(std::string_view text, size_t max_bytes, bool keep_newlines) {
  std::string utf8 = SanitizedUtf8(text);
  std::string out;
  out.reserve(std::min(utf8.size(), max_bytes + 3));
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto ch = static_cast<unsigned char>(utf8[i]);
    const bool c1 = ch == 0xc2 && i + 1 < utf8.size() &&
                    static_cast<unsigned char>(utf8[i + 1]) < 0xa0;  // U+0080..U+009F
    if (c1) {
      out += ' ';
      ++i;
    } else if (ch == '\n' && keep_newlines) {
      out += '\n';
    } else if (ch < 0x20 || ch == 0x7f) {
      out += ' ';
    } else {
      out += static_cast<char>(ch);
    }
  }
  if (out.size() > max_bytes) {
    out.resize(Utf8PrefixLength(out, max_bytes));
    out += "...";
  }
  return out;
}

}  // namespace cg
