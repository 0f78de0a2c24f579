#include "base/resident.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "base/fs.h"
#include "tests/support/temp_dir.h"

namespace cg {
namespace {

constexpr std::string_view kSmaps =
    "55d0c0a00000-55d0c0a9b000 r--p 00000000 fe:00 5310067                    "
    "/usr/bin/cutover-guard\n"
    "Size:                620 kB\n"
    "Rss:                 252 kB\n"
    "Anonymous:             0 kB\n"
    "Swap:                  0 kB\n"
    "Private_Dirty:         0 kB\n"
    "55d0c0a9b000-55d0c0d8f000 r-xp 0009b000 fe:00 5310067                    "
    "/usr/bin/cutover-guard\n"
    "Rss:                2768 kB\n"
    "Anonymous:             0 kB\n"
    "Swap:                  0 kB\n"
    "Private_Dirty:         0 kB\n"
    "55d0c0d8f000-55d0c0d96000 r--p 0038e000 fe:00 5310067                    "
    "/usr/bin/cutover-guard\n"
    "Rss:                  28 kB\n"
    "Anonymous:            28 kB\n"
    "Swap:                  0 kB\n"
    "Private_Dirty:        28 kB\n"
    "55d0c0d97000-55d0c0d99000 rw-p 00395000 fe:00 5310067                    "
    "/usr/bin/cutover-guard\n"
    "Rss:                   8 kB\n"
    "Anonymous:             8 kB\n"
    "Swap:                  0 kB\n"
    "Private_Dirty:         8 kB\n"
    "55d0c2000000-55d0c2300000 rw-p 00000000 00:00 0                          [heap]\n"
    "Rss:                2752 kB\n"
    "Anonymous:          2752 kB\n"
    "Swap:                  0 kB\n"
    "Private_Dirty:      2752 kB\n"
    "7f0000000000-7f0000021000 r-xp 00000000 fe:00 77                         /opt/my lib/libx.so\n"
    "Rss:                  12 kB\n"
    "Anonymous:             4 kB\n"
    "Swap:                  0 kB\n"
    "Private_Dirty:         4 kB\n"
    "7f0000100000-7f0000101000 r-xs 00000000 fe:00 78                         /dev/shm/shared\n"
    "Rss:                   4 kB\n"
    "Anonymous:             0 kB\n"
    "Swap:                  0 kB\n"
    "Private_Dirty:         0 kB\n"
    "7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]\n"
    "Rss:                   8 kB\n"
    "Anonymous:             0 kB\n"
    "Swap:                  0 kB\n"
    "Private_Dirty:         0 kB\n";

}  // namespace

TEST_CASE("smaps is parsed into mappings with their resident and anonymous sizes",
          "[base][resident]") {
  auto maps = ParseSmaps(kSmaps);
  REQUIRE(maps.size() == 8);
  CHECK(maps[1].begin == 0x55d0c0a9b000);
  CHECK(maps[1].end == 0x55d0c0d8f000);
  CHECK(maps[1].perms == "r-xp");
  CHECK(maps[1].path == "/usr/bin/cutover-guard");
  CHECK(maps[1].rss_kb == 2768);
  CHECK(maps[4].path == "[heap]");
  CHECK(maps[5].path == "/opt/my lib/libx.so");
  CHECK(maps[5].anonymous_kb == 4);
}

TEST_CASE("only clean private read-only file mappings are released", "[base][resident]") {
  auto maps = ParseSmaps(kSmaps);
  std::vector<bool> releasable;
  for (const auto& m : maps) releasable.push_back(IsReleasable(m));
  // Code and read-only data of the executable: yes. Relocated (copied-on-write) read-only
  // data, writable data, the heap, a text page a debugger wrote to, a shared mapping and the
  // vDSO: never.
  CHECK(releasable == std::vector<bool>{true, true, false, false, false, false, false, false});
}

TEST_CASE("hostile smaps text is parsed without trusting it", "[base][resident]") {
  CHECK(ParseSmaps("").empty());
  CHECK(ParseSmaps("Rss: 12 kB\nAnonymous: 0 kB\n").empty());  // Fields before any header.
  // A header with an end below its begin, or not hex, ends the parse.
  CHECK(ParseSmaps("2000-1000 r-xp 0 fe:00 1 /x\nRss: 4 kB\n").empty());
  CHECK(ParseSmaps("zz-1000 r-xp 0 fe:00 1 /x\n").empty());
  auto maps = ParseSmaps(std::string(kSmaps.substr(0, 200)) + "\n" + std::string(10000, 'f'));
  CHECK(maps.size() <= 2);
  // A huge value saturates nothing: it is parsed or left at 0.
  auto big = ParseSmaps("1000-2000 r-xp 0 fe:00 1 /x\nRss: 99999999999999999999999 kB\n");
  REQUIRE(big.size() == 1);
  CHECK(big[0].rss_kb == 0);
}

TEST_CASE("a mapping with swapped-out or dirty pages, or without the fields, is kept",
          "[base][resident]") {
  // RELRO: its relocated pages swapped out (no resident anonymous page left).
  auto swapped = ParseSmaps(
      "1000-5000 r--p 00000000 fe:00 9 /usr/lib/libx.so\nRss: 4 kB\nAnonymous: 0 kB\n"
      "Swap: 8 kB\nPrivate_Dirty: 0 kB\n");
  REQUIRE(swapped.size() == 1);
  CHECK_FALSE(IsReleasable(swapped[0]));
  auto dirty = ParseSmaps(
      "1000-5000 r--p 00000000 fe:00 9 /usr/lib/libx.so\nRss: 4 kB\nAnonymous: 0 kB\n"
      "Swap: 0 kB\nPrivate_Dirty: 4 kB\n");
  CHECK_FALSE(IsReleasable(dirty.at(0)));
  // An old kernel (or a damaged read) without Swap / Private_Dirty: not known, not released.
  auto unknown =
      ParseSmaps("1000-5000 r-xp 00000000 fe:00 9 /usr/lib/libx.so\nRss: 4 kB\nAnonymous: 0 kB\n");
  CHECK_FALSE(IsReleasable(unknown.at(0)));
  auto garbage = ParseSmaps(
      "1000-5000 r-xp 00000000 fe:00 9 /usr/lib/libx.so\nRss: 4 kB\nAnonymous: x kB\n"
      "Swap: 0 kB\nPrivate_Dirty: 0 kB\n");
  CHECK_FALSE(IsReleasable(garbage.at(0)));
}

TEST_CASE("releasing start-up pages keeps what the process reads", "[base][resident]") {
  // A file mapped read-only and touched: after the release it reads the same, and the
  // release counted it.
  testing::TempDir dir;
  const auto path = dir.path() / "data.bin";
  std::string content(256 * 1024, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + 3);
  REQUIRE(WriteFileAtomic(path, content).ok());
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  void* p = ::mmap(nullptr, content.size(), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  REQUIRE(p != MAP_FAILED);
  const char* bytes = static_cast<const char*>(p);
  uint64_t sum = 0;
  for (size_t i = 0; i < content.size(); i += 4096) sum += static_cast<unsigned char>(bytes[i]);
  auto released = ReleaseStartupMemory();
  REQUIRE(released.ok());
  CHECK(released->mappings >= 1);
  CHECK(released->file_kb >= 256);
  CHECK(std::memcmp(bytes, content.data(), content.size()) == 0);
  ::munmap(p, content.size());
  // A private mapping written to (as the loader writes RELRO) and then made read-only keeps
  // its written bytes: it holds pages of its own, so it is not released.
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  void* w = ::mmap(nullptr, content.size(), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  REQUIRE(w != MAP_FAILED);
  static_cast<char*>(w)[4096] = 'X';
  REQUIRE(::mprotect(w, content.size(), PROT_READ) == 0);
  REQUIRE(ReleaseStartupMemory().ok());
  CHECK(static_cast<const char*>(w)[4096] == 'X');
  CHECK(std::memcmp(static_cast<const char*>(w) + 8192, content.data() + 8192, 4096) == 0);
  ::munmap(w, content.size());
  // An unreadable smaps is an error, not a crash.
  CHECK_FALSE(ReleaseStartupMemory((dir.path() / "missing").string()).ok());
}

}  // namespace cg
