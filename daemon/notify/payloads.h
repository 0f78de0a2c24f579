// The JSON the notifier sends and stores. Pure functions; thread-safe.
//
// Alertmanager (POST /api/v2/alerts, an array of these):
//   {"labels": {"alertname": <rule>, "severity": ..., "instance": ..., <rule labels>},
//    "annotations": {"summary", "description", "evidence", "recommendation", "alert_id"},
//    "startsAt": RFC 3339, "endsAt": RFC 3339}
// Webhooks (one POST per event):
//   {"version": "1", "kind": "alert", "delivery_id": ..., "instance": ...,
//    "alert": {"id", "rule", "severity", "state", "labels", "summary", "description", "evidence",
//              "recommendation", "starts_at", "ends_at"}}
//   {"version": "1", "kind": "recommendation", "delivery_id": ..., "instance": ...,
//    "recommendation": {"from", "to", "reasons", "at"}}
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "daemon/notify/notice.h"

namespace cg {

// Evidence longer than this is cut (with a marker) in what is sent; receivers and the spool
// should not carry megabytes of log lines.
inline constexpr size_t kMaxEvidenceBytes = 4096;

// Alertmanager label names must match [a-zA-Z_][a-zA-Z0-9_]*; anything else becomes '_'
// ("http.status" -> "http_status", "9x" -> "_9x"), so one odd rule label cannot get the whole
// batch refused.
std::string SanitizeLabelName(std::string_view name);

// Lossless JSON form of a notice, for the spool; AlertNoticeFromJson reverses it.
nlohmann::json AlertNoticeToJson(const AlertNotice& n);
Result<AlertNotice> AlertNoticeFromJson(const nlohmann::json& j);

// One Alertmanager v2 postable alert. `ends_at` is what the caller decides (now + 4 x resend
// interval while firing, the resolution time once resolved); it is raised to starts_at if
// earlier, which Alertmanager would reject.
nlohmann::json AlertmanagerAlert(const AlertNotice& n, std::string_view instance, WallTime ends_at);

nlohmann::json WebhookAlertEvent(const AlertNotice& n, std::string_view instance,
                                 std::string_view delivery_id);
nlohmann::json WebhookRecommendationEvent(const RecommendationNotice& n, std::string_view instance,
                                          std::string_view delivery_id);

// A body's canonical serialization (sorted keys, invalid UTF-8 replaced): the bytes that are
// sent and signed, identical on every retry.
std::string SerializeBody(const nlohmann::json& body);

}  // namespace cg
