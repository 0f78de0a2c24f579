// `cutover-guard status|ack|cutover|reload`: the operator's side of the HTTP API
// (daemon/operator_client.h does the talking; this file turns answers into lines and exit
// codes).
#include <array>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/units.h"
#include "base/utf8.h"
#include "daemon/commands.h"
#include "daemon/http/api_backend.h"
#include "daemon/http/time_param.h"
#include "daemon/operator_client.h"
#include "rules/recommendation.h"

namespace cg {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// Exit codes of the write commands (README "Operator commands").
constexpr int kWriteOk = 0;
constexpr int kWriteFailed = 1;
constexpr int kWriteUsage = 2;
constexpr int kWriteUnreachable = 3;

// Rule names listed per severity on the one-line summary before "...".
constexpr size_t kRulesOnSummary = 3;
// The one-line summary is read by monitoring systems that keep a few hundred characters.
constexpr size_t kSummaryBytes = 400;

OperatorTarget TargetOf(const OperatorOptions& o) { return {o.config, o.url, o.token_file}; }

// A string member of a JSON object, printable ("" when absent or not a string).
std::string Str(const json& object, const char* key, size_t max_bytes = 512) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return PrintableText(it->get_ref<const std::string&>(), max_bytes);
}

// A non-negative integer member (0 when absent or of another type).
uint64_t Count(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer() && it->get<int64_t>() >= 0) return it->get<uint64_t>();
  return 0;
}

