#include "daemon/http/status_page.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
#include <vector>

#include "base/units.h"
#include "daemon/http/html_escape.h"
#include "daemon/http/svg_plot.h"
#include "daemon/http/time_param.h"

namespace cg {
namespace {

using nlohmann::json;

// --- Reading the snapshot's JSON without ever throwing ------------------------------------------

const json& Field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string_view Str(const json& j, const char* key) {
  const json& v = Field(j, key);
  return v.is_string() ? std::string_view(v.get_ref<const std::string&>()) : std::string_view();
}

std::optional<double> Num(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (!v.is_number()) return std::nullopt;
  return v.get<double>();
}

bool Bool(const json& j, const char* key) {
  const json& v = Field(j, key);
  return v.is_boolean() && v.get<bool>();
}

const json& EmptyArray() {
  static const json kEmpty = json::array();
  return kEmpty;
}

const json& Arr(const json& j, const char* key) {
  const json& v = Field(j, key);
  return v.is_array() ? v : EmptyArray();
}

const json& ArrayOrEmpty(const json& j) { return j.is_array() ? j : EmptyArray(); }

// --- Formatting ----------------------------------------------------------------------------------

std::string E(std::string_view s) { return HtmlEscape(s); }

std::string Fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Int(double v) { return Fixed(std::round(v), 0); }

// "42s", "4m 12s", "2h 5m", "3d 4h".
std::string HumanDuration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  auto s = static_cast<int64_t>(std::llround(std::fabs(seconds)));
  std::string sign = seconds < 0 ? "-" : "";
  if (s < 60) return sign + std::to_string(s) + "s";
  if (s < 3600) return sign + std::to_string(s / 60) + "m " + std::to_string(s % 60) + "s";
  if (s < 86400)
    return sign + std::to_string(s / 3600) + "h " + std::to_string(s % 3600 / 60) + "m";
  return sign + std::to_string(s / 86400) + "d " + std::to_string(s % 86400 / 3600) + "h";
}

std::optional<WallTime> ParseTime(std::string_view rfc3339) {
  // Only what the snapshot writes ("2026-11-25T02:10:00.000Z"); ParseTimeParam would also take
  // durations and Unix seconds.
  if (rfc3339.size() < 20 || rfc3339[10] != 'T') return std::nullopt;
  auto t = ParseTimeParam(rfc3339, WallTime{});
  if (!t.ok()) return std::nullopt;
  return *t;
}

double SecondsBetween(WallTime a, WallTime b) {
  return std::chrono::duration<double>(b - a).count();
}

// <time> for a snapshot time: "02:10:00 UTC" when it is the same UTC day as `now`, else the
// date too; "(4m 12s ago)" after it when `ago`. "—" when absent.
std::string TimeHtml(std::string_view rfc3339, WallTime now, bool ago = true) {
  auto t = ParseTime(rfc3339);
  if (!t) return rfc3339.empty() ? "—" : E(rfc3339);
  std::string shown(rfc3339.substr(0, 19));
  shown[10] = ' ';
  std::string today = FormatRfc3339(now).substr(0, 10);
  if (rfc3339.substr(0, 10) == today) shown = shown.substr(11);
  std::string out = "<time datetime=\"" + E(rfc3339) + "\">" + E(shown) + " UTC</time>";
  if (ago) {
    double s = SecondsBetween(*t, now);
    out += s >= 0 ? " (" + HumanDuration(s) + " ago)" : " (in " + HumanDuration(-s) + ")";
  }
  return out;
}

std::string Bytes(double v) { return FormatPlotValue(v, PlotUnit::kBytes); }

// The first line of `text`, at most `max` bytes (escaped), with "…" when cut.
std::string FirstLine(std::string_view text, size_t max) {
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t cut = 0;
  std::string out = HtmlEscapePrefix(line, max, &cut);
  if (cut > 0 || nl != std::string_view::npos) out += "…";
  return out;
}

// The message of a record's first line, for one-line summaries: a WSO2 carbon line is
// "TID: [..] [..] [time] LEVEL {logger} - message", and time and level are shown beside it, so
// what follows the first "} - " (within the first 300 bytes) is what the reader wants.
std::string_view Message(std::string_view text) {
  size_t at = text.substr(0, std::min<size_t>(text.size(), 300)).find("} - ");
  size_t nl = text.find('\n');
  if (at == std::string_view::npos || (nl != std::string_view::npos && nl < at)) return text;
  return text.substr(at + 4);
}

// The verdict word, from the fixed set (anything else is "unknown").
std::string_view Verdict(const json& status) {
  std::string_view v = Str(status, "recommendation");
  for (std::string_view known : {"continue", "investigate", "rollback"}) {
    if (v == known) return known;
  }
  return "unknown";
}

std::string_view VerdictGlyph(std::string_view v) {
  if (v == "continue") return "\xE2\x9C\x93";     // ✓
  if (v == "investigate") return "\xE2\x9A\xA0";  // ⚠
  if (v == "rollback") return "\xE2\x9C\x95";     // ✕
  return "?";
}

std::string_view VerdictHint(std::string_view v) {
  if (v == "continue") return "Nothing asks for action: keep the new system.";
  if (v == "investigate") return "Something needs a look before it gets worse.";
  if (v == "rollback") return "Roll back: a rule says the new system is failing.";
  return "Not enough is known to judge (a blind spot, or the daemon is starting).";
}

// A CSS class token from a severity or state ("critical" -> "critical"); others -> "other".
std::string_view Token(std::string_view s) {
  for (std::string_view t : {"critical", "warning", "info", "firing", "pending", "resolved", "new",
                             "regressed", "known", "unjudged"}) {
    if (s == t) return t;
  }
  return "other";
}

int SeverityRank(std::string_view s) {
  if (s == "critical") return 0;
  if (s == "warning") return 1;
  if (s == "info") return 2;
  return 3;
}

std::string Badge(std::string_view text, std::string_view kind) {
  return "<span class=\"badge " + std::string(Token(kind)) + "\">" + E(text) + "</span>";
}

std::string More(size_t n, std::string_view what, std::string_view where) {
  return "<p class=\"more\">" + std::to_string(n) + " more " + std::string(what) +
         " not shown (all of them: <a href=\"" + std::string(where) + "\">" + std::string(where) +
         "</a>).</p>";
}

// A runbook link when it is an http(s) URL, else the text.
std::string Runbook(std::string_view r) {
  if (r.empty()) return "—";
  if (r.rfind("https://", 0) == 0 || r.rfind("http://", 0) == 0) {
    return "<a href=\"" + E(r) + "\" rel=\"noreferrer noopener\">" + E(r) + "</a>";
  }
  return E(r);
}

// --- The page's sections -----------------------------------------------------------------------

class Renderer {
 public:
  Renderer(const ApiSnapshot& snap, WallTime now)
      : snap_(snap), status_(snap.status), now_(now), verdict_(Verdict(status_)) {}

