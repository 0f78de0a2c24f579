#include "rules/replay_report.h"

#include <algorithm>
#include <cctype>

#include "base/units.h"
#include "base/utf8.h"
#include "rules/json.h"

namespace cg {
namespace {

using nlohmann::json;

json OptTime(const std::optional<WallTime>& t) { return t ? json(FormatRfc3339(*t)) : json(); }

std::string Upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string LabelText(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = " {";
  for (size_t i = 0; i < labels.size(); ++i) {
    out += (i ? ", " : "") + labels[i].first + "=\"" + labels[i].second + "\"";
  }
  return out + "}";
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

json ReplayJson(const ReplayResult& r, std::optional<WallTime> cutover_at) {
  json doc = ToJson(r.recommendation);
  json alerts = json::array();
  for (const auto& a : r.alerts) alerts.push_back(ToJson(a));
  json timeline = json::array();
  for (const auto& ev : r.timeline) timeline.push_back(ToJson(ev));
  json files = json::array();
  for (const auto& f : r.files) {
    files.push_back(json{{"path", f.path},
                         {"log", f.log},
                         {"format", LogFormatName(f.format)},
                         {"lines", f.lines},
                         {"records", f.records},
                         {"bytes", f.bytes},
                         {"recognised_lines", f.recognised_lines}});
  }
  json matches = json::array();
  for (const auto& s : r.rules) {
    if (s.matches == 0) continue;
    matches.push_back(json{{"id", s.id},
                           {"severity", SeverityName(s.severity)},
                           {"matches", s.matches},
                           {"suppressed", s.suppressed},
                           {"overflow", s.overflow}});
  }
  doc["alerts"] = alerts;
  doc["timeline"] = timeline;
  doc["records"] = r.records;
  doc["lines"] = r.lines;
  doc["bytes"] = r.bytes;
  doc["records_before_cutover"] = r.records_before_cutover;
  doc["cutover_at"] = OptTime(cutover_at);
  doc["first_record"] = OptTime(r.first_record);
  doc["last_record"] = OptTime(r.last_record);
  doc["files"] = files;
  doc["rule_matches"] = matches;
  return doc;
}

std::string ReplayText(const ReplayResult& r, std::optional<WallTime> cutover_at) {
  std::string out;
  out += "Replayed " + std::to_string(r.files.size()) + " file(s): " + std::to_string(r.lines) +
         " lines, " + std::to_string(r.records) + " records";
  if (r.first_record && r.last_record) {
    out += ", " + FormatRfc3339(*r.first_record) + " .. " + FormatRfc3339(*r.last_record);
  }
  out += "\n";
  if (cutover_at) {
    out += "Cutover mark " + FormatRfc3339(*cutover_at) + " (" +
           std::to_string(r.records_before_cutover) + " records before it not evaluated)\n";
  }

  out += "\nTimeline:\n";
  if (r.timeline.empty()) out += "  (no alert fired)\n";
  for (const auto& ev : r.timeline) {
    out += "  " + FormatRfc3339(ev.at) + "  ";
    if (ev.kind == AlertEvent::Kind::kRecommendationChanged) {
      out += "recommendation " + ev.previous + " -> " + Upper(ev.recommendation) + "\n";
      continue;
    }
    out += Pad(Upper(AlertEventKindName(ev.kind)), 9) +
           Pad(std::string(SeverityName(ev.alert.severity)), 9) + ev.alert.rule +
           LabelText(ev.alert.labels) + "  [" + ev.alert.id + "]\n";
  }

  out += "\nAlerts:\n";
  if (r.alerts.empty()) out += "  (none)\n";
  for (const auto& a : r.alerts) {
    out += "  " + Upper(AlertStateName(a.state)) + " " + std::string(SeverityName(a.severity)) +
           " " + a.rule + LabelText(a.labels) + "  [" + a.id + "]\n";
    out += "    " + a.description + "\n";
    out += "    " + std::to_string(a.count) + " match(es), first " + FormatRfc3339(a.first_seen) +
           ", last " + FormatRfc3339(a.last_seen);
    if (a.fired_at) out += ", fired " + FormatRfc3339(*a.fired_at);
    if (a.resolved_at) out += ", resolved " + FormatRfc3339(*a.resolved_at);
    out += "\n";
    if (!a.runbook.empty()) out += "    runbook: " + a.runbook + "\n";
    for (const auto& e : a.evidence) {
      out += "    evidence: " + (e.log.empty() ? std::string("-") : e.log) + " " + e.file + "@" +
             std::to_string(e.offset) + " " + FormatRfc3339(e.time) + "\n";
      // The first lines are what a human reads; JSON has the bounded trace.
      std::string_view t = e.text;
      for (int i = 0; i < 3 && !t.empty(); ++i) {
        const size_t nl = t.find('\n');
        out += "      | " + std::string(t.substr(0, Utf8PrefixLength(t.substr(0, nl), 300))) + "\n";
        if (nl == std::string_view::npos) break;
        t.remove_prefix(nl + 1);
      }
    }
  }

  out += "\nRecommendation: " + Upper(VerdictName(r.recommendation.verdict)) + "\n";
  out += "  " + r.recommendation.summary + "\n";
  for (const auto& reason : r.recommendation.reasons) {
    out += "  - " + std::string(SeverityName(reason.severity)) + " " + reason.rule +
           LabelText(reason.labels) + ": " + reason.description + " (" +
           std::to_string(reason.count) + " since " + FormatRfc3339(reason.since) + ")\n";
  }
  if (!r.recommendation.blind_spots.empty()) {
    out += "Cannot judge (blind spots):\n";
    for (const auto& b : r.recommendation.blind_spots) {
      out += "  - " + b.subject + ": " + b.description + "\n";
    }
  }
  return out;
}

}  // namespace cg