bool Flag(const json& object, const char* key) {
  if (!object.is_object()) return false;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

const json& Member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const json& ArrayMember(const json& object, const char* key) {
  static const json kEmpty = json::array();
  const json& v = Member(object, key);
  return v.is_array() ? v : kEmpty;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::string Plural(uint64_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// "12m30s" from seconds (whole seconds; whole minutes past an hour).
std::string Age(double seconds) {
  if (!(seconds >= 0) || seconds > 1e10) return "";
  auto ms = static_cast<int64_t>(seconds) * 1000;
  if (ms >= 3'600'000) ms -= ms % 60'000;
  return FormatDuration(milliseconds(ms));
}

// "2026-11-25T02:11:00.000Z (12m ago)"; the time as given when it does not parse.
std::string TimeAndAge(const json& value, WallTime now) {
  if (!value.is_string()) return "";
  const std::string text = PrintableText(value.get_ref<const std::string&>(), 64);
  auto t = ParseTimeParam(text, now);
  if (!t.ok() || *t > now) return text;
  std::string age = Age(std::chrono::duration<double>(now - *t).count());
  return age.empty() ? text : text + " (" + age + " ago)";
}

// The one-line summary of the monitoring plugin convention: no newline, no '|' (which starts
// performance data), bounded.
std::string SummaryText(std::string_view text) {
  std::string s = PrintableText(text, kSummaryBytes);
  for (char& c : s) {
    if (c == '|') c = '/';
  }
  return s;
}

// The summary after "<verdict>: " ("continue: no alert firing ..." -> "no alert firing ...").
std::string SummaryRest(const json& status, std::string_view verdict) {
  std::string summary = Str(status, "summary", kSummaryBytes);
  const std::string prefix = std::string(verdict) + ": ";
  if (summary.rfind(prefix, 0) == 0) summary.erase(0, prefix.size());
  return summary;
}

// "2 critical alerts firing: a, b; 1 warning alert firing: c" from the verdict's reasons.
std::string AlertReasonsLine(const json& reasons) {
  struct Group {
    uint64_t alerts = 0;
    std::vector<std::string> rules;  // Unique, in the reasons' order (most severe, oldest).
  };
  // Keyed by state then severity rank, most severe first.
  std::map<std::pair<int, int>, Group> groups;
  std::map<std::pair<int, int>, std::string> names;
  static const std::array<std::string_view, 3> kSeverities = {"critical", "warning", "info"};
  for (const json& r : reasons) {
    if (Str(r, "kind") != "alert") continue;
    const std::string severity = Str(r, "severity", 16);
    const std::string state = Str(r, "state", 16);
    int rank = static_cast<int>(kSeverities.size());
    for (size_t i = 0; i < kSeverities.size(); ++i) {
      if (kSeverities[i] == severity) rank = static_cast<int>(i);
    }
    const std::pair<int, int> key{state == "firing" ? 0 : 1, rank};
    Group& g = groups[key];
    names[key] = (severity.empty() ? "" : severity + " ") + "alert";
    ++g.alerts;
    std::string rule = Str(r, "rule", 128);
    bool known = false;
    for (const auto& x : g.rules) known = known || x == rule;
    if (!known) g.rules.push_back(std::move(rule));
  }
  std::string line;
  for (const auto& [key, g] : groups) {
    if (!line.empty()) line += "; ";
    line += Plural(g.alerts, names[key]) + (key.first == 0 ? " firing" : " pending");
    for (size_t i = 0; i < g.rules.size() && i < kRulesOnSummary; ++i) {
      line += (i == 0 ? ": " : ", ") + g.rules[i];
    }
    if (g.rules.size() > kRulesOnSummary) line += ", ...";
  }
  return line;
}

size_t BlindSpots(const json& status) {
  size_t n = 0;
  for (const json& r : ArrayMember(status, "reasons")) n += Str(r, "kind") == "coverage";
  return n;
}

// Line 1: "CUTOVER-GUARD ROLLBACK - 2 critical alerts firing: a, b | firing=2 ...".
std::string PluginLine(const json& status, Verdict verdict, WallTime now) {
  const std::string name(VerdictName(verdict));
  std::string text;
  if (verdict == Verdict::kRollback || verdict == Verdict::kInvestigate) {
    text = AlertReasonsLine(ArrayMember(status, "reasons"));
    if (text.empty()) text = SummaryRest(status, name);
    if (size_t spots = BlindSpots(status); spots > 0) text += "; " + Plural(spots, "blind spot");
  } else {
    text = SummaryRest(status, name);
    if (verdict == Verdict::kContinue) {
      const json& at = Member(Member(status, "cutover"), "at");
      if (at.is_string()) {
        auto t = ParseTimeParam(PrintableText(at.get_ref<const std::string&>(), 64), now);
        std::string age =
            t.ok() && *t <= now ? Age(std::chrono::duration<double>(now - *t).count()) : "";
        text += age.empty() ? "" : "; cutover " + age + " ago";
      } else {
        text += "; no cutover mark set";
      }
    }
  }
  if (text.empty()) text = "no summary";
  const json& alerts = Member(status, "alerts");
  const json& by_severity = Member(alerts, "firing_by_severity");
  std::string perf = "firing=" + std::to_string(Count(alerts, "firing")) +
                     " pending=" + std::to_string(Count(alerts, "pending"));
  for (const char* s : {"critical", "warning", "info"}) {
    perf += " " + std::string(s) + "=" + std::to_string(Count(by_severity, s));
  }
  perf += " blind_spots=" + std::to_string(BlindSpots(status));
  return "CUTOVER-GUARD " + Upper(name) + " - " + SummaryText(text) + " | " + perf;
}

std::string LabelsText(const json& labels) {
  if (!labels.is_object() || labels.empty()) return "";
  std::string out = "{";
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    if (out.size() > 1) out += ", ";
    out += PrintableText(it.key(), 64) + "=" +
           (it->is_string() ? PrintableText(it->get_ref<const std::string&>(), 128) : "?");
  }
  return out + "}";
}

void PrintReasons(const json& status, WallTime now, std::ostream& out) {
  const json& reasons = ArrayMember(status, "reasons");
  out << "\nReasons:";
  if (reasons.empty()) out << " none";
  out << "\n";
  for (const json& r : reasons) {
    if (Str(r, "kind") == "coverage") {
      out << "  blind spot " << Str(r, "subject", 128) << ": " << Str(r, "description")
          << ", since " << TimeAndAge(Member(r, "since"), now) << "\n";
      continue;
    }
    out << "  " << Str(r, "severity", 16) << " " << Str(r, "state", 16) << "  "
        << Str(r, "rule", 128);
    if (std::string labels = LabelsText(Member(r, "labels")); !labels.empty()) {
      out << " " << labels;
    }
    out << "  x" << Count(r, "count") << " since " << TimeAndAge(Member(r, "since"), now) << "\n";
    if (std::string d = Str(r, "description"); !d.empty()) out << "      " << d << "\n";
    if (std::string e = Str(r, "evidence"); !e.empty()) out << "      evidence: " << e << "\n";
  }
}

void PrintAlerts(const OperatorResult<json>& answer, WallTime now, std::ostream& out) {
  out << "\nAlerts (firing and pending):";
  if (!answer.ok()) {
    out << " not available: " << PrintableText(answer.error().message) << "\n";
    return;
  }
  const json& alerts = ArrayMember(*answer, "alerts");
  if (alerts.empty()) out << " none";
  out << "\n";
  for (const json& a : alerts) {
    const std::string state = Str(a, "state", 16);
    const json& since = Member(a, state == "pending" ? "pending_since" : "fired_at");
    out << "  " << Str(a, "severity", 16) << " " << state << "  " << Str(a, "rule", 128);
    if (std::string labels = LabelsText(Member(a, "labels")); !labels.empty()) {
      out << " " << labels;
    }
    out << "  count " << Count(a, "count") << "  since "
        << TimeAndAge(since.is_string() ? since : Member(a, "first_seen"), now) << "\n";
    out << "      id " << Str(a, "id", 64);
    if (Flag(a, "acked")) {
      out << "  acked " << TimeAndAge(Member(a, "acked_at"), now);
      if (std::string c = Str(a, "ack_comment", kMaxAckCommentBytes); !c.empty()) {
        out << ": \"" << c << "\"";
      }
    } else {
      out << "  not acked";
    }
    out << "\n";
  }
}

void PrintCoverage(const json& status, WallTime now, std::ostream& out) {
  const json& coverage = Member(status, "coverage");
  const json& host = Member(coverage, "host");
  out << "\nCoverage: " << Plural(Count(coverage, "rules"), "rule") << " loaded; host ";
  if (std::string p = Str(host, "problem"); !p.empty()) {
    out << "PROBLEM: " << p;
  } else {
    out << (Flag(host, "seen") ? "ok" : "not seen yet");
  }
  out << "\n";
  auto problem_line = [&](const json& item) {
    std::string line = "PROBLEM: " + Str(item, "problem");
    if (const json& since = Member(item, "problem_since"); since.is_string()) {
      line += ", since " + TimeAndAge(since, now);
    }
    return line;
  };
  for (const json& l : ArrayMember(coverage, "logs")) {
    out << "  log " << Str(l, "name", 64) << ": ";
    if (!Str(l, "problem").empty()) {
      out << problem_line(l);
    } else {
      out << (Flag(l, "seen") ? "ok" : "not seen") << ", " << Plural(Count(l, "records"), "record");
      if (const json& last = Member(l, "last_record_at"); last.is_string()) {
        out << ", last " << TimeAndAge(last, now);
      }
    }
    out << "  [" << Str(l, "path", 256) << "]\n";
  }
  for (const json& t : ArrayMember(coverage, "targets")) {
    const std::string name = Str(t, "name", 64);
    out << "  target " << name << ": ";
    if (!Str(t, "problem").empty()) {
      out << problem_line(t) << "\n";
      continue;
    }
    out << (Flag(t, "seen") ? "ok" : "not seen");
    // The process details, from status.targets.
    for (const json& s : ArrayMember(status, "targets")) {
      if (Str(s, "name", 64) != name) continue;
      if (const json& pid = Member(s, "pid"); pid.is_number_integer()) {
        out << ", pid " << pid.get<int64_t>();
      }
      out << ", " << Plural(Count(s, "restarts"), "restart");
    }
    out << "\n";
  }
}

void PrintStatusText(const json& status, Verdict verdict, const OperatorResult<json>& alerts,
                     const std::string& url, std::ostream& out) {
  const WallTime now = RealClock().Now();
  out << PluginLine(status, verdict, now) << "\n";
  out << "Recommendation: " << Upper(VerdictName(verdict)) << " since "
      << TimeAndAge(Member(status, "since"), now) << "\n";
  if (std::string s = Str(status, "summary", 2048); !s.empty()) out << "  " << s << "\n";
  const json& cutover = Member(status, "cutover");
  out << "Cutover mark: ";
  if (Member(cutover, "at").is_string()) {
    out << TimeAndAge(Member(cutover, "at"), now);
  } else {
    out << "not set";
  }
  out << "\n";
  const json& daemon = Member(status, "daemon");
  out << "Daemon: cutover-guard " << Str(daemon, "version", 64) << " at " << url;
  if (std::string instance = Str(daemon, "instance", 128); !instance.empty()) {
    out << " (instance " << instance << ")";
  }
  if (const json& up = Member(daemon, "uptime_seconds"); up.is_number()) {
    out << ", up " << Age(up.get<double>());
  }
  out << (Flag(daemon, "ready") ? ", ready" : ", NOT READY") << "\n";
  PrintReasons(status, now, out);
  PrintAlerts(alerts, now, out);
  PrintCoverage(status, now, out);
}

// Prints a failed write's reason and returns its exit code.
int WriteFailure(std::string_view command, const OperatorError& e, std::ostream& err) {
  err << "cutover-guard " << command << ": " << PrintableText(e.message, 64 * 1024, true) << "\n";
  return e.kind == OperatorError::Kind::kUnreachable ? kWriteUnreachable : kWriteFailed;
}

// Resolves the endpoint, reads the token and POSTs `body` to `path`.
OperatorResult<json> Write(const OperatorOptions& target, const std::string& path,
                           const json& body) {
  auto ep = ResolveOperatorEndpoint(TargetOf(target), /*need_token=*/true);
  if (!ep.ok()) return ep.error();
  auto token = ReadOperatorToken(ep->token_file, ep->config_file);
  if (!token.ok()) return token.error();
  return OperatorClient(ep->url).PostJson(path, body, *token);
}

// An alert id as it may appear in a URL path: the daemon's are 16 hex digits.
bool ValidAlertId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return id != "." && id != "..";
}

// The checks the ack endpoint makes, made first so a mistake is a usage error with a clear
// message ("" = fine).
std::string CommentProblem(std::string_view comment) {
  if (comment.size() > kMaxAckCommentBytes) {
    return "--comment is " + std::to_string(comment.size()) + " bytes; at most " +
           std::to_string(kMaxAckCommentBytes);
  }
  if (!IsValidUtf8(comment)) return "--comment is not valid UTF-8";
  for (size_t i = 0; i < comment.size(); ++i) {
    const auto ch = static_cast<unsigned char>(comment[i]);
    const bool c1 =
        ch == 0xc2 && i + 1 < comment.size() && static_cast<unsigned char>(comment[i + 1]) < 0xa0;
    if (ch < 0x20 || ch == 0x7f || c1)
      return "--comment must be one line without control characters";
  }
  return "";
}

}  // namespace