  std::string Main() {
    Banner();
    // Wide screens: alerts and signatures on the left, the plots beside them (CSS .cols).
    out_ += "<div class=\"cols\">\n<div class=\"col-main\">\n";
    Alerts();
    Signatures();
    out_ += "</div>\n<div class=\"col-side\">\n";
    Plots();
    out_ += "</div>\n</div>\n";
    Coverage();
    return std::move(out_);
  }

  std::string Title() const {
    std::string instance(Str(Field(status_, "daemon"), "instance"));
    std::string t = std::string(verdict_);
    for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    t += " \xC2\xB7 cutover-guard";
    if (!instance.empty()) t += " \xC2\xB7 " + instance;
    return t;
  }

 private:
  void Banner() {
    const json& daemon = Field(status_, "daemon");
    out_ += "<p class=\"updated\">Updated " + TimeHtml(FormatRfc3339(now_), now_, false);
    if (auto i = Str(daemon, "instance"); !i.empty()) out_ += " \xC2\xB7 instance " + E(i);
    if (auto v = Str(daemon, "version"); !v.empty()) out_ += " \xC2\xB7 cutover-guard " + E(v);
    out_ += "</p>\n";
    const std::string v(verdict_);
    out_ += "<section class=\"banner v-" + v + "\" aria-labelledby=\"verdict\" data-title=\"" +
            E(Title()) + "\">\n<p class=\"kicker\">Recommendation</p>\n";
    out_ += "<div class=\"verdict-row\"><span class=\"glyph\" aria-hidden=\"true\">" +
            std::string(VerdictGlyph(verdict_)) + "</span><h1 id=\"verdict\">" + v +
            "</h1></div>\n";
    std::string_view summary = Str(status_, "summary");
    out_ += "<p class=\"summary\">" + (summary.empty() ? E(VerdictHint(verdict_)) : E(summary)) +
            "</p>\n<p class=\"meta\">";
    if (auto since = Str(status_, "since"); !since.empty()) {
      out_ += "Verdict since " + TimeHtml(since, now_) + ". ";
    }
    const json& cutover = Field(status_, "cutover");
    if (auto at = Str(cutover, "at"); !at.empty()) {
      auto t = ParseTime(at);
      double since = t ? SecondsBetween(*t, now_) : Num(cutover, "since_seconds").value_or(NAN);
      out_ += "Cutover mark " + TimeHtml(at, now_, false) + ": <strong>" +
              (since >= 0 ? HumanDuration(since) + " ago" : "in " + HumanDuration(-since)) +
              "</strong>";
      double warmup = Num(cutover, "warmup_seconds").value_or(0);
      if (warmup > 0 && since >= 0 && since < warmup) {
        out_ += " (warm-up: " + HumanDuration(warmup - since) + " left)";
      }
      out_ += ".";
    } else {
      out_ += "<strong>No cutover mark is set</strong> (POST /api/v1/cutover or cutover.at).";
    }
    out_ += "</p>\n";
    const json& reasons = Arr(status_, "reasons");
    if (!reasons.empty()) {
      out_ += "<h2 class=\"reasons-h\">Why</h2>\n<ul class=\"reasons\">\n";
      size_t shown = 0;
      for (const json& r : reasons) {
        if (shown == kMaxReasons) break;
        ++shown;
        out_ += "<li>";
        if (r.is_string()) {
          out_ += HtmlEscapePrefix(r.get_ref<const std::string&>(), 1024);
        } else if (Str(r, "kind") == "coverage") {
          out_ += Badge("blind spot", "blind") + " <b>" + E(Str(r, "subject")) +
                  "</b>: " + E(Str(r, "description"));
          if (auto s = Str(r, "since"); !s.empty()) out_ += " (since " + TimeHtml(s, now_) + ")";
        } else {
          out_ += Badge(Str(r, "severity"), Str(r, "severity")) + " <b>" + E(Str(r, "rule")) +
                  "</b> " + E(Str(r, "state"));
          if (auto s = Str(r, "since"); !s.empty()) out_ += " since " + TimeHtml(s, now_);
          if (auto c = Num(r, "count")) out_ += ", " + Int(*c) + " records";
          if (auto d = Str(r, "description"); !d.empty()) out_ += ": " + E(d);
          if (auto ev = Str(r, "evidence"); !ev.empty()) {
            out_ += "<code>" + FirstLine(Message(ev), 240) + "</code>";
          }
        }
        out_ += "</li>\n";
      }
      out_ += "</ul>\n";
      if (reasons.size() > shown) {
        out_ += More(reasons.size() - shown, "reasons", "/api/v1/status");
      }
    }
    out_ += "</section>\n";
  }

