#include "rules/replay_report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

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

std::string Rate(double per_hour) {
  char buf[32];
  std::snprintf(buf, sizeof buf, per_hour >= 10 ? "%.0f/h" : "%.2g/h", per_hour);
  return buf;
}

std::string SignatureLine(const SignatureReport& s) {
  std::string out = "  " + Pad(std::string(LevelName(s.level)), 6) + s.log + " " + s.id + "  " +
                    std::to_string(s.count) + " records (" + Rate(s.rate_per_hour) + ")";
  if (s.state != SignatureState::kUnjudged) {
    out += ", baseline " + std::to_string(s.baseline_count) + " (" +
           Rate(s.baseline_rate_per_hour) + ")";
  }
  if (s.ratio > 0 && s.state == SignatureState::kRegressed) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ", %.3gx its share of traffic, p=%.2g", s.ratio, s.p_value);
    out += buf;
  }
  out += "\n    " + std::string(s.template_text.substr(0, Utf8PrefixLength(s.template_text, 300))) +
         "\n";
  if (!s.logger.empty()) out += "    logger " + s.logger + "\n";
  return out;
}

// "What is new since the cutover": the change detectors' findings, whether or not an alert
// fired for them (a one-off new error is listed, never alerted).
std::string ChangeText(const ChangeSummary& c) {
  if (c.baseline.source.empty()) return "";  // No change detector in the rules.
  std::string out = "\nWhat is new since the cutover:\n";
  if (c.baseline.source == "none") {
    out +=
        "  (no baseline: no snapshot and no record before the cutover mark; new and "
        "regressed cannot be told)\n";
  } else {
    out += "  baseline: " + c.baseline.source;
    if (c.baseline.signatures > 0) {
      out += ", " + std::to_string(c.baseline.signatures) + " signatures from the snapshot";
    }
    out += "; " + std::to_string(c.known) + " known signature(s) seen again\n";
  }
  if (c.baseline.source == "none") {
    // Nothing to compare with: what was seen, most frequent errors first (an error storm's
    // signature is among them).
    if (!c.unjudged_top.empty()) out += " Seen, no baseline to compare with:\n";
    for (size_t i = 0; i < c.unjudged_top.size() && i < 10; ++i) {
      out += SignatureLine(c.unjudged_top[i]);
    }
    return out;
  }
  if (c.fresh.empty() && c.regressed.empty()) out += "  (nothing new or growing)\n";
  constexpr size_t kListed = 20;
  if (!c.fresh.empty()) out += " New (" + std::to_string(c.fresh.size()) + "):\n";
  for (size_t i = 0; i < c.fresh.size() && i < kListed; ++i) out += SignatureLine(c.fresh[i]);
  if (c.fresh.size() > kListed) {
    out += "  ... " + std::to_string(c.fresh.size() - kListed) + " more (--format json)\n";
  }
  if (!c.regressed.empty())
    out += " Growing beyond traffic (" + std::to_string(c.regressed.size()) + "):\n";
  for (size_t i = 0; i < c.regressed.size() && i < kListed; ++i) {
    out += SignatureLine(c.regressed[i]);
  }
  if (c.unjudged > 0) {
    out += "  " + std::to_string(c.unjudged) + " signature(s) in logs without a baseline\n";
  }
  return out;
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
                         {"recognised_lines", f.recognised_lines},
                         {"envelope", EnvelopeName(f.envelope)},
                         {"layout_recognised", f.layout_recognised},
                         {"layout_reason", f.layout_reason}});
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
  doc["signatures"] = ToJson(r.signatures);
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
  for (const auto& f : r.files) {
    if (f.layout_reason.empty()) continue;
    out += "  " + f.path + ": " + (f.layout_recognised ? "" : "layout NOT recognised: ") +
           f.layout_reason + "\n";
  }
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
    if (!a.detail.empty()) out += "    " + a.detail + "\n";
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

  out += ChangeText(r.signatures);

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
