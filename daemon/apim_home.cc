#include "daemon/apim_home.h"

#include <fnmatch.h>
#include <re2/re2.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <set>

#include "base/fs.h"
#include "collectors/logs/record_format.h"
#include "collectors/proc/discovery.h"
#include "collectors/proc/proc_file.h"
#include "daemon/log4j_pattern.h"

namespace cg {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxSmallFile = 64 * 1024;

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// An absolute, lexically normal path without a trailing slash.
fs::path Clean(const fs::path& p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::vector<std::string> SplitCmdline(std::string_view cmdline) {
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t i = 0; i <= cmdline.size(); ++i) {
    if (i == cmdline.size() || cmdline[i] == '\0') {
      if (i > start || i < cmdline.size()) args.emplace_back(cmdline.substr(start, i - start));
      start = i + 1;
    }
  }
  if (!args.empty() && args.back().empty()) args.pop_back();
  return args;
}

std::string ReadLink(int dir_fd, const std::string& relative) {
  char buf[PATH_MAX];
  ssize_t n = ::readlinkat(dir_fd, relative.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

Result<std::vector<ApimJvm>> FindApimJvms(const fs::path& proc_root, const StatFn& stat,
                                          pid_t self) {
  auto root = proc::ProcRoot::Open(proc_root);
  if (!root.ok()) return root.error();
  proc::ProcessScan scan(root->get(), self);
  const auto& processes = scan.Processes();
  if (scan.list_error() != 0) {
    return Status::Error("cannot list " + proc_root.string() + ": " +
                         std::strerror(scan.list_error()));
  }
  std::vector<ApimJvm> out;
  for (const auto& p : processes) {
    std::vector<std::string> args = SplitCmdline(p.cmdline);
    if (std::find(args.begin(), args.end(), kBootstrapClass) == args.end()) continue;
    ApimJvm jvm;
    jvm.pid = p.pid;
    for (const std::string& a : args) {
      if (a.starts_with("-Dcarbon.home=")) jvm.carbon_home_arg = a.substr(14);
      if (a.starts_with("-Dprofile=")) jvm.profile = a.substr(10);
    }
    if (!jvm.carbon_home_arg.empty()) {
      fs::path home = jvm.carbon_home_arg;
      if (home.is_relative()) {
        // The start scripts cd to CARBON_HOME; a relative value is relative to the JVM's cwd.
        std::string cwd = ReadLink((*root)->fd(), std::to_string(p.pid) + "/cwd");
        home = cwd.empty() ? fs::path() : fs::path(cwd) / home;
      }
      if (!home.empty()) jvm.carbon_home = Clean(home).string();
    }
    StatInfo st;
    if (stat(proc_root / std::to_string(p.pid), &st) == 0) {
      jvm.has_owner = true;
      jvm.uid = st.uid;
      jvm.user = st.owner_name;
    }
    out.push_back(std::move(jvm));
  }
  std::sort(out.begin(), out.end(),
            [](const ApimJvm& a, const ApimJvm& b) { return a.pid < b.pid; });
  return out;
}

Result<ApimJvm> PickApimJvm(const std::vector<ApimJvm>& jvms, const fs::path& root) {
  auto describe = [](const ApimJvm& j) {
    std::string s = "pid " + std::to_string(j.pid);
    if (j.has_owner) s += " (user " + (j.user.empty() ? std::to_string(j.uid) : j.user) + ")";
    if (j.carbon_home_arg.empty()) return s + ": no -Dcarbon.home on its command line";
    s += ": -Dcarbon.home=" + j.carbon_home_arg;
    if (j.carbon_home.empty()) s += " (relative, and the process's cwd cannot be read)";
    return s;
  };
  if (jvms.empty()) {
    return Status::Error("no running WSO2 JVM found: no process under " + root.string() + " runs " +
                         std::string(kBootstrapClass) +
                         "; start WSO2, or name the install with --apim-home DIR");
  }
  // A process that names the main class without -Dcarbon.home is not a Carbon JVM the start
  // scripts made (a wrapper, a simulator): it only counts when nothing else runs.
  std::vector<const ApimJvm*> homed;
  for (const ApimJvm& j : jvms) {
    if (!j.carbon_home_arg.empty()) homed.push_back(&j);
  }
  std::set<std::string> homes;
  for (const ApimJvm* j : homed) homes.insert(j->carbon_home);
  if (homes.size() == 1 && !homes.begin()->empty()) return *homed.front();
  std::string msg = homes.size() <= 1
                        ? "the WSO2 JVM does not say where its install is:"
                        : "several WSO2 installs are running; name one with --apim-home DIR:";
  for (const ApimJvm& j : jvms) msg += "\n  " + describe(j);
  return Status::Error(msg);
}

std::map<std::string, std::string> ParseJavaProperties(std::string_view text) {
  std::map<std::string, std::string> out;
  // Logical lines: a line ending in an odd number of backslashes continues on the next one,
  // whose leading blanks are dropped.
  std::vector<std::string> lines;
  {
    std::string current;
    bool continuing = false;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t eol = text.find('\n', pos);
      if (eol == std::string_view::npos) eol = text.size();
      std::string_view raw = text.substr(pos, eol - pos);
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      if (continuing) {
        size_t b = 0;
        while (b < raw.size() && (raw[b] == ' ' || raw[b] == '\t' || raw[b] == '\f')) ++b;
        raw.remove_prefix(b);
      } else {
        size_t b = 0;
        while (b < raw.size() && (raw[b] == ' ' || raw[b] == '\t' || raw[b] == '\f')) ++b;
        if (b < raw.size() && (raw[b] == '#' || raw[b] == '!')) {
          pos = eol + 1;
          continue;
        }
      }
      size_t backslashes = 0;
      while (backslashes < raw.size() && raw[raw.size() - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 1) {
        current += raw.substr(0, raw.size() - 1);
        continuing = true;
      } else {
        current += raw;
        lines.push_back(std::move(current));
        current.clear();
        continuing = false;
      }
      pos = eol + 1;
    }
    if (!current.empty()) lines.push_back(std::move(current));
  }
  auto unescape = [](std::string_view s) {
    std::string r;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\' || i + 1 >= s.size()) {
        r += s[i];
        continue;
      }
      const char c = s[++i];
      switch (c) {
        case 't':
          r += '\t';
          break;
        case 'n':
          r += '\n';
          break;
        case 'r':
          r += '\r';
          break;
        case 'f':
          r += '\f';
          break;
        case 'u': {
          unsigned v = 0;
          size_t j = i + 1;
          for (; j < s.size() && j < i + 5 && std::isxdigit(static_cast<unsigned char>(s[j]));
               ++j) {
            v = v * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(s[j]))
                                                   ? s[j] - '0'
                                                   : (std::tolower(s[j]) - 'a' + 10));
          }
          i = j - 1;
          if (v < 0x80) {
            r += static_cast<char>(v);
          } else if (v < 0x800) {
            r += static_cast<char>(0xC0 | (v >> 6));
            r += static_cast<char>(0x80 | (v & 0x3F));
          } else {
            r += static_cast<char>(0xE0 | (v >> 12));
            r += static_cast<char>(0x80 | ((v >> 6) & 0x3F));
            r += static_cast<char>(0x80 | (v & 0x3F));
          }
          break;
        }
        default:
          r += c;
      }
    }
    return r;
  };
  for (const std::string& line : lines) {
    size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f')) ++i;
    if (i >= line.size()) continue;
    size_t k = i;
    for (; k < line.size(); ++k) {
      const char c = line[k];
      if (c == '\\') {
        ++k;
        continue;
      }
      if (c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f') break;
    }
    std::string key = unescape(std::string_view(line).substr(i, k - i));
    size_t v = k;
    while (v < line.size() && (line[v] == ' ' || line[v] == '\t' || line[v] == '\f')) ++v;
    if (v < line.size() && (line[v] == '=' || line[v] == ':')) ++v;
    while (v < line.size() && (line[v] == ' ' || line[v] == '\t' || line[v] == '\f')) ++v;
    out[key] = unescape(std::string_view(line).substr(v));
  }
  return out;
}

