#include "daemon/init_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <set>

#include "base/fs.h"
#include "collectors/logs/layout_detect.h"
#include "daemon/config.h"

namespace cg {
namespace {

namespace fs = std::filesystem;

// A YAML scalar: plain when that is unambiguous, else single-quoted ('' for a quote).
std::string Yaml(std::string_view s) {
  bool plain = !s.empty() && (std::isalnum(static_cast<unsigned char>(s[0])) || s[0] == '/' ||
                              s[0] == '_' || s[0] == '.');
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("/._-*?+=@%,").find(c) != std::string_view::npos)) {
      plain = false;
    }
  }
  for (std::string_view word : {"true", "false", "null", "yes", "no", "on", "off", "~"}) {
    if (s == word) plain = false;
  }
  if (plain) return std::string(s);
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Escapes RE2 metacharacters (readably: '/' and '-' stay as they are).
std::string RegexLiteral(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.^$|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// "  key: value  # comment" (comment omitted when empty).
std::string Line(int indent, std::string_view key, const std::string& value,
                 const std::string& comment) {
  std::string l = std::string(static_cast<size_t>(indent), ' ') + std::string(key) + ": " + value;
  if (!comment.empty()) l += "  # " + comment;
  return l + "\n";
}

bool UnderHiddenHome(const fs::path& p) {
  const std::string s = p.string() + "/";
  return s.starts_with("/home/") || s.starts_with("/root/") || s.starts_with("/run/user/");
}

std::string GroupOf(const StatInfo& st) {
  return st.group_name.empty() ? std::to_string(st.gid) : st.group_name;
}
std::string ModeOf(const StatInfo& st) {
  char m[8];
  std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(st.mode & 07777));
  return m;
}
std::string OwnerOf(const StatInfo& st) {
  return st.owner_name.empty() ? std::to_string(st.uid) : st.owner_name;
}

std::string DropInCommand(const std::string& file, const std::string& body) {
  return "sudo mkdir -p " + std::string(kDropInDir) + " && printf '[Service]\\n" + body +
         "\\n' | sudo tee " + std::string(kDropInDir) + "/" + file +
         " >/dev/null && sudo systemctl daemon-reload";
}

// Everything `init` decided, for rendering.
struct Plan {
  ApimInstall install;
  std::string home_source;
  std::optional<ApimJvm> jvm;
  std::string cmdline;
  std::string cmdline_source;
  std::vector<std::string> rule_files;
  std::string rule_source;
  std::string state_dir, state_source;
  std::string token_file, token_source;
};