  void Alerts() {
    std::vector<const json*> open;
    size_t resolved = 0, firing = 0, pending = 0;
    for (const json& a : ArrayOrEmpty(snap_.alerts)) {
      std::string_view state = Str(a, "state");
      if (state == "firing") {
        ++firing;
        open.push_back(&a);
      } else if (state == "pending") {
        ++pending;
        open.push_back(&a);
      } else if (state == "resolved") {
        ++resolved;
      }
    }
    // Firing before pending, most severe first, then the oldest.
    std::stable_sort(open.begin(), open.end(), [](const json* x, const json* y) {
      auto key = [](const json* a) {
        std::string_view since = Str(*a, "fired_at");
        if (since.empty()) since = Str(*a, "pending_since");
        return std::tuple(Str(*a, "state") != "firing", SeverityRank(Str(*a, "severity")), since);
      };
      return key(x) < key(y);
    });
    out_ +=
        "<section aria-labelledby=\"h-alerts\">\n<h2 id=\"h-alerts\">Alerts <span "
        "class=\"count\">" +
        std::to_string(firing) + " firing, " + std::to_string(pending) + " pending</span></h2>\n";
    if (open.empty()) out_ += "<p class=\"none\">No alert is firing or pending.</p>\n";
    size_t budget = kEvidenceBudget;
    size_t shown = 0;
    for (const json* a : open) {
      if (shown == kMaxAlerts) break;
      ++shown;
      Alert(*a, &budget);
    }
    if (open.size() > shown) {
      out_ += More(open.size() - shown, "alerts", "/api/v1/alerts?state=firing,pending");
    }
    if (resolved > 0) {
      out_ += "<p class=\"muted\">" + std::to_string(resolved) +
              " resolved (<a href=\"/api/v1/alerts?state=resolved\">/api/v1/alerts?state="
              "resolved</a>).</p>\n";
    }
    out_ += "</section>\n";
  }

  void Alert(const json& a, size_t* budget) {
    std::string_view severity = Str(a, "severity"), state = Str(a, "state");
    const std::string id = E(Str(a, "id"));
    out_ += "<article class=\"alert " + std::string(Token(severity)) + "\" id=\"alert-" + id +
            "\">\n<h3>" + Badge(severity, severity) + Badge(state, state) + " " +
            E(Str(a, "rule")) + "</h3>\n";
    if (auto d = Str(a, "description"); !d.empty()) out_ += "<p class=\"desc\">" + E(d) + "</p>\n";
    out_ += "<dl class=\"facts\">";
    auto fact = [&](std::string_view term, const std::string& value) {
      out_ += "<div><dt>" + std::string(term) + "</dt><dd>" + value + "</dd></div>";
    };
    if (state == "firing") {
      fact("Firing since", TimeHtml(Str(a, "fired_at"), now_));
    } else {
      fact("Pending since", TimeHtml(Str(a, "pending_since"), now_));
    }
    std::string count = Num(a, "count") ? Int(*Num(a, "count")) : "—";
    if (auto w = Num(a, "window_count")) count += " (" + Int(*w) + " in window)";
    fact("Count", count);
    if (auto v = Num(a, "value")) fact("Value", E(Fixed(*v, 3)));
    if (auto last = Str(a, "last_seen"); !last.empty()) fact("Last seen", TimeHtml(last, now_));
    fact("Runbook", Runbook(Str(a, "runbook")));
    if (Bool(a, "acked")) {
      auto at = Str(a, "acked_at");
      fact("Acknowledged", "yes" + (at.empty() ? std::string() : ", " + TimeHtml(at, now_)));
    } else {
      fact("Acknowledged", "no");
    }
    out_ += "</dl>\n";
    const json& labels = Field(a, "labels");
    if (labels.is_object() && !labels.empty()) {
      out_ += "<p class=\"labels\">";
      size_t n = 0;
      for (auto it = labels.begin(); it != labels.end() && n < 10; ++it, ++n) {
        out_ += "<code>" + E(it.key()) + "=" + (it->is_string() ? E(it->get<std::string>()) : "") +
                "</code> ";
      }
      out_ += "</p>\n";
    }
    if (auto d = Str(a, "detail"); !d.empty()) {
      out_ += "<p class=\"detail\">" + HtmlEscapePrefix(d, 1024) + "</p>\n";
    }
    // The engine keeps the first match, then the most recent ones (oldest first): show the
    // first and the newest kMaxEvidence - 1, in that order.
    const json& evidence = Arr(a, "evidence");
    size_t shown = 0;
    for (size_t i = 0; i < evidence.size(); ++i) {
      if (i > 0 && i + kMaxEvidence <= evidence.size()) continue;
      if (*budget == 0) break;
      Evidence(evidence[i], id + "-" + std::to_string(i), budget);
      ++shown;
    }
    if (evidence.size() > shown) {
      out_ += "<p class=\"more\">" + std::to_string(evidence.size() - shown) +
              " more evidence records not shown (<a href=\"/api/v1/alerts\">/api/v1/alerts</a>)."
              "</p>\n";
    }
    out_ += "</article>\n";
  }