std::optional<std::string> TomlValue(std::string_view text, std::string_view section,
                                     std::string_view key) {
  std::string current;
  int array_depth = 0;          // Inside a multi-line array value.
  std::string multiline_close;  // Inside a multi-line string: its closing quotes.
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string line = Trim(text.substr(pos, eol - pos));
    pos = eol + 1;
    if (!multiline_close.empty()) {
      if (line.find(multiline_close) != std::string::npos) multiline_close.clear();
      continue;
    }
    if (array_depth > 0) {
      for (char c : line) array_depth += c == '[' ? 1 : c == ']' ? -1 : 0;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      std::string name = line.substr(line.starts_with("[[") ? 2 : 1);
      name = name.substr(0, name.find(']'));
      current = Trim(name);
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = Trim(std::string_view(line).substr(0, eq));
    if (k.size() >= 2 && (k[0] == '"' || k[0] == '\'') && k.back() == k[0]) {
      k = k.substr(1, k.size() - 2);
    }
    std::string v = Trim(std::string_view(line).substr(eq + 1));
    if (v.starts_with("\"\"\"") || v.starts_with("'''")) {
      const std::string close = v.substr(0, 3);
      if (v.find(close, 3) == std::string::npos) multiline_close = close;
      continue;  // Multi-line strings are not needed here.
    }
    if (v.starts_with("[")) {
      for (char c : v) array_depth += c == '[' ? 1 : c == ']' ? -1 : 0;
      continue;
    }
    if (current != section || k != key) continue;
    if (!v.empty() && (v[0] == '"' || v[0] == '\'')) {
      const char q = v[0];
      std::string r;
      for (size_t i = 1; i < v.size(); ++i) {
        if (v[i] == q) return r;
        if (q == '"' && v[i] == '\\' && i + 1 < v.size()) {
          const char c = v[++i];
          r += c == 'n' ? '\n' : c == 't' ? '\t' : c;
          continue;
        }
        r += v[i];
      }
      return r;
    }
    size_t hash = v.find('#');
    return Trim(std::string_view(v).substr(0, hash));
  }
  return std::nullopt;
}