std::string Render(const Plan& p) {
  const ApimInstall& in = p.install;
  std::string y;
  y += "# cutover-guard configuration for the WSO2 API Manager at " + in.home.string() + ",\n";
  y += "# written by `cutover-guard init`. A value read from the install says where it came "
       "from;\n";
  y += "# the others are the defaults of the shipped configuration (packaging/config.yaml).\n";
  y += "# Every key is documented in README.md (\"Configuration reference\").\n";
  y += "# Validate changes with:  cutover-guard check-config --config FILE\n";
  y += "# Apply them without losing state:  systemctl reload cutover-guard\n";
  y += "#\n";
  y += "# APIM_HOME: " + in.home.string() + " (" + p.home_source + ")\n";
  y += "# product: WSO2 API Manager " +
       (in.version.version.empty() ? std::string("(version unknown)") : in.version.version) +
       " (from " + in.version.source + ")\n";
  if (in.role) {
    y += "# node role: " + in.role->role + " (from " + in.role->source + ")\n";
  } else {
    y += "# node role: not stated (no [server] server_role in repository/conf/deployment.toml, "
         "no -Dprofile)\n";
  }
  y += "# log layouts: from " + in.log_config + "\n";
  for (const auto& n : in.notes) y += "# note: " + n + "\n";
  y += "\n";
  y += "listen: \"127.0.0.1:9860\"            # HTTP API and /metrics\n";
  y += Line(0, "state_dir", Yaml(p.state_dir), p.state_source);
  y += "proc_root: /proc\n";
  y += "sample_interval: 1s\n";
  y += "history: 15m\n";
  y += "\n";
  y += "# The moment traffic moved to this environment. Set it here, or later with\n";
  y += "#   curl -X POST -H \"Authorization: Bearer $(cat " + p.token_file + ")\" \\\n";
  y += "#        http://127.0.0.1:9860/api/v1/cutover\n";
  y += "# cutover: {at: \"2026-11-25 02:00:00\", warmup: 5m}\n";
  y += "\n";
  y += "targets:\n";
  y += "  - name: wso2am\n";
  y += Line(4, "pidfile", Yaml((in.home / "wso2carbon.pid").string()),
            "from APIM_HOME: the WSO2 start script writes wso2carbon.pid there");
  y += Line(4, "cmdline", Yaml(p.cmdline), p.cmdline_source);
  y += "\n";
  y += "logs:\n";
  for (const DerivedLog& l : in.logs) {
    for (const auto& n : l.notes) y += "  # note: " + n + "\n";
    y += "  - name: " + l.name + "\n";
    y += Line(4, "path", Yaml(l.path), l.path_source);
    if (!l.exclude.empty()) {
      std::string list = "[";
      for (size_t i = 0; i < l.exclude.size(); ++i) {
        list += (i ? ", " : "") + std::string("'") + l.exclude[i] + "'";
      }
      y += Line(4, "exclude", list + "]", l.exclude_source);
    }
    y += Line(4, "format", std::string(LogFormatName(l.format)), l.format_source);
    if (l.format == LogFormat::kCustom) {
      y += Line(4, "entry_start", Yaml(l.entry_start), l.entry_start_source);
    }
    if (l.format == LogFormat::kCustom || l.format == LogFormat::kPlain) {
      // The pack's rules name WSO2 logs by their default layout: this log is still that one
      // (its name is the default log name of that layout).
      std::string as;
      for (const auto& name : LogFormatNames()) {
        const LogFormat f = *ParseLogFormat(name);
        if (f != LogFormat::kCustom && f != LogFormat::kPlain && DefaultLogName(f) == l.name) {
          as = name;
        }
      }
      if (!as.empty()) {
        y += Line(4, "source_as", as,
                  "the WSO2 log this is, so that the pack's rules for " + as + " read it");
      }
    }
    if (!l.timezone.empty()) y += Line(4, "timezone", Yaml(l.timezone), l.timezone_source);
    y += "    start_at: end\n";
  }
  y += "\n";
  y += "rule_files:  # " + p.rule_source + "\n";
  for (const auto& r : p.rule_files) y += "  - " + Yaml(r) + "\n";
  y += "\n";
  y += "alerting:\n";
  y += "  # alertmanager: {url: \"http://127.0.0.1:9093\", resend_interval: 1m}\n";
  y += "  webhooks: []\n";
  y += "\n";
  y += "api:\n";
  y += Line(2, "token_file", Yaml(p.token_file), p.token_source);
  return y;
}

}  // namespace

