// Kept-descriptor reads below an injectable root.
#include "collectors/proc/proc_file.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>

#include "tests/proc/fixture_tree.h"

namespace cg::proc {
namespace {

using testing::ProcTree;

std::unique_ptr<ProcRoot> OpenRoot(const std::filesystem::path& p) {
  auto r = ProcRoot::Open(p);
  REQUIRE(r.ok());
  return std::move(*r);
}

// A file written below a fixture root, kept open by a ProcFile that has read it once.
struct KeptFile {
  KeptFile(std::string_view relative, std::string_view content)
      : file(root.get(), std::string(relative)) {
    tree.Write(relative, content);
    REQUIRE(Read() == 0);
  }
  int Read() { return file.Read(&text); }

  ProcTree tree;
  std::unique_ptr<ProcRoot> root = OpenRoot(tree.root());
  ProcFile file;
  std::string_view text;  // What the last successful Read saw.
};

TEST_CASE("a fixture root is not procfs and /proc is", "[collectors][proc][file]") {
  ProcTree tree;
  CHECK_FALSE(OpenRoot(tree.root())->is_procfs());
  CHECK(OpenRoot("/proc")->is_procfs());
}

TEST_CASE("opening a missing root names it", "[collectors][proc][file]") {
  auto r = ProcRoot::Open("/nonexistent/proc");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() == "proc_root /nonexistent/proc: No such file or directory");
}

TEST_CASE("a kept file sees content rewritten in place", "[collectors][proc][file]") {
  KeptFile k("loadavg", "1.00 2.00 3.00 1/2 3\n");
  CHECK(k.text == "1.00 2.00 3.00 1/2 3\n");
  CHECK(k.file.is_open());
  k.tree.Write("loadavg", "4.00\n");
  REQUIRE(k.Read() == 0);
  CHECK(k.text == "4.00\n");
}

TEST_CASE("a kept file that was replaced by a new file is reopened", "[collectors][proc][file]") {
  KeptFile k("stat", "old");
  std::filesystem::remove(k.tree / "stat");
  k.tree.Write("stat", "new");
  REQUIRE(k.Read() == 0);
  CHECK(k.text == "new");
}

TEST_CASE("a deleted file reports ENOENT, and reads again once it is back",
          "[collectors][proc][file]") {
  KeptFile k("4242/stat", "x");
  k.tree.Remove("4242");
  CHECK(k.Read() == ENOENT);
  CHECK_FALSE(k.file.is_open());
  CHECK(k.file.Describe(ENOENT) == (k.tree / "4242/stat").string() + ": No such file or directory");
  k.tree.Write("4242/stat", "y");
  REQUIRE(k.Read() == 0);
  CHECK(k.text == "y");
}

TEST_CASE("files larger than the initial buffer are read whole", "[collectors][proc][file]") {
  std::string big(100'000, 'a');
  big += "end";
  KeptFile k("big", big);
  CHECK(k.text.size() == big.size());
  CHECK(k.text.ends_with("end"));
  // Exactly the buffer size: needs the extra read to see EOF.
  k.tree.Write("big", std::string(131072, 'b'));
  REQUIRE(k.Read() == 0);
  CHECK(k.text.size() == 131072);
}

TEST_CASE("a kept /proc/PID/stat of an exited process fails with ESRCH",
          "[collectors][proc][file]") {
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  auto root = OpenRoot("/proc");
  ProcFile f(root.get(), std::to_string(child) + "/stat");
  std::string_view text;
  REQUIRE(f.Read(&text) == 0);
  CHECK(text.starts_with(std::to_string(child) + " ("));
  ::kill(child, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  int err = f.Read(&text);
  CHECK(err == ESRCH);
  CHECK(IsGoneError(err));
}

TEST_CASE("fd directories are counted without . and ..", "[collectors][proc][file]") {
  ProcTree tree;
  for (int i = 0; i < 5; ++i) tree.Write("9/fd/" + std::to_string(i), "");
  auto root = OpenRoot(tree.root());
  FdDirectory fds(root.get(), "9/fd");
  uint64_t n = 0;
  bool listed = false;
  REQUIRE(fds.Count(&n, &listed) == 0);
  CHECK(n == 5);
  CHECK(listed);  // Only procfs can give the count without a listing.
  tree.Write("9/fd/5", "");
  REQUIRE(fds.Count(&n) == 0);
  CHECK(n == 6);
}

TEST_CASE("a missing fd directory reports ENOENT", "[collectors][proc][file]") {
  ProcTree tree;
  auto root = OpenRoot(tree.root());
  FdDirectory fds(root.get(), "9/fd");
  uint64_t n = 0;
  CHECK(fds.Count(&n) == ENOENT);
}

TEST_CASE("an unreadable fd directory reports EACCES", "[collectors][proc][file]") {
  ProcTree tree;
  tree.Write("9/fd/0", "");
  ::chmod((tree / "9/fd").c_str(), 0);
  auto root = OpenRoot(tree.root());
  FdDirectory fds(root.get(), "9/fd");
  uint64_t n = 0;
  {
    testing::UnprivilegedFs nobody;
    CHECK(fds.Count(&n) == EACCES);
  }
  ::chmod((tree / "9/fd").c_str(), 0755);
  REQUIRE(fds.Count(&n) == 0);
  CHECK(n == 1);
}

TEST_CASE("the live fd count of this process matches a directory listing",
          "[collectors][proc][file]") {
  auto root = OpenRoot("/proc");
  FdDirectory fds(root.get(), "self/fd");
  uint64_t n = 0;
  REQUIRE(fds.Count(&n) == 0);
  uint64_t listed = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) (void)e, ++listed;
  // The listing holds one extra descriptor of its own (the directory it reads) while it runs.
  CHECK((n == listed || n + 1 == listed));
  CHECK(n >= 3);
}

TEST_CASE("the root lists numeric entries only", "[collectors][proc][file]") {
  ProcTree tree;
  tree.Write("1/stat", "");
  tree.Write("42/stat", "");
  tree.Write("self/stat", "");
  tree.Write("meminfo", "");
  auto root = OpenRoot(tree.root());
  std::vector<pid_t> pids;
  REQUIRE(root->ListPids(&pids) == 0);
  std::sort(pids.begin(), pids.end());
  CHECK(pids == std::vector<pid_t>{1, 42});
}

}  // namespace
}  // namespace cg::proc
