// Writes gzip files for tests of rotated, compressed logs (zlib, as logrotate's gzip writes).
#pragma once

#include <zlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string_view>

#include "base/fs.h"

namespace cg::testing {

// Writes `content` to `path` as one gzip member.
inline void WriteGzip(const std::filesystem::path& path, std::string_view content) {
  gzFile gz = gzopen(path.c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())) ==
          static_cast<int>(content.size()));
  REQUIRE(gzclose(gz) == Z_OK);
}

// Compresses the file `from` into `to` (what logrotate's compress step leaves behind).
inline void GzipFile(const std::filesystem::path& from, const std::filesystem::path& to) {
  auto text = ReadFile(from, 1ull << 30);
  REQUIRE(text.ok());
  WriteGzip(to, *text);
}

}  // namespace cg::testing