int StatusCommand(const StatusOptions& opts, std::ostream& out, std::ostream& err) {
  const bool as_json = opts.output_format == "json";
  const int unknown = VerdictExitCode(Verdict::kUnknown);
  auto fail = [&](const std::string& why) {
    if (as_json) {
      out << json{{"recommendation", "unknown"}, {"error", why}}.dump(
                 2, ' ', false, json::error_handler_t::replace)
          << "\n";
      err << "cutover-guard status: " << PrintableText(why, 64 * 1024, true) << "\n";
      return unknown;
    }
    // The whole reason on line 1 when it fits; else its start there and all of it below.
    std::string flat = why;
    for (size_t at = flat.find('\n'); at != std::string::npos; at = flat.find('\n', at)) {
      flat.replace(at, 1, "; ");
    }
    const std::string line = SummaryText(flat);
    out << "CUTOVER-GUARD UNKNOWN - " << line << "\n";
    if (line.size() < flat.size()) out << PrintableText(why, 64 * 1024, true) << "\n";
    return unknown;
  };
  auto ep = ResolveOperatorEndpoint(TargetOf(opts.target), /*need_token=*/false);
  if (!ep.ok()) return fail(ep.error().message);
  OperatorClient client(ep->url);
  auto status = client.GetJson("/api/v1/status");
  if (!status.ok()) {
    const OperatorError& e = status.error();
    return fail(e.kind == OperatorError::Kind::kHttp
                    ? client.base_url() + "/api/v1/status: " + e.message
                    : e.message);
  }
  const json& rec = Member(*status, "recommendation");
  std::optional<Verdict> verdict;
  if (rec.is_string()) verdict = ParseVerdict(rec.get_ref<const std::string&>());
  if (!verdict) {
    return fail(client.base_url() +
                "/api/v1/status has no recommendation (is this cutover-guard's API?)");
  }
  if (as_json) {
    out << status->dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return VerdictExitCode(*verdict);
  }
  // The alerts add the ack state (and comments) the verdict's reasons do not carry; without
  // them the summary still stands.
  auto alerts = client.GetJson("/api/v1/alerts?state=firing,pending");
  PrintStatusText(*status, *verdict, alerts, client.base_url(), out);
  return VerdictExitCode(*verdict);
}

