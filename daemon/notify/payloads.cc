#include "daemon/notify/payloads.h"

#include <algorithm>

#include "base/json_int.h"
#include "base/units.h"

namespace cg {
namespace {

using nlohmann::json;

int64_t ToMillis(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// From a spool line: clamp to 1970 +/- 230 years so the nanosecond clock cannot overflow.
WallTime FromMillis(int64_t ms) {
  ms = std::clamp(ms, kEarliestUnixSeconds * 1000, kLatestUnixSeconds * 1000);
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

std::string CutEvidence(const std::string& e) {
  if (e.size() <= kMaxEvidenceBytes) return e;
  size_t cut = kMaxEvidenceBytes;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(e[cut]) & 0xC0) == 0x80) --cut;
  return e.substr(0, cut) + "\n[... " + std::to_string(e.size() - cut) + " bytes cut]";
}

json LabelsObject(const AlertNotice& n) {
  json labels = json::object();
  for (const auto& [k, v] : n.labels) labels[k] = v;
  return labels;
}

}  // namespace

std::string SanitizeLabelName(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  return out;
}

json AlertNoticeToJson(const AlertNotice& n) {
  json labels = json::array();
  for (const auto& [k, v] : n.labels) labels.push_back(json::array({k, v}));
  json j{{"id", n.id},
         {"rule", n.rule},
         {"severity", n.severity},
         {"state", n.state},
         {"labels", std::move(labels)},
         {"summary", n.summary},
         {"description", n.description},
         {"evidence", CutEvidence(n.evidence)},
         {"recommendation", n.recommendation},
         {"starts_at_ms", ToMillis(n.starts_at)}};
  if (n.ends_at) j["ends_at_ms"] = ToMillis(*n.ends_at);
  return j;
}

Result<AlertNotice> AlertNoticeFromJson(const json& j) {
  if (!j.is_object()) return Status::Error("alert notice is not an object");
  AlertNotice n;
  auto str = [&](const char* key, std::string* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  if (!str("id", &n.id) || !str("rule", &n.rule) || !str("severity", &n.severity) ||
      !str("state", &n.state) || !str("summary", &n.summary) ||
      !str("description", &n.description) || !str("evidence", &n.evidence) ||
      !str("recommendation", &n.recommendation)) {
    return Status::Error("alert notice misses a string field");
  }
  auto starts = j.find("starts_at_ms");
  if (starts == j.end() || !TryJsonInteger<int64_t>(*starts)) {
    return Status::Error("alert notice misses starts_at_ms");
  }
  n.starts_at = FromMillis(*TryJsonInteger<int64_t>(*starts));
  auto ends = j.find("ends_at_ms");
  if (ends != j.end()) {
    auto ms = TryJsonInteger<int64_t>(*ends);
    if (!ms) return Status::Error("alert notice has a bad ends_at_ms");
    n.ends_at = FromMillis(*ms);
  }
  auto labels = j.find("labels");
  if (labels == j.end() || !labels->is_array()) return Status::Error("alert notice misses labels");
  for (const json& pair : *labels) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return Status::Error("alert notice has a bad label");
    }
    n.labels.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return n;
}

json AlertmanagerAlert(const AlertNotice& n, std::string_view instance, WallTime ends_at) {
  json labels = json::object();
  for (const auto& [k, v] : n.labels) {
    if (!v.empty()) labels[SanitizeLabelName(k)] = v;
  }
  // The identity labels win over rule labels of the same name.
  labels["alertname"] = n.rule;
  if (!n.severity.empty()) labels["severity"] = n.severity;
  if (!instance.empty()) labels["instance"] = std::string(instance);
  json annotations = json::object();
  auto annotate = [&](const char* key, const std::string& value) {
    if (!value.empty()) annotations[key] = value;
  };
  annotate("summary", n.summary);
  annotate("description", n.description);
  annotate("evidence", CutEvidence(n.evidence));
  annotate("recommendation", n.recommendation);
  annotate("alert_id", n.id);
  if (ends_at < n.starts_at) ends_at = n.starts_at;
  return json{{"labels", std::move(labels)},
              {"annotations", std::move(annotations)},
              {"startsAt", FormatRfc3339(n.starts_at)},
              {"endsAt", FormatRfc3339(ends_at)}};
}

json WebhookAlertEvent(const AlertNotice& n, std::string_view instance,
                       std::string_view delivery_id) {
  json alert{{"id", n.id},
             {"rule", n.rule},
             {"severity", n.severity},
             {"state", n.state},
             {"labels", LabelsObject(n)},
             {"summary", n.summary},
             {"description", n.description},
             {"evidence", CutEvidence(n.evidence)},
             {"recommendation", n.recommendation},
             {"starts_at", FormatRfc3339(n.starts_at)},
             {"ends_at", n.ends_at ? json(FormatRfc3339(*n.ends_at)) : json(nullptr)}};
  return json{{"version", "1"},
              {"kind", "alert"},
              {"delivery_id", delivery_id},
              {"instance", instance},
              {"alert", std::move(alert)}};
}

json WebhookRecommendationEvent(const RecommendationNotice& n, std::string_view instance,
                                std::string_view delivery_id) {
  return json{
      {"version", "1"},
      {"kind", "recommendation"},
      {"delivery_id", delivery_id},
      {"instance", instance},
      {"recommendation",
       {{"from", n.from}, {"to", n.to}, {"reasons", n.reasons}, {"at", FormatRfc3339(n.at)}}}};
}

std::string SerializeBody(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace cg