  void Evidence(const json& e, const std::string& id, size_t* budget) {
    std::string_view text = Str(e, "text");
    std::string head;
    if (auto t = Str(e, "time"); !t.empty()) head += TimeHtml(t, now_, false) + " ";
    if (auto l = Str(e, "level"); !l.empty()) head += "<b>" + E(l) + "</b> ";
    head += "<span class=\"muted\">" + E(Str(e, "log")) + "</span> ";
    const bool one_line = text.find('\n') == std::string_view::npos && text.size() <= 240;
    if (one_line) {
      *budget -= std::min(*budget, text.size());
      out_ += "<p class=\"ev\">" + head + "<code class=\"evtext\">" + E(text) + "</code></p>\n";
      return;
    }
    size_t cut = 0;
    size_t limit = std::min(kMaxEvidenceBytes, *budget);
    std::string body = HtmlEscapePrefix(text, limit, &cut);
    *budget -= std::min(*budget, text.size() - cut);
    out_ += "<details class=\"ev\" id=\"ev-" + id + "\"><summary>" + head +
            "<code class=\"evtext\">" + FirstLine(Message(text), 200) + "</code></summary><pre>" +
            body;
    if (cut > 0) out_ += "\n… " + std::to_string(cut) + " more bytes not shown";
    if (Bool(e, "truncated")) out_ += "\n… (the record was cut by the tailer)";
    out_ += "</pre></details>\n";
  }

  void Signatures() {
    if (snap_.signatures == nullptr) return;
    const json& doc = *snap_.signatures;
    std::vector<const json*> changed;
    size_t unjudged = 0;
    for (const json& s : Arr(doc, "signatures")) {
      std::string_view st = Str(s, "state");
      if (st == "new" || st == "regressed") changed.push_back(&s);
      unjudged += st == "unjudged" ? 1 : 0;
    }
    out_ +=
        "<section aria-labelledby=\"h-new\">\n<h2 id=\"h-new\">New since the cutover <span "
        "class=\"count\">" +
        std::to_string(changed.size()) + " new or regressed message signatures</span></h2>\n";
    const json& baseline = Field(doc, "baseline");
    if (auto src = Str(baseline, "source"); !src.empty()) {
      out_ += "<p class=\"muted\">Compared with the baseline from " + E(src);
      if (auto n = Num(baseline, "signatures")) out_ += " (" + Int(*n) + " signatures)";
      out_ += ".</p>\n";
    }
    if (unjudged > 0) {
      out_ += "<p class=\"muted\">" + std::to_string(unjudged) +
              " signatures could not be judged: no baseline covers them (<code>cutover-guard "
              "baseline</code>, or records before the cutover mark).</p>\n";
    }
    if (changed.empty()) {
      out_ +=
          "<p class=\"none\">No new or regressed WARN/ERROR/FATAL message since the cutover."
          "</p>\n</section>\n";
      return;
    }
    out_ +=
        "<div class=\"tw\"><table>\n<caption class=\"sr\">New and regressed message "
        "signatures</caption>\n<thead><tr><th scope=\"col\">State</th><th "
        "scope=\"col\">Message</th><th scope=\"col\">Log</th><th scope=\"col\">Count</th><th "
        "scope=\"col\">Rate now / before (per h)</th><th scope=\"col\">First seen</th></tr>"
        "</thead>\n<tbody>\n";
    size_t shown = 0;
    for (const json* s : changed) {
      if (shown == kMaxSignatures) break;
      ++shown;
      std::string_view st = Str(*s, "state");
      out_ += "<tr><th scope=\"row\">" + Badge(st, st) + "</th><td><b>" + E(Str(*s, "level")) +
              "</b> <code>" + FirstLine(Str(*s, "template"), 300) + "</code>";
      if (auto logger = Str(*s, "logger"); !logger.empty()) {
        out_ += " <span class=\"muted\">" + E(logger) + "</span>";
      }
      out_ += "</td><td>" + E(Str(*s, "log")) + "</td><td class=\"n\">" +
              (Num(*s, "count") ? Int(*Num(*s, "count")) : "—") + "</td><td class=\"n\">" +
              Fixed(Num(*s, "rate_per_hour").value_or(0), 1) + " / " +
              Fixed(Num(*s, "baseline_rate_per_hour").value_or(0), 1) + "</td><td>" +
              TimeHtml(Str(*s, "first_seen"), now_) + "</td></tr>\n";
    }
    out_ += "</tbody></table></div>\n";
    if (changed.size() > shown) {
      out_ += More(changed.size() - shown, "signatures", "/api/v1/signatures?state=new,regressed");
    }
    out_ += "</section>\n";
  }