ProductVersion ReadProductVersion(const fs::path& home) {
  if (auto text = ReadFile(home / "updates/product.txt", kMaxSmallFile); text.ok()) {
    std::string t = Trim(*text);
    std::string version;
    if (RE2::PartialMatch(t, R"(^[0-9A-Za-z-]+-(\d+\.\d+\.\d+)\b)", &version)) {
      return {version, "updates/product.txt (\"" + t + "\")"};
    }
  }
  if (auto text = ReadFile(home / "bin/version.txt", kMaxSmallFile); text.ok()) {
    std::string first = Trim(std::string_view(*text).substr(0, text->find('\n')));
    std::string version;
    if (RE2::PartialMatch(first, R"((\d+\.\d+\.\d+))", &version)) {
      return {version, "bin/version.txt (\"" + first + "\")"};
    }
  }
  const std::string dir = Clean(home).filename().string();
  std::string version;
  if (RE2::PartialMatch(dir, R"(^wso2am-(\d+\.\d+\.\d+))", &version)) {
    return {version, "the directory name " + dir};
  }
  return {"", "not in updates/product.txt, bin/version.txt or the directory name"};
}

std::optional<NodeRole> ReadNodeRole(const fs::path& home, std::string_view profile) {
  if (auto text = ReadFile(home / "repository/conf/deployment.toml", kMaxConfigFileBytes);
      text.ok()) {
    for (const char* key : {"server_role", "profile"}) {
      if (auto v = TomlValue(*text, "server", key); v && !v->empty()) {
        return NodeRole{*v, std::string("repository/conf/deployment.toml: [server] ") + key};
      }
    }
  }
  if (!profile.empty()) return NodeRole{std::string(profile), "the JVM's -Dprofile"};
  return std::nullopt;
}

namespace {

// --- Log files from the log4j configuration --------------------------------------------------

// A file appender as the log4j configuration defines it, paths resolved.
struct FileAppender {
  std::string id;            // The key part: appender.<id>. / log4j.appender.<id>
  std::string name;          // What loggers refer to.
  std::string type;          // RollingFile, File, ... / the log4j 1.2 class
  std::string file;          // Absolute, or "" when it could not be resolved.
  std::string file_key;      // "appender.X.fileName"
  std::string file_pattern;  // Rotated names (file name part, log4j 2 syntax); "" = none.
  std::string file_pattern_dir;
  std::string rotation_key;   // Where the rotation came from ("appender.X.filePattern").
  std::string rotation_desc;  // "appender.X.filePattern (rotated to wso2carbon-%d{...}.log)"
  std::string layout_type;
  std::string pattern;
  std::string pattern_key;
  bool has_pattern = false;
  std::string tenant_pattern;
  bool referenced = true;  // Some logger writes to it.
  std::vector<std::string> notes;
};

// What a log4j configuration substitutes for ${...}.
struct Substituter {
  const std::map<std::string, std::string>* props;
  std::string home;
  bool log4j1 = false;

