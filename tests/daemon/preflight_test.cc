// Access checks for another user: the pure model over fake stat data, and the same checks on a
// real temporary tree (as `nobody`, which works when the tests run as root, as in CI).
#include "daemon/preflight.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <map>

#include "tests/support/temp_dir.h"

namespace cg {
namespace {

constexpr mode_t kDir = S_IFDIR;
constexpr mode_t kReg = S_IFREG;

// A filesystem of stat entries; anything not listed does not exist.
struct FakeFs {
  std::map<std::string, StatInfo> entries;
  FakeFs& Add(const std::string& path, mode_t mode, uid_t uid = 0, gid_t gid = 0) {
    entries[path] = StatInfo{uid, gid, mode, "", ""};
    return *this;
  }
  StatFn Fn() const {
    return [this](const std::filesystem::path& p, StatInfo* out) {
      auto it = entries.find(p.string());
      if (it == entries.end()) return ENOENT;
      *out = it->second;
      return 0;
    };
  }
};

UserIdentity User(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
  return UserIdentity{"u" + std::to_string(uid), uid, gid, std::move(groups)};
}

FakeFs Tree() {
  FakeFs fs;
  fs.Add("/", kDir | 0755)
      .Add("/srv", kDir | 0755)
      .Add("/srv/logs", kDir | 0750, 0, 50)  // root:wso2
      .Add("/srv/logs/app.log", kReg | 0640, 0, 50)
      .Add("/srv/private", kDir | 0700)  // root only
      .Add("/srv/private/x.log", kReg | 0644);
  return fs;
}

TEST_CASE("mode bits pick exactly one class: owner, else group, else other",
          "[daemon][preflight]") {
  const StatInfo owner_denied{1000, 50, kReg | 0070, "", ""};
  CHECK_FALSE(ModeAllows(owner_denied, kMayRead, User(1000, 50)));  // Owner bits rule.
  CHECK(ModeAllows(owner_denied, kMayRead, User(1001, 7, {50})));   // Supplementary group.
  CHECK_FALSE(ModeAllows(owner_denied, kMayRead, User(1001, 7)));   // Other: nothing.
  const StatInfo world{0, 0, kReg | 0604, "", ""};
  CHECK(ModeAllows(world, kMayRead, User(1001, 7)));
  CHECK_FALSE(ModeAllows(world, kMayRead | kMayWrite, User(1001, 7)));
}

TEST_CASE("root may read and write anything but not execute a file without x",
          "[daemon][preflight]") {
  const StatInfo none{1000, 1000, kReg | 0000, "", ""};
  CHECK(ModeAllows(none, kMayRead | kMayWrite, User(0, 0)));
  CHECK_FALSE(ModeAllows(none, kMaySearch, User(0, 0)));
  CHECK(ModeAllows(StatInfo{1000, 1000, kDir | 0000, "", ""}, kMaySearch, User(0, 0)));
}

TEST_CASE("a file is reachable only through searchable directories", "[daemon][preflight]") {
  FakeFs fs = Tree();
  // In the group that owns the log directory: allowed.
  CHECK(CheckAccess("/srv/logs/app.log", kMayRead, PathKind::kFile, User(100, 100, {50}), fs.Fn())
            .ok());
  // Not in it: the directory stops the walk before the file's own mode is looked at.
  Status s = CheckAccess("/srv/logs/app.log", kMayRead, PathKind::kFile, User(100, 100), fs.Fn());
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() ==
        "/srv/logs/app.log: directory /srv/logs is not searchable by user \"u100\" "
        "(mode 0750, owner 0:50)");
  // A world-readable file in a private directory is still out of reach.
  Status p = CheckAccess("/srv/private/x.log", kMayRead, PathKind::kFile, User(100, 100), fs.Fn());
  REQUIRE_FALSE(p.ok());
  CHECK(p.message() ==
        "/srv/private/x.log: directory /srv/private is not searchable by user \"u100\" "
        "(mode 0700, owner 0:0)");
}

TEST_CASE("missing paths, wrong kinds and missing rights are told apart", "[daemon][preflight]") {
  FakeFs fs = Tree();
  const UserIdentity wso2 = User(100, 100, {50});
  CHECK(CheckAccess("/srv/logs/gone.log", kMayRead, PathKind::kFile, wso2, fs.Fn()).message() ==
        "/srv/logs/gone.log: does not exist");
  CHECK(CheckAccess("/nope/a.log", kMayRead, PathKind::kFile, wso2, fs.Fn()).message() ==
        "/nope/a.log: directory /nope does not exist");
  CHECK(CheckAccess("/srv/logs/app.log", kMayRead, PathKind::kDirectory, wso2, fs.Fn()).message() ==
        "/srv/logs/app.log: is not a directory");
  CHECK(CheckAccess("/srv/logs", kMayWrite | kMaySearch, PathKind::kDirectory, wso2, fs.Fn())
            .message() ==
        "/srv/logs: not writable and searchable by user \"u100\" (mode 0750, owner 0:50)");
}

TEST_CASE("a state directory is fine when it or its nearest existing ancestor is writable",
          "[daemon][preflight]") {
  FakeFs fs = Tree();
  fs.Add("/var", kDir | 0755)
      .Add("/var/lib", kDir | 0755)
      .Add("/var/lib/cg", kDir | 0750, 200, 200);
  const UserIdentity daemon = User(200, 200);
  CHECK(CheckCreatableDir("/var/lib/cg", daemon, fs.Fn()).ok());            // Exists, owned.
  CHECK(CheckCreatableDir("/var/lib/cg/sub/state", daemon, fs.Fn()).ok());  // Creatable.
  Status s = CheckCreatableDir("/var/lib/other/state", daemon, fs.Fn());
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() ==
        "/var/lib/other/state: does not exist and cannot be created: /var/lib: not writable "
        "and searchable by user \"u200\" (mode 0755, owner 0:0)");
  CHECK(CheckCreatableDir("/var/lib/other/state", User(0, 0), fs.Fn()).ok());
}