  struct PlotDef {
    std::string title;
    std::string series;
    std::string target;
    PlotUnit unit;
  };

  void Plots() {
    out_ += "<section aria-labelledby=\"h-plots\">\n<h2 id=\"h-plots\">Host and JVM</h2>\n";
    const HistorySnapshot* h = snap_.samples.get();
    std::vector<PlotDef> defs = {
        {"Host CPU busy", "host.cpu_busy_ratio", "", PlotUnit::kRatio},
        {"Host memory used", "host.memory_used_ratio", "", PlotUnit::kRatio},
    };
    // The targets (the JVM) in the status' order, then any other the history has; at most 3.
    std::vector<std::string> targets;
    for (const json& t : Arr(status_, "targets")) {
      if (auto n = Str(t, "name"); !n.empty()) targets.emplace_back(n);
    }
    if (h != nullptr) {
      for (const auto& key : h->Keys()) {
        if (key.series == "process.cpu_ratio" &&
            std::find(targets.begin(), targets.end(), key.target) == targets.end()) {
          targets.push_back(key.target);
        }
      }
    }
    if (targets.size() > 3) targets.resize(3);
    for (const auto& t : targets) {
      defs.push_back({t + " CPU (100% = one core)", "process.cpu_ratio", t, PlotUnit::kCoreRatio});
      defs.push_back({t + " RSS", "process.resident_memory_bytes", t, PlotUnit::kBytes});
      defs.push_back({t + " threads", "process.threads", t, PlotUnit::kCount});
      defs.push_back({t + " open fds", "process.open_fds", t, PlotUnit::kCount});
    }
    // One time axis for all: from the oldest sample to now.
    std::optional<WallTime> from;
    for (const auto& d : defs) {
      const auto* p = h != nullptr ? h->Find(d.series, d.target) : nullptr;
      if (p != nullptr && !p->empty() && (!from || p->front().at < *from)) from = p->front().at;
    }
    if (!from) {
      out_ += "<p class=\"none\">No samples yet.</p>\n</section>\n";
      return;
    }
    WallTime to = now_;
    for (const auto& d : defs) {
      const auto* p = h->Find(d.series, d.target);
      if (p != nullptr && !p->empty()) to = std::max(to, p->back().at);
    }
    std::vector<PlotMarker> markers;
    if (auto at = ParseTime(Str(Field(status_, "cutover"), "at"))) {
      markers.push_back({*at, PlotMarker::Kind::kCutover, "cutover mark"});
    }
    for (const json& a : ArrayOrEmpty(snap_.alerts)) {
      if (auto at = ParseTime(Str(a, "fired_at"))) {
        markers.push_back(
            {*at, PlotMarker::Kind::kAlert,
             std::string(Str(a, "rule")) + " fired (" + std::string(Str(a, "severity")) + ")"});
      }
    }
    out_ += "<p class=\"legend\">Last " + HumanDuration(SecondsBetween(*from, to)) +
            ". <span class=\"k-cut\">dashed blue: cutover</span> <span "
            "class=\"k-alert\">red: alert fired</span></p>\n<div class=\"plots\">\n";
    for (const auto& d : defs) {
      const auto* p = h->Find(d.series, d.target);
      std::span<const SamplePoint> points;
      if (p != nullptr) points = std::span<const SamplePoint>(*p);
      double last = NAN, max = NAN;
      for (const auto& s : points) {
        if (!std::isfinite(s.value)) continue;
        last = s.value;
        max = std::isfinite(max) ? std::max(max, s.value) : s.value;
      }
      out_ += "<figure><figcaption>" + E(d.title) + " <b>" + FormatPlotValue(last, d.unit) +
              "</b> <span class=\"muted\">max " + FormatPlotValue(max, d.unit) +
              "</span></figcaption>";
      PlotSpec spec{d.title + ": now " + FormatPlotValue(last, d.unit) + ", max " +
                        FormatPlotValue(max, d.unit),
                    d.unit, *from, to, markers};
      out_ += RenderSvgPlot(spec, points) + "</figure>\n";
    }
    out_ += "</div>\n</section>\n";
  }

