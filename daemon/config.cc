#include "daemon/config.h"

#include <re2/re2.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "base/fs.h"
#include "base/units.h"
#include "base/yaml_reader.h"
#include "rules/recommendation_config.h"

namespace cg {
namespace {

// Names double as Prometheus label values and file names in state_dir: keep them tame.
bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

// Remembers where `key`'s value was written (see Config::positions).
void RecordPos(MapReader& m, std::string_view key, const std::string& name, Config* cfg) {
  YAML::Node v = m.Get(key);
  YAML::Mark mark = v.IsDefined() && v.Mark().line >= 0 ? v.Mark() : m.mark();
  if (mark.line < 0) return;
  cfg->positions[name] = ConfigPos{mark.line + 1, mark.column + 1};
}

void CheckName(MapReader& m, const std::string& name, std::set<std::string>* seen) {
  if (name.empty()) return;  // Already reported as missing.
  if (!ValidName(name)) {
    m.ErrorAt("name",
              m.what() + ".name: \"" + name + "\" must be 1-64 characters of [A-Za-z0-9_.-]");
  } else if (!seen->insert(name).second) {
    m.ErrorAt("name", m.what() + ".name: duplicate name \"" + name + "\"");
  }
}

void CheckRegex(MapReader& m, std::string_view key, const std::string& pattern) {
  if (pattern.empty()) return;
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(pattern, opts);
  if (!re.ok()) {
    m.ErrorAt(key,
              m.what() + "." + std::string(key) + ": invalid regular expression: " + re.error());
  }
}

void CheckUrl(MapReader& m, std::string_view key, const std::string& url) {
  if (url.empty()) return;
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    m.ErrorAt(key, m.what() + "." + std::string(key) + ": \"" + url +
                       "\" must start with http:// or https://");
  }
}

void ReadTargets(YamlContext& ctx, const YAML::Node& node, const std::filesystem::path& dir,
                 Config* cfg) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    ctx.Error(node, "targets: expected a list, got " + DescribeNode(node));
    return;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    MapReader m(node[i], "targets[" + std::to_string(i) + "]", ctx);
    if (!m.valid()) continue;
    TargetSpec t;
    m.String("name", &t.name, /*required=*/true);
    CheckName(m, t.name, &seen);
    std::string pidfile;
    if (m.String("pidfile", &pidfile)) {
      t.pidfile = ResolveAgainst(dir, pidfile);
      RecordPos(m, "pidfile", "targets[" + std::to_string(i) + "].pidfile", cfg);
    }
    if (m.String("cmdline", &t.cmdline)) CheckRegex(m, "cmdline", t.cmdline);
    if (t.pidfile.empty() && t.cmdline.empty()) {
      ctx.Error(m.mark(), m.what() + ": needs a pidfile, a cmdline pattern, or both");
    }
    m.Finish();
    cfg->targets.push_back(std::move(t));
  }
}

void ReadLogs(YamlContext& ctx, const YAML::Node& node, const std::filesystem::path& dir,
              Config* cfg) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    ctx.Error(node, "logs: expected a list, got " + DescribeNode(node));
    return;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    MapReader m(node[i], "logs[" + std::to_string(i) + "]", ctx);
    if (!m.valid()) continue;
    LogSpec l;
    m.String("name", &l.name, /*required=*/true);
    CheckName(m, l.name, &seen);
    if (m.String("path", &l.path, /*required=*/true)) {
      l.path = ResolveAgainst(dir, l.path);
      RecordPos(m, "path", "logs[" + std::to_string(i) + "].path", cfg);
    }
    std::string text;
    if (m.Enum("format", LogFormatNames(), &text)) l.format = *ParseLogFormat(text);
    if (m.String("entry_start", &l.entry_start)) CheckRegex(m, "entry_start", l.entry_start);
    if (l.format == LogFormat::kCustom && l.entry_start.empty()) {
      m.ErrorAt("format", m.what() + ": format \"custom\" needs an entry_start regex");
    } else if (l.format != LogFormat::kCustom && !l.entry_start.empty()) {
      m.ErrorAt("entry_start", m.what() + ".entry_start: only used with format \"custom\"");
    }
    if (m.Enum("envelope", EnvelopeNames(), &text)) l.envelope = *ParseEnvelope(text);
    if (m.Enum("source_as", LogFormatNames(), &text)) {
      l.source_as = *ParseLogFormat(text);
      if (*l.source_as == LogFormat::kCustom) {
        m.ErrorAt("source_as", m.what() +
                                   ".source_as: name the WSO2 log this one is "
                                   "(wso2-carbon, wso2-errors, ...), not \"custom\"");
      }
    }
    if (m.Enum("start_at", StartAtNames(), &text)) l.start_at = *ParseStartAt(text);
    if (m.String("timezone", &text)) {
      auto tz = TimeZone::Parse(text);
      if (tz.ok()) {
        l.timezone = *tz;
      } else {
        m.ErrorAt("timezone", m.what() + ".timezone: " + tz.error().message());
      }
    }
    m.StringList("exclude", &l.exclude);
    m.Size("max_line", &l.max_line, 256);
    m.Duration("poll_interval", &l.poll_interval, milliseconds(50));
    m.Duration("flush_timeout", &l.flush_timeout, milliseconds(10));
    if (m.Duration("early_flush", &l.early_flush) && l.early_flush > l.flush_timeout) {
      m.ErrorAt("early_flush", m.what() + ".early_flush: must not exceed flush_timeout (" +
                                   FormatDuration(l.flush_timeout) + ")");
    }
    milliseconds silence{0};
    if (m.Duration("max_silence", &silence, milliseconds(1000))) l.max_silence = silence;
    m.Finish();
    cfg->logs.push_back(std::move(l));
  }
}