  // Returns the value with its variables replaced; *unresolved lists those left as written.
  std::string Apply(std::string_view value, std::vector<std::string>* unresolved,
                    std::vector<std::string>* emptied, int depth = 0) const {
    std::string out;
    size_t i = 0;
    while (i < value.size()) {
      if (value.compare(i, 3, "$${") == 0) {  // log4j 2: an escaped lookup.
        out += "${";
        i += 3;
        continue;
      }
      if (value.compare(i, 2, "${") != 0) {
        out += value[i++];
        continue;
      }
      size_t end = value.find('}', i + 2);
      if (end == std::string_view::npos) {
        out += value.substr(i);
        break;
      }
      std::string key(value.substr(i + 2, end - i - 2));
      std::string lookup = key;
      std::string fallback;
      bool has_fallback = false;
      if (size_t dash = key.find(":-"); !log4j1 && dash != std::string::npos) {
        fallback = key.substr(dash + 2);
        lookup = key.substr(0, dash);
        has_fallback = true;
      }
      if (lookup == "sys:carbon.home" || lookup == "carbon.home") {
        out += home;
      } else if (!log4j1 && props->count("property." + lookup) && depth < 8) {
        out += Apply(props->at("property." + lookup), unresolved, emptied, depth + 1);
      } else if (log4j1 && props->count(lookup) && depth < 8) {
        out += Apply(props->at(lookup), unresolved, emptied, depth + 1);
      } else if (has_fallback) {
        out += fallback;
      } else if (log4j1) {
        emptied->push_back("${" + key + "}");  // log4j 1.2 substitutes an unset property with "".
      } else {
        unresolved->push_back("${" + key + "}");
        out += "${" + key + "}";
      }
      i = end + 1;
    }
    return out;
  }
};

std::string Resolve(const std::string& home, const std::string& path) {
  if (path.empty()) return "";
  fs::path p = path;
  if (p.is_relative()) p = fs::path(home) / p;  // The start scripts run the JVM in CARBON_HOME.
  return Clean(p).string();
}

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string_view::npos) comma = s.size();
    std::string item = Trim(s.substr(pos, comma - pos));
    if (!item.empty()) out.push_back(item);
    pos = comma + 1;
  }
  return out;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::vector<FileAppender> Log4j2Appenders(const std::map<std::string, std::string>& props,
                                          const Substituter& subst) {
  std::set<std::string> ids;
  for (const auto& [key, value] : props) {
    if (!key.starts_with("appender.")) continue;
    size_t dot = key.find('.', 9);
    if (dot != std::string::npos) ids.insert(key.substr(9, dot - 9));
  }
  // Appender names some logger refers to: rootLogger.appenderRef.X.ref, logger.Y.appenderRef.Z.ref,
  // or the short form "rootLogger = INFO, A, B" (log4j 2.17+).
  std::set<std::string> refs;
  for (const auto& [key, value] : props) {
    if (key.find(".appenderRef.") != std::string::npos && key.ends_with(".ref")) {
      refs.insert(Trim(value));
    }
    if (key == "rootLogger" ||
        (key.starts_with("logger.") && key.find('.', 7) == std::string::npos)) {
      auto items = SplitList(value);
      for (size_t i = 1; i < items.size(); ++i) refs.insert(items[i]);
    }
  }
  std::set<std::string> listed;
  auto listed_it = props.find("appenders");
  if (listed_it != props.end()) {
    for (auto& a : SplitList(listed_it->second)) listed.insert(a);
  }
  std::vector<FileAppender> out;
  for (const std::string& id : ids) {
    auto get = [&](const std::string& k) -> std::string {
      auto it = props.find("appender." + id + "." + k);
      return it == props.end() ? "" : Trim(it->second);
    };
    FileAppender a;
    a.id = id;
    a.name = get("name").empty() ? id : get("name");
    a.type = get("type");
    std::string file_name = get("fileName");
    if (file_name.empty()) continue;  // Not a file appender.
    a.file_key = "appender." + id + ".fileName";
    std::vector<std::string> unresolved, emptied;
    a.file = Resolve(subst.home, subst.Apply(file_name, &unresolved, &emptied));
    if (!unresolved.empty()) {
      a.notes.push_back(a.file_key + " uses " + unresolved.front() +
                        ", which this configuration does not define: the path is as written");
    }
    if (std::string fp = get("filePattern"); !fp.empty()) {
      unresolved.clear();
      std::string resolved = Resolve(subst.home, subst.Apply(fp, &unresolved, &emptied));
      a.rotation_key = "appender." + id + ".filePattern";
      a.rotation_desc =
          a.rotation_key + " (rotated to " + fs::path(resolved).filename().string() + ")";
      if (unresolved.empty()) {
        a.file_pattern = fs::path(resolved).filename().string();
        a.file_pattern_dir = fs::path(resolved).parent_path().string();
      } else {
        a.notes.push_back(a.rotation_key + " uses " + unresolved.front() +
                          ": its rotated files are not followed");
      }
    }
    a.layout_type = get("layout.type");
    a.pattern_key = "appender." + id + ".layout.pattern";
    if (props.count(a.pattern_key)) {
      a.pattern = props.at(a.pattern_key);
      a.has_pattern = true;
    }
    a.referenced = refs.count(a.name) > 0 && (listed.empty() || listed.count(id) > 0);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<FileAppender> Log4j1Appenders(const std::map<std::string, std::string>& props,
                                          const Substituter& subst) {
  std::set<std::string> refs;
  for (const auto& [key, value] : props) {
    if (key == "log4j.rootLogger" || key == "log4j.rootCategory" ||
        key.starts_with("log4j.logger.") || key.starts_with("log4j.category.")) {
      auto items = SplitList(value);
      for (size_t i = 1; i < items.size(); ++i) refs.insert(items[i]);
    }
  }
  std::vector<FileAppender> out;
  constexpr std::string_view kPrefix = "log4j.appender.";
  for (const auto& [key, value] : props) {
    if (!key.starts_with(kPrefix)) continue;
    std::string id = key.substr(kPrefix.size());
    if (id.find('.') != std::string::npos) continue;
    auto get = [&](const std::string& k) -> std::string {
      auto it = props.find(key + "." + k);
      return it == props.end() ? "" : Trim(it->second);
    };
    std::string file = get("File");
    if (file.empty()) continue;
    FileAppender a;
    a.id = id;
    a.name = id;
    a.type = Trim(value);
    a.file_key = key + ".File";
    std::vector<std::string> unresolved, emptied;
    a.file = Resolve(subst.home, subst.Apply(file, &unresolved, &emptied));
    if (!emptied.empty()) {
      a.notes.push_back(a.file_key + ": " + emptied.front() +
                        " is not set, so log4j 1.2 writes it as empty");
    }
    const std::string base = fs::path(a.file).filename().string();
    if (a.type.ends_with("DailyRollingFileAppender")) {
      std::string date_pattern = get("DatePattern");
      a.rotation_key = date_pattern.empty() ? key : key + ".DatePattern";
      const bool default_pattern = date_pattern.empty();
      if (default_pattern) date_pattern = "'.'yyyy-MM-dd";
      std::string shown;  // The DatePattern without its quotes: ".yyyy-MM-dd".
      for (char c : date_pattern) {
        if (c != '\'') shown += c;
      }
      a.rotation_desc = default_pattern ? key + ", a DailyRollingFileAppender (rotated to " + base +
                                              shown + ", the default DatePattern)"
                                        : a.rotation_key + " (rotated to " + base + shown + ")";
      a.file_pattern = base + "%d{" + date_pattern + "}";
    } else if (a.type.ends_with("RollingFileAppender")) {
      a.rotation_key = key;
      a.rotation_desc = key + ", a RollingFileAppender (rotated to " + base + ".1, .2, ...)";
      a.file_pattern = base + ".%i";
    }
    a.file_pattern_dir = fs::path(a.file).parent_path().string();
    a.layout_type = get("layout");
    a.pattern_key = key + ".layout.ConversionPattern";
    if (props.count(a.pattern_key)) {
      a.pattern = props.at(a.pattern_key);
      a.has_pattern = true;
    }
    a.tenant_pattern = get("layout.TenantPattern");
    a.referenced = refs.count(id) > 0;
    out.push_back(std::move(a));
  }
  return out;
}

std::string GlobEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[') {
      out += std::string("[") + c + "]";
    } else {
      out += c;
    }
  }
  return out;
}

