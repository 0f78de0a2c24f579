// Host checks for `check-config`: will `run`, as a given user, find what the config names?
//
// `run` needs the API token file (readable, valid), a state_dir it can write (or create), the
// log files (or, for a glob, their directory) readable, and each target's pidfile directory.
// check-config verifies all of that *as the daemon's user* without switching uid: access is
// computed from stat() owner/group/mode and the user's groups along the whole path (search
// permission on every directory), the way the kernel decides it for plain mode bits. ACLs,
// read-only mounts and LSMs (AppArmor, SELinux) are not modelled; root is allowed everything
// except executing a file with no x bit.
//
// The access functions are pure over an injected StatFn so tests can use fake modes; the
// defaults use stat(2) and the passwd/group databases. All functions are thread-safe when the
// injected StatFn is.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "base/status.h"
#include "daemon/config.h"

namespace cg {

// Who the checks are done for.
struct UserIdentity {
  std::string name;  // For messages; "uid N" when the passwd database has no entry.
  uid_t uid = 0;
  gid_t gid = 0;              // Primary group.
  std::vector<gid_t> groups;  // Supplementary groups (may repeat gid).
  bool InGroup(gid_t g) const;
};

// Looks up `name` in the passwd database and its groups with getgrouplist(3).
Result<UserIdentity> LookupUser(const std::string& name);
// The effective user of this process (geteuid, getegid, getgroups).
UserIdentity CurrentUser();
// check-config's default: "cutover-guard" when running as root and that user exists, else the
// current user.
UserIdentity DefaultCheckUser();

// What stat() says about one path (symlinks followed).
struct StatInfo {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0;         // Type and permission bits, as st_mode.
  std::string owner_name;  // Optional, for messages ("" = print the number).
  std::string group_name;
};
// Returns 0 and fills *out, or an errno value (ENOENT, EACCES, ENOTDIR, ...).
using StatFn = std::function<int(const std::filesystem::path& path, StatInfo* out)>;
// stat(2) plus owner/group names.
int SystemStat(const std::filesystem::path& path, StatInfo* out);

// Permission bits, as in the mode's rwx triplets.
inline constexpr unsigned kMayRead = 4;
inline constexpr unsigned kMayWrite = 2;
inline constexpr unsigned kMaySearch = 1;  // Search (x) on directories, execute on files.

enum class PathKind { kAny, kFile, kDirectory };

// True when `user` has all of `want` on an object with `st` (owner class, else group class when
// the user is in the file's group, else other; root always may, except x on a non-directory
// with no x bit at all).
bool ModeAllows(const StatInfo& st, unsigned want, const UserIdentity& user);

// Checks that `path` (absolute, lexically normalised) exists, is of `kind`, that `user` may
// search every directory above it, and has `want` on it. The error names the path and the
// first obstacle, e.g. "/srv/logs/app.log: directory /srv/logs is not searchable by user
// \"nobody\" (mode 0700, owner root:root)".
Status CheckAccess(const std::filesystem::path& path, unsigned want, PathKind kind,
                   const UserIdentity& user, const StatFn& stat);

// Checks that `user` can use `dir` as a writable directory: it exists and is writable and
// searchable, or it does not exist and its nearest existing ancestor is a directory the user
// can write and search (so `run` can create it). Nothing is created.
Status CheckCreatableDir(const std::filesystem::path& dir, const UserIdentity& user,
                         const StatFn& stat);

// The directory a log path (file or glob) lives in: the deepest leading directory without
// glob metacharacters.
std::filesystem::path LogDirectory(const std::string& path);

// Adds `message` to *d at the config position of `key` ("logs[0].path"), or at the file when
// the config has no position for it.
void AddAt(Diagnostics* d, const Config& config, const std::string& key,
           const std::string& message);

struct PreflightOptions {
  UserIdentity user;
  StatFn stat = SystemStat;
};

// Runs every host check for `config` and appends what would stop or cripple `run` to *errors
// (FILE:LINE:COL where the config has a position for the key, else FILE) and lesser findings
// (a log glob that matches no file yet) to *warnings.
void RunPreflight(const Config& config, const PreflightOptions& options, Diagnostics* errors,
                  Diagnostics* warnings);

}  // namespace cg