int AckCommand(const AckOptions& opts, std::ostream& out, std::ostream& err) {
  if (!ValidAlertId(opts.id)) {
    err << "cutover-guard ack: \"" << PrintableText(opts.id, 128)
        << "\" is not an alert id (16 hex digits, as `cutover-guard status` lists them)\n";
    return kWriteUsage;
  }
  if (std::string problem = CommentProblem(opts.comment); !problem.empty()) {
    err << "cutover-guard ack: " << problem << "\n";
    return kWriteUsage;
  }
  // No comment: no body, as older clients send.
  const json body = opts.comment.empty() ? json() : json{{"comment", opts.comment}};
  auto answer = Write(opts.target, "/api/v1/alerts/" + opts.id + "/ack", body);
  if (!answer.ok()) return WriteFailure("ack", answer.error(), err);
  out << "acknowledged alert " << opts.id;
  if (!opts.comment.empty()) out << ": \"" << opts.comment << "\"";
  out << "\n";
  return kWriteOk;
}

int CutoverCommand(const CutoverOptions& opts, std::ostream& out, std::ostream& err) {
  json body;  // Null: no body, the mark is "now" on the daemon's clock.
  if (!opts.at.empty()) {
    // Checked here for a usage error; the daemon parses it again (a zone-less time is its
    // local time, as `cutover.at` in the config).
    auto t = ParseTimeParam(opts.at, RealClock().Now());
    if (!t.ok()) {
      err << "cutover-guard cutover: --at: " << PrintableText(t.error().message())
          << " (e.g. --at \"2026-11-25 02:00:00\")\n";
      return kWriteUsage;
    }
    body = json{{"at", opts.at}};
  }
  auto answer = Write(opts.target, "/api/v1/cutover", body);
  if (!answer.ok()) return WriteFailure("cutover", answer.error(), err);
  out << "cutover mark set to " << Str(*answer, "cutover", 64) << "\n";
  return kWriteOk;
}

int ReloadCommand(const ReloadOptions& opts, std::ostream& out, std::ostream& err) {
  auto answer = Write(opts.target, "/-/reload", json());
  if (!answer.ok()) return WriteFailure("reload", answer.error(), err);
  out << "reloaded: " << Plural(Count(*answer, "rules"), "rule") << ", "
      << Plural(Count(*answer, "logs"), "log") << ", "
      << Plural(Count(*answer, "targets"), "target") << "\n";
  return kWriteOk;
}

}  // namespace cg