bool GlobMatches(const std::string& glob, const std::string& name) {
  return ::fnmatch(glob.c_str(), name.c_str(), 0) == 0;
}

// The names an appender's files have: the active file and one rotated sample.
struct FileNames {
  std::string active;          // Base name.
  std::string rotated_sample;  // "" = no rotation.
  std::string rotated_glob;    // Precise glob of the rotated names.
  std::string common_glob;     // One glob for both ("" = none that is specific enough).
};

FileNames NamesOf(const FileAppender& a, std::string* problem) {
  FileNames n;
  n.active = fs::path(a.file).filename().string();
  if (a.file_pattern.empty()) return n;
  auto fp = ParseLog4jFilePattern(a.file_pattern);
  if (!fp.ok()) {
    *problem = fp.error().message();
    return n;
  }
  n.rotated_sample = fp->sample;
  n.rotated_glob = fp->glob;
  if (Clean(a.file_pattern_dir) != Clean(fs::path(a.file).parent_path())) return n;
  // The longest prefix and suffix the active name shares with every rotated name.
  size_t p = 0;
  while (p < n.active.size() && p < fp->literal_prefix.size() &&
         n.active[p] == fp->literal_prefix[p]) {
    ++p;
  }
  size_t s = 0;
  const std::string& suffix = fp->literal_suffix;
  while (s < n.active.size() - p && s < suffix.size() &&
         n.active[n.active.size() - 1 - s] == suffix[suffix.size() - 1 - s]) {
    ++s;
  }
  if (p == 0) return n;
  n.common_glob =
      GlobEscape(n.active.substr(0, p)) + "*" + GlobEscape(n.active.substr(n.active.size() - s));
  return n;
}

// Globs that keep `glob` (for a log whose own names are `own`) off the files of `other`.
std::vector<std::string> ExclusionsFor(const std::string& glob, const std::vector<std::string>& own,
                                       const FileNames& other) {
  std::vector<std::string> others = {other.active};
  if (!other.rotated_sample.empty()) others.push_back(other.rotated_sample);
  if (std::none_of(others.begin(), others.end(),
                   [&](const std::string& n) { return GlobMatches(glob, n); })) {
    return {};
  }
  auto hits_own = [&](const std::vector<std::string>& globs) {
    for (const auto& g : globs) {
      for (const auto& n : own) {
        if (GlobMatches(g, n)) return true;
      }
    }
    return false;
  };
  std::vector<std::string> wide = {other.common_glob.empty() ? GlobEscape(other.active)
                                                             : other.common_glob};
  if (!hits_own(wide)) return wide;
  std::vector<std::string> exact = {GlobEscape(other.active)};
  if (!other.rotated_glob.empty()) exact.push_back(other.rotated_glob);
  if (!hits_own(exact)) return exact;
  return {};
}