TEST_CASE("the directory of a log glob is its deepest plain leading directory",
          "[daemon][preflight]") {
  CHECK(LogDirectory("/srv/logs/http_access_*.log") == "/srv/logs");
  CHECK(LogDirectory("/srv/logs/app.log") == "/srv/logs");
  CHECK(LogDirectory("/srv/*/logs/app.log") == "/srv");
}

TEST_CASE("users are looked up with their groups", "[daemon][preflight]") {
  auto nobody = LookupUser("nobody");
  REQUIRE(nobody.ok());
  CHECK(nobody->uid == 65534);
  CHECK(nobody->InGroup(nobody->gid));
  auto none = LookupUser("no-such-user-cg");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message() == "no user named \"no-such-user-cg\"");
}

TEST_CASE("real modes: a private directory hides its files from nobody but not from root",
          "[daemon][preflight]") {
  if (::geteuid() != 0) {
    WARN("skipped: needs root to judge for another user");
    return;
  }
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  auto log = dir.Write("private/app.log", "x\n");
  ::chmod(log.c_str(), 0644);
  ::chmod((dir / "private").c_str(), 0700);
  auto nobody = LookupUser("nobody");
  REQUIRE(nobody.ok());
  Status s = CheckAccess(log, kMayRead, PathKind::kFile, *nobody, SystemStat);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == log.string() + ": directory " + (dir / "private").string() +
                           " is not searchable by user \"nobody\" (mode 0700, owner root:root)");
  CHECK(CheckAccess(log, kMayRead, PathKind::kFile, CurrentUser(), SystemStat).ok());
  ::chmod((dir / "private").c_str(), 0755);
  CHECK(CheckAccess(log, kMayRead, PathKind::kFile, *nobody, SystemStat).ok());
}

}  // namespace
}  // namespace cg