std::vector<std::string> AccessAdvice(const AccessFacts& f, const StatFn& stat) {
  std::vector<std::string> out;
  const std::string who = "user \"" + f.daemon_user.name + "\"";
  if (UnderHiddenHome(f.apim_home)) {
    out.push_back(f.apim_home.string() +
                  " is under /home, /root or /run/user, which the unit hides (ProtectHome=yes). "
                  "Let the daemon read it:\n    sudo install -D -m 0644 " +
                  std::string(kUnderHomeDropIn) + " " + kDropInDir +
                  "/10-wso2-under-home.conf && sudo systemctl daemon-reload");
  }

  // The log directory: every directory above it searchable, itself readable and searchable,
  // its files readable. When not, what the owning group and a few chmods would change.
  if (!f.log_dir.empty()) {
    StatInfo dir_st;
    int err = stat(f.log_dir, &dir_st);
    if (err != 0) {
      out.push_back("the log directory " + f.log_dir.string() + " cannot be examined (" +
                    std::strerror(err) + "): check it again once WSO2 has created it");
    } else {
      UserIdentity joined = f.daemon_user;
      joined.groups.push_back(dir_st.gid);
      std::vector<std::string> fixes;
      bool denied = false;
      // Directories above the log directory need search (x).
      fs::path walk;
      for (auto it = f.log_dir.begin(); it != f.log_dir.end(); ++it) {
        walk /= *it;
        StatInfo st;
        if (stat(walk, &st) != 0) continue;
        const bool last = walk == f.log_dir;
        const unsigned want = last ? (kMayRead | kMaySearch) : kMaySearch;
        if (ModeAllows(st, want, f.daemon_user)) continue;
        denied = true;
        if (ModeAllows(st, want, joined)) continue;
        const bool same_group = st.gid == dir_st.gid;
        const std::string bits = last ? "rx" : "x";
        fixes.push_back("sudo chmod " + std::string(same_group ? "g+" : "o+") + bits + " " +
                        walk.string() + "   # now mode " + ModeOf(st) + ", owner " + OwnerOf(st) +
                        ":" + GroupOf(st));
      }
      bool file_fix = false;
      for (const auto& file : f.log_files) {
        StatInfo st;
        if (stat(file, &st) != 0) continue;
        if (ModeAllows(st, kMayRead, f.daemon_user)) continue;
        denied = true;
        if (ModeAllows(st, kMayRead, joined)) continue;
        fixes.push_back("sudo chmod g+r " + file.string() + "   # owner " + OwnerOf(st) + ":" +
                        GroupOf(st));
        file_fix = true;
      }
      if (!denied) {
        // Nothing to do.
      } else {
        const std::string group = GroupOf(dir_st);
        std::string text = "the logs in " + f.log_dir.string() + " are not readable by " + who;
        text += f.daemon_user.InGroup(dir_st.gid)
                    ? " although it is in their group (" + group + "); let the group read them:"
                    : "; give it the group that owns them (" + group + "):";
        if (!f.daemon_user.InGroup(dir_st.gid)) {
          text += "\n    sudo usermod -aG " + group + " " + f.daemon_user.name;
          text += "\n    " + DropInCommand("20-wso2-group.conf", "SupplementaryGroups=" + group);
        }
        for (const auto& fix : fixes) text += "\n    " + fix;
        if (file_fix) {
          text +=
              "\n  and make WSO2 create its logs group-readable (umask 027 for the WSO2 user, "
              "or log4j2's filePermissions), or rotated files will be unreadable again";
        }
        out.push_back(text);
      }
    }
  }

  // Open-fd counts of a JVM of another user: /proc/PID/fd is readable only by its user.
  std::optional<uid_t> wso2_uid;
  std::string wso2_user, wso2_what;
  if (f.jvm && f.jvm->has_owner) {
    wso2_uid = f.jvm->uid;
    wso2_user = f.jvm->user.empty() ? "uid " + std::to_string(f.jvm->uid) : f.jvm->user;
    wso2_what =
        "The WSO2 JVM (pid " + std::to_string(f.jvm->pid) + ") runs as \"" + wso2_user + "\"";
  } else if (!f.log_dir.empty()) {
    StatInfo st;
    if (stat(f.log_dir, &st) == 0) {
      wso2_uid = st.uid;
      wso2_user = OwnerOf(st);
      wso2_what = "WSO2 is not running; its logs belong to \"" + wso2_user +
                  "\", so it presumably runs as that user";
    }
  }
  if (wso2_uid && *wso2_uid != f.daemon_user.uid && f.daemon_user.uid != 0) {
    out.push_back(wso2_what + ", not as " + who +
                  ": counting its open files (/proc/PID/fd) needs CAP_DAC_READ_SEARCH (or "
                  "CAP_SYS_PTRACE). Without it that one figure is unavailable and everything "
                  "else works. To grant both (the shipped drop-in also turns PrivateUsers off, "
                  "which would cancel them):\n    sudo install -D -m 0644 " +
                  std::string(kProcessFdsDropIn) + " " + kDropInDir +
                  "/30-process-fds.conf && sudo systemctl daemon-reload && sudo systemctl "
                  "restart cutover-guard");
  }
  return out;
}

