#include "daemon/preflight.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/fs.h"
#include "daemon/http/auth.h"

namespace cg {

bool UserIdentity::InGroup(gid_t g) const {
  return g == gid || std::find(groups.begin(), groups.end(), g) != groups.end();
}

namespace {

// getpw*_r / getgr*_r want a caller buffer; 16 KiB covers any sane passwd/group entry.
constexpr size_t kPwBufSize = 16384;

std::string UserName(uid_t uid) {
  std::vector<char> buf(kPwBufSize);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return "";
}

std::string GroupName(gid_t gid) {
  std::vector<char> buf(kPwBufSize);
  struct group gr {};
  struct group* found = nullptr;
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->gr_name;
  }
  return "";
}

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// "(mode 0700, owner root:adm)" — what an operator compares with `ls -ld`.
std::string Describe(const StatInfo& st) {
  std::string owner = st.owner_name.empty() ? std::to_string(st.uid) : st.owner_name;
  std::string group = st.group_name.empty() ? std::to_string(st.gid) : st.group_name;
  return "(mode " + ModeText(st.mode) + ", owner " + owner + ":" + group + ")";
}

std::string Verbs(unsigned want, bool directory) {
  std::vector<std::string> v;
  if (want & kMayRead) v.push_back("readable");
  if (want & kMayWrite) v.push_back("writable");
  if (want & kMaySearch) v.push_back(directory ? "searchable" : "executable");
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    out += (i == 0 ? "" : (i + 1 == v.size() ? " and " : ", ")) + v[i];
  }
  return out;
}

std::string Who(const UserIdentity& user) { return "user \"" + user.name + "\""; }

std::filesystem::path Absolute(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::path abs = p.is_absolute() ? p : std::filesystem::absolute(p, ec);
  if (ec) abs = p;
  return abs.lexically_normal();
}