  void Coverage() {
    const json& coverage = Field(status_, "coverage");
    const json& daemon = Field(status_, "daemon");
    out_ += "<section aria-labelledby=\"h-cov\">\n<h2 id=\"h-cov\">Coverage</h2>\n<p>";
    double rules = Num(daemon, "rules").value_or(Num(coverage, "rules").value_or(0));
    out_ += "<b>" + Int(rules) + " rules</b> loaded";
    const json& files = Arr(coverage, "rule_files");
    if (!files.empty()) out_ += " from " + std::to_string(files.size()) + " rule files";
    const json& reloads = Field(daemon, "reloads");
    double ok = Num(reloads, "success").value_or(0), failed = Num(reloads, "failure").value_or(0);
    if (ok + failed == 0) {
      out_ += "; not reloaded since start";
    } else {
      out_ += "; reloads: " + Int(ok) + " succeeded, " + Int(failed) + " failed";
    }
    if (auto err = Str(daemon, "last_reload_error"); !err.empty()) {
      out_ += ". <span class=\"bad\">Last reload failed (the previous rules stay): " +
              HtmlEscapePrefix(err, 2048) + "</span>";
    }
    if (auto up = Num(daemon, "uptime_seconds")) out_ += ". Daemon up " + HumanDuration(*up);
    out_ += ".</p>\n";
    const json& blind = Arr(coverage, "blind_spots");
    if (!blind.empty()) {
      out_ += "<ul class=\"blind\">\n";
      size_t n = 0;
      for (const json& b : blind) {
        if (n++ == kMaxLogs) break;
        out_ += "<li>" + Badge("blind spot", "blind") + " <b>" + E(Str(b, "subject")) +
                "</b>: " + E(Str(b, "description")) + "</li>\n";
      }
      out_ += "</ul>\n";
    }
    Logs(coverage, Num(daemon, "uptime_seconds").value_or(0));
    Targets(coverage);
    out_ += "</section>\n";
  }

  void Logs(const json& coverage, double uptime) {
    const json& logs = Arr(status_, "logs");
    out_ += "<h3>Logs</h3>\n";
    if (logs.empty()) {
      out_ += "<p class=\"none\">No log is configured.</p>\n";
      return;
    }
    out_ +=
        "<div class=\"tw\"><table>\n<thead><tr><th scope=\"col\">Log</th><th "
        "scope=\"col\">Lag</th><th scope=\"col\">Records/min<br><small>since "
        "start</small></th><th scope=\"col\">Records</th><th scope=\"col\">Rotations</th><th "
        "scope=\"col\">Gaps</th><th scope=\"col\">Last record</th><th "
        "scope=\"col\">Problem</th></tr></thead>\n<tbody>\n";
    size_t n = 0;
    for (const json& l : logs) {
      if (n++ == kMaxLogs) break;
      std::string_view name = Str(l, "name");
      const json* cov = nullptr;
      for (const json& c : Arr(coverage, "logs")) {
        if (Str(c, "name") == name) cov = &c;
      }
      std::string_view problem = Str(l, "problem");
      if (problem.empty() && cov != nullptr) problem = Str(*cov, "problem");
      double records = Num(l, "records").value_or(0);
      out_ += "<tr><th scope=\"row\">" + E(name);
      if (cov != nullptr) {
        out_ += "<br><small class=\"muted\">" + E(Str(*cov, "path")) + " (" +
                E(Str(*cov, "format")) + ")</small>";
      }
      out_ +=
          "</th><td class=\"n\">" + Bytes(Num(l, "lag_bytes").value_or(0)) +
          "</td><td class=\"n\">" + (uptime >= 1 ? Fixed(records * 60 / uptime, 1) : "—") +
          "</td><td class=\"n\">" + Int(records) + "</td><td class=\"n\">" +
          Int(Num(l, "rotations").value_or(0) + Num(l, "truncations").value_or(0)) +
          "</td><td class=\"n\">" + Int(Num(l, "gap_events").value_or(0)) + "</td><td>" +
          TimeHtml(Str(l, "last_record_time"), now_) + "</td><td>" +
          (problem.empty() ? std::string("none")
                           : "<span class=\"bad\">" + HtmlEscapePrefix(problem, 1024) + "</span>") +
          "</td></tr>\n";
    }
    out_ += "</tbody></table></div>\n";
    if (logs.size() > kMaxLogs) out_ += More(logs.size() - kMaxLogs, "logs", "/api/v1/status");
  }