struct LogWanted {
  const char* log_name;
  const char* appender;
};
constexpr LogWanted kWanted[] = {
    {"carbon", "CARBON_LOGFILE"},
    {"gw-errors", "ERROR_LOGFILE"},
    {"audit", "AUDIT_LOGFILE"},
};

// Fills path, exclusions and layout of `log` from appender `a`.
void DeriveFromAppender(const std::string& cfg, const FileAppender& a,
                        const std::vector<FileAppender>& all, Log4jDialect dialect, DerivedLog* log,
                        std::vector<std::string>* errors) {
  log->appender = a.name;
  log->file = a.file;
  log->notes.insert(log->notes.end(), a.notes.begin(), a.notes.end());
  std::string problem;
  FileNames names = NamesOf(a, &problem);
  if (!problem.empty()) {
    log->notes.push_back(cfg + ": " + a.rotation_key + ": " + problem +
                         ": rotated files are found by name only");
  }
  const fs::path dir = fs::path(a.file).parent_path();
  if (!names.common_glob.empty()) {
    log->path = (dir / names.common_glob).string();
    log->path_source = "from " + cfg + ": " + a.file_key + " and " + a.rotation_desc;
    std::vector<std::string> own = {names.active};
    if (!names.rotated_sample.empty()) own.push_back(names.rotated_sample);
    std::vector<std::string> from;
    for (const FileAppender& other : all) {
      if (other.id == a.id || Clean(fs::path(other.file).parent_path()) != Clean(dir)) continue;
      std::string ignored;
      for (auto& g : ExclusionsFor(names.common_glob, own, NamesOf(other, &ignored))) {
        if (std::find(log->exclude.begin(), log->exclude.end(), g) == log->exclude.end()) {
          log->exclude.push_back(g);
        }
        if (std::find(from.begin(), from.end(), other.file_key) == from.end()) {
          from.push_back(other.file_key);
        }
      }
    }
    if (!from.empty()) {
      log->exclude_source = "from " + cfg + ": other logs the glob would match (";
      for (size_t i = 0; i < from.size(); ++i) log->exclude_source += (i ? ", " : "") + from[i];
      log->exclude_source += ")";
    }
  } else {
    log->path = a.file;
    log->path_source = "from " + cfg + ": " + a.file_key;
    if (a.file_pattern.empty()) {
      log->path_source += " (not rotated)";
    } else if (Clean(a.file_pattern_dir) != Clean(dir)) {
      log->notes.push_back("rotated files go to " + a.file_pattern_dir + " (" + a.rotation_key +
                           "); the daemon follows them through the rename");
    }
  }

  // The layout.
  const std::string where = cfg + ": " + a.pattern_key;
  if (!a.layout_type.empty() && a.layout_type.find("PatternLayout") == std::string::npos) {
    log->format = LogFormat::kPlain;
    log->format_source = "from " + cfg + ": " + a.pattern_key.substr(0, a.pattern_key.rfind('.')) +
                         " is " + a.layout_type + ", not a PatternLayout: one record per line";
    return;
  }
  const std::string pattern = a.has_pattern ? a.pattern : "%m%n";
  auto layout = TranslateLog4jPattern(pattern, Log4jPatternOptions{dialect, a.tenant_pattern});
  if (!layout.ok()) {
    errors->push_back(cfg + ": " + layout.error().message() + " in " + a.pattern_key + " " +
                      Quoted(pattern));
    return;
  }
  const std::string shown = a.has_pattern ? Quoted(pattern) : "(not set: \"%m%n\")";
  if (auto known = FindKnownLayout(*layout)) {
    log->format = known->format;
    log->format_source = "from " + where + " " + shown + ": " + known->description;
    return;
  }
  if (layout->entry_start.empty()) {
    log->format = LogFormat::kPlain;
    log->format_source =
        "from " + where + " " + shown + ": nothing fixed starts its lines, so one record per line";
    return;
  }
  if (auto rf = RecordFormat::Create(LogFormat::kCustom, layout->entry_start); !rf.ok()) {
    errors->push_back(where + ": the translation of " + Quoted(pattern) +
                      " is not a valid regex (" + rf.error().message() + ")");
    return;
  }
  log->format = LogFormat::kCustom;
  log->format_source = "from " + where + " " + shown + ": not a WSO2 default layout";
  log->entry_start = layout->entry_start;
  log->entry_start_source =
      "translated from that pattern's part before the message: " + Quoted(layout->prefix);
  for (const auto& n : layout->notes) log->notes.push_back(a.pattern_key + ": " + n);
  if (!layout->timezone.empty()) {
    log->timezone = layout->timezone;
    log->timezone_source = "from " + where + " (the zone of its %d)";
  }
  log->notes.push_back(
      "rules that pick their logs by `source:` (most of the shipped pack) "
      "read wso2-carbon/wso2-errors/wso2-console logs, not a custom one; rules "
      "with `logs: [" +
      log->name + "]` or no selector read it");
}

// --- The Tomcat access log -------------------------------------------------------------------