// Checks x on every directory strictly above `path` ("/" first). Sets *missing when a
// component does not exist (the error then says which).
Status CheckSearchPath(const std::filesystem::path& path, const UserIdentity& user,
                       const StatFn& stat, bool* missing) {
  *missing = false;
  std::filesystem::path dir;
  for (auto it = path.begin(); it != path.end(); ++it) {
    if (std::next(it) == path.end()) break;  // The last component is the caller's.
    dir /= *it;
    StatInfo st;
    int err = stat(dir, &st);
    if (err == ENOENT || err == ENOTDIR) {
      *missing = true;
      return Status::Error("directory " + dir.string() + " does not exist");
    }
    if (err != 0) return Status::Error("cannot stat " + dir.string() + ": " + std::strerror(err));
    if (!S_ISDIR(st.mode)) {
      *missing = true;
      return Status::Error(dir.string() + " is not a directory");
    }
    if (!ModeAllows(st, kMaySearch, user)) {
      return Status::Error("directory " + dir.string() + " is not searchable by " + Who(user) +
                           " " + Describe(st));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<UserIdentity> LookupUser(const std::string& name) {
  std::vector<char> buf(kPwBufSize);
  struct passwd pw {};
  struct passwd* found = nullptr;
  int err = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (err != 0) return Status::Error("cannot look up user \"" + name + "\": " + std::strerror(err));
  if (found == nullptr) return Status::Error("no user named \"" + name + "\"");
  UserIdentity u;
  u.name = found->pw_name;
  u.uid = found->pw_uid;
  u.gid = found->pw_gid;
  // getgrouplist reports the needed size when the first guess is too small.
  int n = 64;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  while (::getgrouplist(u.name.c_str(), u.gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<size_t>(n) + 1);
    n = static_cast<int>(groups.size());
  }
  groups.resize(static_cast<size_t>(n));
  u.groups = std::move(groups);
  return u;
}

UserIdentity CurrentUser() {
  UserIdentity u;
  u.uid = ::geteuid();
  u.gid = ::getegid();
  u.name = UserName(u.uid);
  if (u.name.empty()) u.name = "uid " + std::to_string(u.uid);
  int n = ::getgroups(0, nullptr);
  if (n > 0) {
    u.groups.resize(static_cast<size_t>(n));
    n = ::getgroups(n, u.groups.data());
    u.groups.resize(static_cast<size_t>(std::max(n, 0)));
  }
  return u;
}

UserIdentity DefaultCheckUser() {
  if (::geteuid() == 0) {
    auto daemon_user = LookupUser("cutover-guard");
    if (daemon_user.ok()) return std::move(daemon_user).value();
  }
  return CurrentUser();
}

int SystemStat(const std::filesystem::path& path, StatInfo* out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno;
  out->uid = st.st_uid;
  out->gid = st.st_gid;
  out->mode = st.st_mode;
  out->owner_name = UserName(st.st_uid);
  out->group_name = GroupName(st.st_gid);
  return 0;
}

bool ModeAllows(const StatInfo& st, unsigned want, const UserIdentity& user) {
  if (user.uid == 0) {
    // CAP_DAC_OVERRIDE: everything, except executing a file nobody may execute.
    return !((want & kMaySearch) && !S_ISDIR(st.mode) && (st.mode & 0111) == 0);
  }
  // The kernel picks exactly one class: owner, else group, else other (an owner denied by the
  // owner bits is denied even when the group bits would allow).
  unsigned bits;
  if (st.uid == user.uid) {
    bits = (st.mode >> 6) & 7u;
  } else if (user.InGroup(st.gid)) {
    bits = (st.mode >> 3) & 7u;
  } else {
    bits = st.mode & 7u;
  }
  return (bits & want) == want;
}

Status CheckAccess(const std::filesystem::path& path, unsigned want, PathKind kind,
                   const UserIdentity& user, const StatFn& stat) {
  const std::string name = path.string();
  bool missing = false;
  Status parents = CheckSearchPath(path, user, stat, &missing);
  if (!parents.ok()) return parents.WithPrefix(name);
  StatInfo st;
  int err = stat(path, &st);
  if (err == ENOENT || err == ENOTDIR) return Status::Error(name + ": does not exist");
  if (err != 0) return Status::Error(name + ": cannot stat: " + std::strerror(err));
  const bool is_dir = S_ISDIR(st.mode);
  if (kind == PathKind::kDirectory && !is_dir) {
    return Status::Error(name + ": is not a directory");
  }
  if (kind == PathKind::kFile && !S_ISREG(st.mode)) {
    return Status::Error(name + ": is not a regular file");
  }
  if (!ModeAllows(st, want, user)) {
    return Status::Error(name + ": not " + Verbs(want, is_dir) + " by " + Who(user) + " " +
                         Describe(st));
  }
  return Status::Ok();
}

Status CheckCreatableDir(const std::filesystem::path& dir, const UserIdentity& user,
                         const StatFn& stat) {
  StatInfo st;
  int err = stat(dir, &st);
  if (err == 0) return CheckAccess(dir, kMayWrite | kMaySearch, PathKind::kDirectory, user, stat);
  if (err != ENOENT) return Status::Error(dir.string() + ": cannot stat: " + std::strerror(err));
  // Walk up to the nearest existing ancestor: `run` creates the rest (create_directories), so
  // that ancestor must be a directory the user can write into.
  std::filesystem::path ancestor = dir.parent_path();
  while (!ancestor.empty()) {
    err = stat(ancestor, &st);
    if (err == 0) break;
    if (err != ENOENT) {
      return Status::Error(dir.string() + ": cannot stat " + ancestor.string() + ": " +
                           std::strerror(err));
    }
    if (ancestor == ancestor.root_path()) break;
    ancestor = ancestor.parent_path();
  }
  Status s = CheckAccess(ancestor, kMayWrite | kMaySearch, PathKind::kDirectory, user, stat);
  if (!s.ok()) {
    return Status::Error(dir.string() + ": does not exist and cannot be created: " + s.message());
  }
  return Status::Ok();
}

std::filesystem::path LogDirectory(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  while (!dir.empty() && HasGlobMeta(dir.string()) && dir != dir.root_path()) {
    dir = dir.parent_path();
  }
  return dir;
}

namespace {

// Adds `message` at the position recorded for `key`, or at the file alone.
}  // namespace

void AddAt(Diagnostics* d, const Config& config, const std::string& key,
           const std::string& message) {
  auto it = config.positions.find(key);
  int line = it == config.positions.end() ? 0 : it->second.line;
  int column = it == config.positions.end() ? 0 : it->second.column;
  d->Add(config.source.string(), line, column, message);
}

namespace {

void CheckTokenFile(const Config& config, const PreflightOptions& o, Diagnostics* errors) {
  if (config.api.token_file.empty()) return;
  const std::filesystem::path path = Absolute(config.api.token_file);
  Status access = CheckAccess(path, kMayRead, PathKind::kFile, o.user, o.stat);
  if (!access.ok()) {
    AddAt(errors, config, "api.token_file", "api.token_file " + access.message());
    return;
  }
  // Content and mode (no world access, one token of >= 16 characters), exactly as `run` loads
  // it. Read by this process: when it lacks access while the daemon's user has it, that is
  // reported too rather than guessed.
  auto token = LoadApiToken(path);
  if (!token.ok())
    AddAt(errors, config, "api.token_file", "api.token_file " + token.error().message());
}

void CheckStateDir(const Config& config, const PreflightOptions& o, Diagnostics* errors) {
  Status s = CheckCreatableDir(Absolute(config.state_dir), o.user, o.stat);
  if (!s.ok()) AddAt(errors, config, "state_dir", "state_dir " + s.message());
}

void CheckLogs(const Config& config, const PreflightOptions& o, Diagnostics* errors,
               Diagnostics* warnings) {
  for (size_t i = 0; i < config.logs.size(); ++i) {
    const LogSpec& log = config.logs[i];
    const std::string key = "logs[" + std::to_string(i) + "].path";
    const std::string what = "logs[" + std::to_string(i) + "] (" + log.name + "): ";
    const std::string path = Absolute(log.path).string();
    // The watcher puts an inotify watch on the directory (needs read) and opens files in it
    // (needs search).
    const std::filesystem::path dir = LogDirectory(path);
    Status d = CheckAccess(dir, kMayRead | kMaySearch, PathKind::kDirectory, o.user, o.stat);
    if (!d.ok()) {
      AddAt(errors, config, key, what + "log directory " + d.message());
      continue;
    }
    if (!HasGlobMeta(path)) {
      std::error_code ec;
      if (!std::filesystem::exists(path, ec) && !ec) {
        // WSO2 creates it at its first line; the daemon waits for it (and the status shows
        // the log as not seen until it appears).
        AddAt(warnings, config, key, what + "\"" + path + "\" does not exist yet");
        continue;
      }
      Status f = CheckAccess(path, kMayRead, PathKind::kFile, o.user, o.stat);
      if (!f.ok()) AddAt(errors, config, key, what + f.message());
      continue;
    }
    auto matched = ExpandGlob(path);
    if (!matched.ok()) {
      AddAt(errors, config, key, what + matched.error().message());
      continue;
    }
    if (matched->empty()) {
      // Rotated/dated files may not exist yet; the directory is watched for them.
      AddAt(warnings, config, key, what + "\"" + path + "\" matches no file yet");
      continue;
    }
    for (const auto& file : *matched) {
      Status f = CheckAccess(file, kMayRead, PathKind::kAny, o.user, o.stat);
      if (!f.ok()) AddAt(errors, config, key, what + f.message());
    }
  }
}

void CheckTargets(const Config& config, const PreflightOptions& o, Diagnostics* errors) {
  for (size_t i = 0; i < config.targets.size(); ++i) {
    const TargetSpec& t = config.targets[i];
    if (t.pidfile.empty()) continue;
    // The pidfile itself may be absent while WSO2 is down; its directory must be reachable.
    const std::filesystem::path dir = Absolute(t.pidfile).parent_path();
    Status d = CheckAccess(dir, kMaySearch, PathKind::kDirectory, o.user, o.stat);
    if (!d.ok()) {
      AddAt(
          errors, config, "targets[" + std::to_string(i) + "].pidfile",
          "targets[" + std::to_string(i) + "] (" + t.name + "): pidfile directory " + d.message());
    }
  }
}

}  // namespace

void RunPreflight(const Config& config, const PreflightOptions& options, Diagnostics* errors,
                  Diagnostics* warnings) {
  CheckTokenFile(config, options, errors);
  CheckStateDir(config, options, errors);
  CheckLogs(config, options, errors, warnings);
  CheckTargets(config, options, errors);
}

}  // namespace cg