void ReadCutover(YamlContext& ctx, const YAML::Node& node, Config* cfg) {
  if (!node.IsDefined() || node.IsNull()) return;
  MapReader m(node, "cutover", ctx);
  if (!m.valid()) return;
  if (m.String("at", &cfg->cutover.at_text)) {
    auto civil = ParseCivilTime(cfg->cutover.at_text);
    if (!civil.ok()) {
      m.ErrorAt("at", "cutover.at: " + civil.error().message());
    } else {
      cfg->cutover.at = TimeZone::Local().ToWall(*civil);
    }
  }
  m.Duration("warmup", &cfg->cutover.warmup);
  m.Finish();
}

void ReadBaseline(YamlContext& ctx, const YAML::Node& node, const std::filesystem::path& dir,
                  Config* cfg) {
  if (!node.IsDefined() || node.IsNull()) return;
  MapReader m(node, "baseline", ctx);
  if (!m.valid()) return;
  std::string snapshot;
  if (m.String("snapshot", &snapshot) && !snapshot.empty()) {
    cfg->baseline.snapshot = ResolveAgainst(dir, snapshot);
    RecordPos(m, "snapshot", "baseline.snapshot", cfg);
  }
  m.Finish();
}

void ReadCoverage(YamlContext& ctx, const YAML::Node& node, Config* cfg) {
  if (!node.IsDefined() || node.IsNull()) return;
  MapReader m(node, "coverage", ctx);
  if (!m.valid()) return;
  m.Duration("grace", &cfg->coverage.grace);
  m.Finish();
}

void ReadAlerting(YamlContext& ctx, const YAML::Node& node, const std::filesystem::path& dir,
                  Config* cfg) {
  if (!node.IsDefined() || node.IsNull()) return;
  MapReader m(node, "alerting", ctx);
  if (!m.valid()) return;
  YAML::Node am = m.Get("alertmanager");
  if (am.IsDefined() && !am.IsNull()) {
    MapReader a(am, "alerting.alertmanager", ctx);
    if (a.valid()) {
      AlertmanagerConfig c;
      if (a.String("url", &c.url, /*required=*/true)) CheckUrl(a, "url", c.url);
      a.Duration("resend_interval", &c.resend_interval, milliseconds(1000));
      a.Duration("timeout", &c.timeout, milliseconds(100));
      a.Finish();
      cfg->alerting.alertmanager = std::move(c);
    }
  }
  YAML::Node hooks = m.Get("webhooks");
  if (hooks.IsDefined() && !hooks.IsNull()) {
    if (!hooks.IsSequence()) {
      ctx.Error(hooks, "alerting.webhooks: expected a list, got " + DescribeNode(hooks));
    } else {
      std::set<std::string> seen;
      for (size_t i = 0; i < hooks.size(); ++i) {
        MapReader w(hooks[i], "alerting.webhooks[" + std::to_string(i) + "]", ctx);
        if (!w.valid()) continue;
        WebhookConfig c;
        w.String("name", &c.name, /*required=*/true);
        CheckName(w, c.name, &seen);
        if (w.String("url", &c.url, /*required=*/true)) CheckUrl(w, "url", c.url);
        std::string secret;
        if (w.String("secret_file", &secret)) c.secret_file = ResolveAgainst(dir, secret);
        w.Duration("timeout", &c.timeout, milliseconds(100));
        w.Finish();
        cfg->alerting.webhooks.push_back(std::move(c));
      }
    }
  }
  m.Size("spool_max", &cfg->alerting.spool_max_bytes, 4096);
  m.Finish();
}