  void Targets(const json& coverage) {
    const json& targets = Arr(status_, "targets");
    out_ += "<h3>Targets</h3>\n";
    if (targets.empty()) {
      out_ += "<p class=\"none\">No target process is configured.</p>\n";
      return;
    }
    out_ +=
        "<div class=\"tw\"><table>\n<thead><tr><th scope=\"col\">Target</th><th "
        "scope=\"col\">Up</th><th scope=\"col\">PID</th><th scope=\"col\">Uptime</th><th "
        "scope=\"col\">Restarts</th><th scope=\"col\">CPU</th><th scope=\"col\">RSS</th><th "
        "scope=\"col\">Threads</th><th scope=\"col\">Open fds</th><th "
        "scope=\"col\">Problem</th></tr></thead>\n<tbody>\n";
    size_t n = 0;
    for (const json& t : targets) {
      if (n++ == kMaxLogs) break;
      std::string_view name = Str(t, "name");
      std::string problem;
      for (const json& c : Arr(coverage, "targets")) {
        if (Str(c, "name") == name) problem = Str(c, "problem");
      }
      for (const json& p : Arr(t, "problems")) {
        if (p.is_string() && !p.get_ref<const std::string&>().empty()) {
          problem += (problem.empty() ? "" : "; ") + p.get<std::string>();
        }
      }
      const bool up = Bool(t, "up");
      auto num = [&](const char* key, PlotUnit unit) {
        auto v = Num(t, key);
        return v ? FormatPlotValue(*v, unit) : std::string("—");
      };
      double restarts = Num(t, "restarts").value_or(0);
      out_ +=
          "<tr><th scope=\"row\">" + E(name) + "</th><td>" +
          (up ? std::string("up") : std::string("<span class=\"bad\">down</span>")) +
          "</td><td class=\"n\">" + num("pid", PlotUnit::kCount) + "</td><td class=\"n\">" +
          (Num(t, "uptime_seconds") ? HumanDuration(*Num(t, "uptime_seconds")) : "—") +
          "</td><td class=\"n\">" +
          (restarts > 0 ? "<span class=\"bad\">" + Int(restarts) + "</span>" : "0") +
          "</td><td class=\"n\">" + num("cpu_ratio", PlotUnit::kCoreRatio) +
          "</td><td class=\"n\">" + num("resident_memory_bytes", PlotUnit::kBytes) +
          "</td><td class=\"n\">" + num("threads", PlotUnit::kCount) + "</td><td class=\"n\">" +
          num("open_fds", PlotUnit::kCount) + "</td><td>" +
          (problem.empty() ? std::string("none")
                           : "<span class=\"bad\">" + HtmlEscapePrefix(problem, 1024) + "</span>") +
          "</td></tr>\n";
    }
    out_ += "</tbody></table></div>\n";
    if (targets.size() > kMaxLogs) {
      out_ += More(targets.size() - kMaxLogs, "targets", "/api/v1/status");
    }
  }

