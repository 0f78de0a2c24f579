// What the HTTP API reads and asks for: an immutable snapshot published by the event loop, and
// write requests executed on the event loop.
//
// The HTTP handlers never touch the engine's live state. The event loop builds an ApiSnapshot
// after each change (and at least every sample tick, so `loop_heartbeat` stays fresh), and
// publishes it as shared_ptr<const ApiSnapshot>; handlers take a reference and read it on their
// own thread. Writes (cutover mark, ack, reload) are posted to the loop and answered through a
// std::future that the handler waits on for a bounded time.
#pragma once

#include <cstddef>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "daemon/http/history_snapshot.h"

namespace cg {

// One published view of the daemon. Immutable once published; safe to read from any thread.
struct ApiSnapshot {
  nlohmann::json status = nlohmann::json::object();  // Body of GET /api/v1/status.
  // Array of alert objects; each has at least "id", "rule", "severity", "state" (strings).
  // GET /api/v1/alerts filters on "state" and "severity".
  nlohmann::json alerts = nlohmann::json::array();
  nlohmann::json rules = nlohmann::json::array();  // Array for GET /api/v1/rules.
  // GET /api/v1/signatures: {"baseline": {...}, "signatures": [{..., "state": ...}]}; the
  // handler filters the array on "state". Shared between snapshots (the loop re-renders it
  // every few seconds, not every tick); null: no change detector.
  std::shared_ptr<const nlohmann::json> signatures;
  std::shared_ptr<const HistorySnapshot> samples;  // May be null (no history yet).
  bool ready = false;                              // GET /readyz answers 200 when true.
  MonoTime loop_heartbeat{};  // When the loop built this; /healthz is 503 when too old.
};

// The longest comment an ack may carry (POST /api/v1/alerts/{id}/ack {"comment": "..."}).
inline constexpr size_t kMaxAckCommentBytes = 1024;

// An error from a write request, with a kind the HTTP layer maps to a status code.
struct ApiError {
  enum class Code {
    kInvalidArgument,  // 400: the request makes no sense (bad time, bad id format).
    kNotFound,         // 404: e.g. unknown alert id for an ack.
    kConflict,         // 409: valid but refused in the current state (e.g. reload failed).
    kUnavailable,      // 503: the loop is shutting down or not ready.
    kInternal,         // 500.
  };
  Code code = Code::kInternal;
  std::string message;

  static ApiError InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static ApiError NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static ApiError Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static ApiError Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static ApiError Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
};

// The JSON body of a successful write, or the reason it failed.
using ApiResult = Result<nlohmann::json, ApiError>;

// Implemented by the daemon's app (and by fakes in tests). All methods are called from HTTP
// worker threads concurrently and must be thread-safe. The returned futures must eventually be
// satisfied or abandoned (a broken promise is answered as 503); the HTTP handler waits at most
// HttpApiOptions::backend_timeout for them.
class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  // The latest published snapshot, or null before the first one.
  virtual std::shared_ptr<const ApiSnapshot> Snapshot() const = 0;
  // What /healthz and /readyz read: the loop's heartbeat and readiness of the latest
  // publication (nullopt before the first). A backend that renders its snapshot on demand
  // answers this without rendering; the default reads Snapshot().
  struct Health {
    MonoTime loop_heartbeat{};
    bool ready = false;
  };
  virtual std::optional<Health> LoopHealth() const {
    auto s = Snapshot();
    if (!s) return std::nullopt;
    return Health{s->loop_heartbeat, s->ready};
  }
  // Sets the cutover mark to `at`, or to "now" (the loop's clock) when nullopt.
  virtual std::future<ApiResult> SetCutover(std::optional<WallTime> at) = 0;
  // Acknowledges an alert, with an optional comment ("" = none; the HTTP layer has checked it:
  // at most kMaxAckCommentBytes of valid UTF-8 without control characters). Unknown id:
  // ApiError::NotFound.
  virtual std::future<ApiResult> Ack(std::string alert_id, std::string comment) = 0;
  // Reloads config and rules; a failed reload keeps the old ones (ApiError::Conflict with all
  // diagnostics in the message).
  virtual std::future<ApiResult> Reload() = 0;
};

}  // namespace cg