void ReadApi(YamlContext& ctx, const YAML::Node& node, const std::filesystem::path& dir,
             Config* cfg) {
  if (!node.IsDefined() || node.IsNull()) return;
  MapReader m(node, "api", ctx);
  if (!m.valid()) return;
  std::string token;
  if (m.String("token_file", &token)) {
    cfg->api.token_file = ResolveAgainst(dir, token);
    RecordPos(m, "token_file", "api.token_file", cfg);
  }
  m.Size("max_body", &cfg->api.max_body_bytes, 1024);
  m.Int("threads", &cfg->api.threads, 1, 64);
  m.Int("max_connections", &cfg->api.max_connections, 1, 100'000);
  m.Duration("head_timeout", &cfg->api.head_timeout, milliseconds(100));
  m.Duration("idle_timeout", &cfg->api.idle_timeout, milliseconds(100));
  m.Finish();
}

void ExpandRuleFiles(YamlContext& ctx, const YAML::Node& node, Config* cfg) {
  std::set<std::filesystem::path> paths;
  for (size_t i = 0; i < cfg->rule_files.size(); ++i) {
    const std::string& pattern = cfg->rule_files[i];
    // Point at the list item itself (a single string is accepted as a one-item list).
    const YAML::Mark at = node.IsSequence() ? node[i].Mark() : node.Mark();
    auto matched = ExpandGlob(pattern);
    if (!matched.ok()) {
      ctx.Error(at, "rule_files: " + matched.error().message());
      continue;
    }
    if (matched->empty()) {
      if (HasGlobMeta(pattern)) {
        // A drop-in directory may legitimately be empty (like Prometheus rule_files).
        cfg->warnings.Add(ctx.file(), 0, 0, "rule_files: \"" + pattern + "\" matches no file");
      } else {
        ctx.Error(at, "rule_files: \"" + pattern + "\" does not exist");
      }
      continue;
    }
    for (auto& p : *matched) {
      if (::access(p.c_str(), R_OK) != 0) {
        ctx.Error(at, "rule_files: \"" + p.string() + "\" is not readable");
        continue;
      }
      paths.insert(p);
    }
  }
  cfg->rule_paths.assign(paths.begin(), paths.end());
}

std::string DefaultInstance() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

}  // namespace

Result<Config, Diagnostics> ParseConfig(std::string_view text, const std::filesystem::path& name) {
  Diagnostics diags;
  YamlContext ctx(name.string(), &diags);
  Config cfg;
  cfg.source = name;
  const std::filesystem::path dir = name.parent_path();
  auto root = LoadYaml(text, ctx);
  if (!root) return diags;
  if (root->IsNull()) {
    ctx.Error(YAML::Mark::null_mark(), "the configuration is empty");
    return diags;
  }
  MapReader m(*root, "config", ctx);
  if (!m.valid()) return diags;

  m.String("instance", &cfg.instance);
  if (cfg.instance.empty()) cfg.instance = DefaultInstance();
  std::string listen;
  if (m.String("listen", &listen)) {
    auto hp = ParseHostPort(listen);
    if (hp.ok()) {
      cfg.listen = *hp;
    } else {
      m.ErrorAt("listen", "listen: " + hp.error().message());
    }
  }
  std::string s;
  if (m.String("state_dir", &s)) {
    cfg.state_dir = ResolveAgainst(dir, s);
    RecordPos(m, "state_dir", "state_dir", &cfg);
  }
  if (m.String("proc_root", &s)) cfg.proc_root = ResolveAgainst(dir, s);
  m.Duration("sample_interval", &cfg.sample_interval, milliseconds(100));
  m.Duration("history", &cfg.history, milliseconds(1000));
  m.Duration("checkpoint_interval", &cfg.checkpoint_interval, milliseconds(100));
  if (cfg.history < cfg.sample_interval) {
    m.ErrorAt("history", "history: must be at least one sample_interval");
  }
  ReadCutover(ctx, m.Get("cutover"), &cfg);
  ReadBaseline(ctx, m.Get("baseline"), dir, &cfg);
  ReadCoverage(ctx, m.Get("coverage"), &cfg);
  ReadTargets(ctx, m.Get("targets"), dir, &cfg);
  ReadLogs(ctx, m.Get("logs"), dir, &cfg);
  if (m.StringList("rule_files", &cfg.rule_files)) {
    RecordPos(m, "rule_files", "rule_files", &cfg);
    for (auto& r : cfg.rule_files) r = ResolveAgainst(dir, r).string();
    ExpandRuleFiles(ctx, m.Get("rule_files"), &cfg);
  }
  ReadAlerting(ctx, m.Get("alerting"), dir, &cfg);
  ReadApi(ctx, m.Get("api"), dir, &cfg);
  ReadRecommendationPolicy(m.Get("recommendation"), ctx, &cfg.recommendation);
  m.Finish();

  if (!diags.empty()) return diags;
  return cfg;
}

Result<Config, Diagnostics> LoadConfigFile(const std::filesystem::path& path) {
  auto text = ReadFile(path, kMaxConfigFileBytes);
  if (!text.ok()) {
    Diagnostics d;
    d.Add("", 0, 0, text.error().message());
    return d;
  }
  return ParseConfig(*text, path);
}

}  // namespace cg