struct AccessLog {
  bool enabled = true;
  std::string why_not;
  std::string directory, directory_source;
  std::string prefix = "http_access_", prefix_source;
  std::string suffix = ".log", suffix_source;
  std::string pattern, pattern_source;
  bool rotatable = true;
};

std::optional<std::string> XmlAttr(std::string_view element, std::string_view name) {
  std::string re = "\\s" + RE2::QuoteMeta(std::string(name)) + "\\s*=\\s*\"([^\"]*)\"";
  std::string v;
  if (RE2::PartialMatch(element, re, &v)) return v;
  return std::nullopt;
}

AccessLog ReadAccessLog(const fs::path& home, bool log4j2) {
  AccessLog a;
  const std::string toml_file = "repository/conf/deployment.toml";
  const std::string xml_file = "repository/conf/tomcat/catalina-server.xml";
  if (log4j2) {
    a.directory = "${carbon.home}/repository/logs";
    a.pattern = "%h %l %u %t %r %s %b %{Referer}i %{User-Agent}i %T";
    const std::string dflt = "the APIM 3.x/4.x default";
    a.directory_source = a.prefix_source = a.suffix_source = a.pattern_source = dflt;
    auto text = ReadFile(home / toml_file, kMaxConfigFileBytes);
    if (!text.ok()) return a;
    auto get = [&](const char* key, std::string* value, std::string* source) {
      if (auto v = TomlValue(*text, "http_access_log", key)) {
        *value = *v;
        *source = toml_file + ": [http_access_log]";
      }
    };
    std::string enabled = "true", use_logger = "false", ignored, rotatable = "true";
    get("enabled", &enabled, &ignored);
    get("useLogger", &use_logger, &ignored);
    get("rotatable", &rotatable, &ignored);
    get("directory", &a.directory, &a.directory_source);
    get("prefix", &a.prefix, &a.prefix_source);
    get("suffix", &a.suffix, &a.suffix_source);
    get("pattern", &a.pattern, &a.pattern_source);
    a.rotatable = rotatable != "false";
    if (enabled == "false") {
      a.enabled = false;
      a.why_not = toml_file + ": [http_access_log] enabled = false";
    } else if (use_logger == "true") {
      a.enabled = false;
      a.why_not = toml_file +
                  ": [http_access_log] useLogger = true (access lines go through "
                  "log4j, not to a file of their own)";
    }
    return a;
  }
  // 2.6: the AccessLogValve of catalina-server.xml.
  a.directory = "${carbon.home}/repository/logs";
  a.pattern = "combined";
  a.directory_source = a.prefix_source = a.suffix_source = a.pattern_source =
      "the APIM 2.6 default";
  auto text = ReadFile(home / xml_file, kMaxConfigFileBytes);
  if (!text.ok()) return a;
  std::string xml = *text;
  for (size_t c = xml.find("<!--"); c != std::string::npos; c = xml.find("<!--", c)) {
    size_t e = xml.find("-->", c);
    xml.erase(c, e == std::string::npos ? std::string::npos : e + 3 - c);
  }
  std::string element;
  re2::StringPiece input(xml);
  std::string candidate;
  while (RE2::FindAndConsume(&input, R"((<Valve\s[^>]*>))", &candidate)) {
    if (candidate.find("AccessLogValve") != std::string::npos) {
      element = candidate;
      break;
    }
  }
  if (element.empty()) {
    a.enabled = false;
    a.why_not = xml_file + " has no AccessLogValve";
    return a;
  }
  auto take = [&](const char* attr, std::string* value, std::string* source) {
    if (auto v = XmlAttr(element, attr)) {
      *value = *v;
      *source = xml_file + ": AccessLogValve";
    }
  };
  take("directory", &a.directory, &a.directory_source);
  take("prefix", &a.prefix, &a.prefix_source);
  take("suffix", &a.suffix, &a.suffix_source);
  take("pattern", &a.pattern, &a.pattern_source);
  if (auto r = XmlAttr(element, "rotatable")) a.rotatable = *r != "false";
  return a;
}

}  // namespace