  const ApiSnapshot& snap_;
  const json& status_;
  WallTime now_;
  std::string_view verdict_;
  std::string out_;
};

constexpr std::string_view kStyle = R"CSS(
:root{--fg:#1b1f24;--muted:#59626d;--line:#d5d9de;--bg:#f4f5f7;--card:#fff;--red:#b3261e;--amber:#8a5a00;--green:#1e6b34;--blue:#1a5fb4}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
.top,main,footer{max-width:1240px;margin:0 auto;padding:0 16px}
.top{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:8px;padding-top:8px;font-size:13px;color:var(--muted)}
.top p{margin:0}
.stale{background:#fff3cd;color:#5c4400;border:1px solid #d9b44a;border-radius:4px;padding:2px 8px;font-weight:600}
.updated{margin:2px 0 6px;font-size:13px;color:var(--muted)}
.banner{border-radius:10px;padding:12px 20px 14px;margin:0 0 16px;color:#fff;background:#5f6368}
.v-continue{background:var(--green)}.v-investigate{background:#f2c14e;color:#1b1f24}.v-rollback{background:var(--red)}
.kicker{margin:0;font-size:13px;text-transform:uppercase;letter-spacing:.08em;opacity:.9}
.verdict-row{display:flex;align-items:center;gap:14px}
.glyph{font-size:44px;line-height:1}
#verdict{margin:0;font-size:54px;line-height:1.05;text-transform:uppercase;letter-spacing:.04em}
.summary{font-size:19px;font-weight:600;margin:6px 0 2px}
.meta{margin:0}
.banner .reasons-h{font-size:14px;text-transform:uppercase;letter-spacing:.06em;border:0;margin:8px 0 0;padding:0}
.reasons{margin:2px 0 0;padding-left:20px}
.reasons code{display:block;font-size:13px;opacity:.95;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.banner a{color:inherit}
.banner span.badge{border-color:currentColor;color:inherit}
section{margin:0 0 18px}
h2{font-size:19px;margin:0 0 8px;padding-bottom:3px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:10px 0 4px}
.count{font-weight:400;font-size:14px;color:var(--muted)}
.badge{display:inline-block;font-size:11.5px;font-weight:700;text-transform:uppercase;letter-spacing:.03em;border:1px solid;border-radius:3px;padding:0 5px;margin-right:4px;vertical-align:2px;color:var(--muted)}
.badge.critical,.badge.firing,.badge.new{color:var(--red)}.badge.warning,.badge.pending,.badge.regressed{color:var(--amber)}.badge.info{color:var(--blue)}
.alert{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--muted);border-radius:6px;padding:8px 12px;margin:0 0 8px}
.alert.critical{border-left-color:var(--red)}.alert.warning{border-left-color:#d08b00}.alert.info{border-left-color:var(--blue)}
.alert h3{margin:0}
.desc{margin:2px 0}
.facts{display:flex;flex-wrap:wrap;gap:0 20px;margin:4px 0}
.facts div{display:flex;gap:5px}.facts dt{color:var(--muted)}.facts dd{margin:0}
.labels,.detail{margin:2px 0;font-size:13px}
.ev{margin:4px 0;font-size:13.5px}
p.ev{overflow-wrap:anywhere}
summary{cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
details[open] summary{white-space:normal;overflow-wrap:anywhere}
code{font:13px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,monospace}
pre{margin:4px 0;padding:8px;background:#f3f4f6;border:1px solid var(--line);border-radius:4px;overflow:auto;max-height:24em;font:12.5px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,monospace}
.more,.none,.muted{color:var(--muted)}
.bad{color:var(--red);font-weight:600}
.legend{margin:0 0 6px;font-size:13px;color:var(--muted)}
.k-cut{border-left:3px dashed var(--blue);padding-left:5px;margin:0 10px 0 4px}.k-alert{border-left:2px solid var(--red);padding-left:5px}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:10px}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:6px 8px 2px}
figcaption{font-size:14px}
svg.plot{display:block;width:100%;height:auto}
.plot .line{fill:none;stroke:#24476b;stroke-width:1.6;stroke-linejoin:round}.plot .dot{fill:#24476b}
.plot .grid{stroke:#e6e8eb}.plot .axis{stroke:#a0a7af}
.plot .lbl{font-size:9.5px;fill:var(--muted)}
.plot .mk-cut{stroke:var(--blue);stroke-width:1.6;stroke-dasharray:4 3}.plot .mk-cut-lbl{fill:var(--blue)}
.plot .mk-alert{stroke:var(--red);stroke-width:1.2}
.tw{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:var(--card);font-size:14px}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line)}
thead th{font-size:12px;text-transform:uppercase;color:var(--muted);white-space:nowrap}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
footer{font-size:13px;color:var(--muted);padding-bottom:16px}
@media (min-width:1100px){.cols{display:grid;grid-template-columns:minmax(0,1fr) 400px;gap:0 20px}.col-side .plots{grid-template-columns:1fr;gap:8px}}
@media (max-width:640px){body{font-size:14px}#verdict{font-size:36px}.glyph{font-size:30px}.banner{padding:10px 12px}}
)CSS";

// The refresh script. Its SHA-256 is in kStatusPageCsp: change both together (the unit test
// prints the new hash).
constexpr std::string_view kScript = R"JS(
(function () {
  var d = document, root = d.documentElement, main = d.getElementById("main"),
      stale = d.getElementById("stale"), n = 0;
  root.setAttribute("data-live", "on");
  function tick() {
    var open = [];
    main.querySelectorAll("details[open][id]").forEach(function (e) { open.push(e.id); });
    fetch("?fragment=1", {cache: "no-store", headers: {Accept: "text/html"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        main.innerHTML = html;
        open.forEach(function (id) { var e = d.getElementById(id); if (e) e.open = true; });
        var b = main.querySelector("[data-title]");
        if (b) d.title = b.getAttribute("data-title");
        stale.hidden = true;
        root.setAttribute("data-refreshes", String(++n));
      })
      .catch(function () { stale.hidden = false; });
  }
  setInterval(tick, 5000);
})();
)JS";

}  // namespace

std::string_view StatusPageScript() { return kScript; }

std::string RenderStatusMain(const ApiSnapshot& snapshot, WallTime now) {
  return Renderer(snapshot, now).Main();
}

std::string RenderStatusPage(const ApiSnapshot& snapshot, WallTime now) {
  Renderer r(snapshot, now);
  std::string title = r.Title();
  std::string main = r.Main();
  std::string out;
  out.reserve(main.size() + kStyle.size() + kScript.size() + 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light\">\n<title>";
  out += HtmlEscape(title);
  out += "</title>\n<noscript><meta http-equiv=\"refresh\" content=\"10\"></noscript>\n<style>";
  out += kStyle;
  out +=
      "</style>\n</head>\n<body>\n<header class=\"top\"><p><b>cutover-guard</b> status page "
      "\xC2\xB7 read-only</p><p id=\"stale\" class=\"stale\" role=\"status\" hidden>Not "
      "updating: the daemon did not answer the last refresh. What you see may be old.</p>"
      "</header>\n<main id=\"main\">\n";
  out += main;
  out +=
      "</main>\n<footer><p>Refreshes every 5 s (every 10 s by reloading without JavaScript). "
      "The same data as JSON: <a href=\"/api/v1/status\">/api/v1/status</a>, <a "
      "href=\"/api/v1/alerts\">/api/v1/alerts</a>, <a href=\"/api/v1/signatures\">"
      "/api/v1/signatures</a>, <a href=\"/metrics\">/metrics</a>; <code>GET /</code> with "
      "<code>Accept: application/json</code> lists every endpoint.</p></footer>\n<script>";
  out += kScript;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

Reply StatusPageReply(const ApiSnapshot* snapshot, WallTime now, bool fragment) {
  Reply reply;
  ApiSnapshot starting;
  if (snapshot == nullptr) {
    starting.status = {{"recommendation", "unknown"},
                       {"summary", "The daemon is starting: no status has been published yet."}};
    snapshot = &starting;
    reply.status = 503;
  }
  reply.content_type = std::string(kHtmlContentType);
  reply.body = fragment ? RenderStatusMain(*snapshot, now) : RenderStatusPage(*snapshot, now);
  reply.headers = {{"Cache-Control", "no-store"},
                   {"Content-Security-Policy", std::string(kStatusPageCsp)},
                   {"X-Content-Type-Options", "nosniff"},
                   {"Referrer-Policy", "no-referrer"},
                   {"Vary", "Accept"}};
  return reply;
}

}  // namespace cg