int InitCommand(const InitOptions& o, std::ostream& out, std::ostream& err) {
  const pid_t self = o.self_pid != 0 ? o.self_pid : ::getpid();
  const bool to_stdout = o.out.empty() || o.out == "-";
  if (!to_stdout && !o.force) {
    std::error_code ec;
    if (fs::exists(o.out, ec)) {
      err << "init: " << o.out << " exists; use --force to replace it\n";
      return 1;
    }
  }

  Plan plan;
  // Where the install is: --apim-home, or the running JVM's -Dcarbon.home.
  auto jvms = FindApimJvms(o.proc_root, o.stat, self);
  fs::path home;
  if (o.apim_home.empty()) {
    if (!jvms.ok()) {
      err << "init: looking for the WSO2 JVM: " << jvms.error().message()
          << "\ninit: name the install with --apim-home DIR\n";
      return 1;
    }
    auto picked = PickApimJvm(*jvms, o.proc_root);
    if (!picked.ok()) {
      err << "init: " << picked.error().message() << "\n";
      return 1;
    }
    plan.jvm = *picked;
    home = picked->carbon_home;
    plan.home_source = "from the running JVM, pid " + std::to_string(picked->pid) +
                       ": -Dcarbon.home=" + picked->carbon_home_arg;
  } else {
    std::error_code ec;
    home = fs::absolute(o.apim_home, ec).lexically_normal();
    std::string h = home.string();
    while (h.size() > 1 && h.back() == '/') h.pop_back();
    home = h;
    plan.home_source = "from --apim-home";
    if (jvms.ok()) {
      for (const ApimJvm& j : *jvms) {
        std::error_code e1;
        if (j.carbon_home == home.string() ||
            (!j.carbon_home.empty() && fs::equivalent(j.carbon_home, home, e1) && !e1)) {
          plan.jvm = j;
          plan.home_source += "; running as pid " + std::to_string(j.pid);
          break;
        }
      }
    }
  }

  auto install = ReadApimInstall(home, plan.jvm ? plan.jvm->profile : "");
  if (!install.ok()) {
    for (const auto& e : install.error()) err << "init: " << e << "\n";
    err << "init: nothing written\n";
    return 1;
  }
  plan.install = std::move(install).value();

  // The target: WSO2's own main class; qualified by carbon.home when other installs run here.
  plan.cmdline = RegexLiteral(kBootstrapClass);
  plan.cmdline_source = "the WSO2 JVM's main class on its command line";
  if (jvms.ok()) {
    std::set<std::string> others;
    for (const ApimJvm& j : *jvms) {
      if (j.carbon_home != plan.install.home.string()) others.insert(j.carbon_home);
    }
    if (!others.empty()) {
      const std::string arg = plan.jvm ? plan.jvm->carbon_home_arg : plan.install.home.string();
      plan.cmdline = "-Dcarbon\\.home=" + RegexLiteral(arg) + "\\x00.*" + plan.cmdline;
      plan.cmdline_source =
          "the main class and this install's -Dcarbon.home: " + std::to_string(others.size()) +
          " other process(es) here run the WSO2 main class";
    }
  }
  // Paths from the command line are relative to where it ran, not to the config file.
  auto absolute = [](const std::string& p) {
    std::error_code ec;
    fs::path a = fs::absolute(p, ec);
    return ec ? p : a.lexically_normal().string();
  };
  for (const auto& r : o.rule_files) plan.rule_files.push_back(absolute(r));
  plan.rule_source = "from --rules";
  if (plan.rule_files.empty()) {
    plan.rule_files = {kInstalledRulePack, kLocalRules};
    plan.rule_source = "the installed WSO2 API Manager rule pack and your own rules";
  }
  plan.state_dir = o.state_dir.empty() ? kDefaultStateDir : absolute(o.state_dir);
  plan.state_source = o.state_dir.empty() ? "checkpoints and the alert spool" : "from --state-dir";
  plan.token_file = o.token_file.empty() ? kDefaultTokenFile : absolute(o.token_file);
  plan.token_source = o.token_file.empty() ? "bearer token for write endpoints (the package "
                                             "generates it)"
                                           : "from --token-file";

  const std::string text = Render(plan);
  // Never write a config `run` would refuse.
  const fs::path check_name = to_stdout ? fs::path("init-output.yaml") : fs::path(o.out);
  auto parsed = ParseConfig(text, check_name);
  if (!parsed.ok()) {
    err << "init: the generated configuration does not validate (a bug, or a bad --rules/"
           "--state-dir/--token-file):\n"
        << parsed.error().ToString() << "init: nothing written\n";
    return 1;
  }

  if (to_stdout) {
    out << text;
  } else {
    Status st = WriteFileAtomic(o.out, text);
    if (!st.ok()) {
      err << "init: " << st.message() << "\n";
      return 1;
    }
  }

  // What was found, then what to do.
  const ApimInstall& in = plan.install;
  err << "init: APIM_HOME " << in.home.string() << " (" << plan.home_source << ")\n";
  err << "init: WSO2 API Manager "
      << (in.version.version.empty() ? std::string("(version unknown)") : in.version.version)
      << " (from " << in.version.source << ")\n";
  if (in.role) err << "init: node role " << in.role->role << " (from " << in.role->source << ")\n";
  err << "init: logs from " << in.log_config << ":";
  for (const DerivedLog& l : in.logs) {
    err << "\n  " << l.name << ": " << l.path << " (" << LogFormatName(l.format) << ")";
  }
  err << "\n";
  for (const auto& n : in.notes) err << "init: note: " << n << "\n";
  for (const DerivedLog& l : in.logs) {
    for (const auto& n : l.notes) err << "init: note: " << l.name << ": " << n << "\n";
  }
  if (!to_stdout) err << "init: wrote " << o.out << "\n";
  err << "init: check it with:  cutover-guard check-config --config "
      << (to_stdout ? std::string("FILE") : o.out) << "\n";

  AccessFacts facts;
  facts.apim_home = in.home;
  facts.jvm = plan.jvm;
  if (!in.logs.empty()) facts.log_dir = fs::path(in.logs.front().file).parent_path();
  for (const DerivedLog& l : in.logs) {
    std::error_code ec;
    if (!l.file.empty() && fs::exists(l.file, ec)) facts.log_files.push_back(l.file);
  }
  auto user = o.lookup_user(o.daemon_user);
  if (user.ok()) {
    facts.daemon_user = *user;
  } else {
    // Not created yet (the package's postinst does): a system user in no other group.
    facts.daemon_user.name = o.daemon_user;
    facts.daemon_user.uid = static_cast<uid_t>(-2);
    facts.daemon_user.gid = static_cast<gid_t>(-2);
    facts.daemon_user_exists = false;
  }
  auto advice = AccessAdvice(facts, o.stat);
  err << "\nPermissions for this install (user \"" << facts.daemon_user.name << "\""
      << (facts.daemon_user_exists ? "" : ", not on this host yet: judged as a user in no group")
      << "):\n";
  if (advice.empty()) err << "  nothing to do\n";
  for (const auto& a : advice) err << "- " << a << "\n";
  return 0;
}

}  // namespace cg