Result<ApimInstall, std::vector<std::string>> ReadApimInstall(const fs::path& home_in,
                                                              std::string_view profile) {
  std::vector<std::string> errors;
  ApimInstall inst;
  inst.home = Clean(home_in);
  std::error_code ec;
  if (!fs::is_directory(inst.home, ec)) {
    errors.push_back(inst.home.string() + ": not a directory");
    return errors;
  }
  inst.version = ReadProductVersion(inst.home);
  inst.role = ReadNodeRole(inst.home, profile);

  const std::string l4j2 = "repository/conf/log4j2.properties";
  const std::string l4j1 = "repository/conf/log4j.properties";
  const bool has2 = fs::exists(inst.home / l4j2, ec), has1 = fs::exists(inst.home / l4j1, ec);
  const bool major2 =
      inst.version.version.starts_with("2.") || inst.version.version.starts_with("1.");
  bool use1 = has1 && (!has2 || major2);
  if (!has1 && !has2) {
    errors.push_back(inst.home.string() + ": neither " + l4j2 + " nor " + l4j1 +
                     " exists: is this a WSO2 API Manager home?");
    return errors;
  }
  inst.log_config = use1 ? l4j1 : l4j2;
  auto text = ReadFile(inst.home / inst.log_config, kMaxConfigFileBytes);
  if (!text.ok()) {
    errors.push_back(text.error().message());
    return errors;
  }
  const auto props = ParseJavaProperties(*text);
  Substituter subst{&props, inst.home.string(), use1};
  std::vector<FileAppender> appenders =
      use1 ? Log4j1Appenders(props, subst) : Log4j2Appenders(props, subst);
  const Log4jDialect dialect = use1 ? Log4jDialect::kLog4j1 : Log4jDialect::kLog4j2;

  for (const LogWanted& w : kWanted) {
    auto it = std::find_if(appenders.begin(), appenders.end(),
                           [&](const FileAppender& a) { return a.name == w.appender; });
    if (it == appenders.end()) {
      inst.notes.push_back(inst.log_config + " has no file appender " + w.appender + ": no " +
                           w.log_name + " log");
      continue;
    }
    if (!it->referenced) {
      inst.notes.push_back(inst.log_config + ": no logger writes to " + w.appender + ": no " +
                           w.log_name + " log");
      continue;
    }
    DerivedLog log;
    log.name = w.log_name;
    DeriveFromAppender(inst.log_config, *it, appenders, dialect, &log, &errors);
    inst.logs.push_back(std::move(log));
  }

  // The servlet transport's access log (Tomcat AccessLogValve).
  AccessLog access = ReadAccessLog(inst.home, !use1);
  if (!access.enabled) {
    inst.notes.push_back("no Tomcat access log: " + access.why_not);
  } else {
    DerivedLog log;
    log.name = "access";
    std::vector<std::string> unresolved, emptied;
    Substituter plain{&props, inst.home.string(), true};
    fs::path dir =
        Resolve(inst.home.string(), plain.Apply(access.directory, &unresolved, &emptied));
    const std::string glob = access.rotatable
                                 ? GlobEscape(access.prefix) + "*" + GlobEscape(access.suffix)
                                 : GlobEscape(access.prefix + access.suffix);
    log.file = (dir / (access.prefix + "2024-11-15" + access.suffix)).string();
    log.path = (dir / glob).string();
    // "from <where> <key>, <key>; <where> <key>": the values grouped by where they came from.
    std::vector<std::pair<std::string, std::string>> sources;  // where -> keys
    for (const auto& [where, key] :
         {std::pair{access.directory_source, "directory"},
          std::pair{access.prefix_source, "prefix"}, std::pair{access.suffix_source, "suffix"}}) {
      auto it = std::find_if(sources.begin(), sources.end(),
                             [&](const auto& s) { return s.first == where; });
      if (it == sources.end()) {
        sources.emplace_back(where, key);
      } else {
        it->second += std::string(", ") + key;
      }
    }
    log.path_source = "from ";
    for (size_t i = 0; i < sources.size(); ++i) {
      log.path_source += (i ? "; " : "") + sources[i].first + " " + sources[i].second;
    }
    log.path_source += ": " + access.prefix + "<yyyy-MM-dd>" + access.suffix + " in " +
                       access.directory + " (Tomcat dates the active file's name)";
    // 4.4's log4j2 gateway access log (http_access.log, rotated http_access_MM-dd-yyyy-N.log)
    // shares the prefix: keep its files out.
    const std::vector<std::string> own = {access.prefix + "2024-11-15" + access.suffix};
    std::vector<std::string> from;
    for (const FileAppender& other : appenders) {
      if (Clean(fs::path(other.file).parent_path()) != Clean(dir)) continue;
      std::string ignored;
      for (auto& g : ExclusionsFor(glob, own, NamesOf(other, &ignored))) {
        log.exclude.push_back(g);
        from.push_back(other.file_key);
      }
    }
    if (!from.empty()) {
      log.exclude_source =
          "from " + inst.log_config + ": " + from.front() + " writes files the glob would match";
    }
    if (access.pattern == "common" || access.pattern == "combined" ||
        access.pattern.starts_with("%h %l %u %t")) {
      log.format = LogFormat::kTomcatAccess;
      log.format_source = "from " + access.pattern_source + " pattern " + Quoted(access.pattern) +
                          ": starts with %h %l %u %t";
    } else {
      log.format = LogFormat::kPlain;
      log.format_source = "from " + access.pattern_source + " pattern " + Quoted(access.pattern) +
                          ": not the %h %l %u %t layout tomcat-access reads, so plain lines";
    }
    inst.logs.push_back(std::move(log));
  }
  if (!errors.empty()) return errors;
  return inst;
}

}  // namespace cg
