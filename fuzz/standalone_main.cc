// Standalone driver for the fuzz targets when they are not linked with libFuzzer (g++ builds,
// plain and ASan/UBSan): runs LLVMFuzzerTestOneInput once over every file named on the command
// line, or over every regular file under each directory named there (recursively, in sorted
// order so a failure is reproducible). This turns the stored corpora and crash reproducers into
// ctest regression tests; it does no mutation. Prints "N inputs ok" and exits 0 when every
// input ran; a crash is reported by the sanitizers (or the abort) as usual.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

bool ReadAll(const fs::path& path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(arg, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      inputs.insert(inputs.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(arg, ec)) {
      inputs.push_back(arg);
    } else if (fs::exists(arg, ec)) {
      std::fprintf(stderr, "%s: not a file or directory\n", argv[i]);
      return 2;
    }
    // A missing path is skipped: regressions/<target>/ exists only once a crash was found.
  }
  size_t n = 0;
  std::vector<uint8_t> data;
  for (const fs::path& p : inputs) {
    if (!ReadAll(p, &data)) {
      std::fprintf(stderr, "%s: cannot read\n", p.c_str());
      return 2;
    }
    // Copy into an exactly-sized heap block so ASan sees reads past the end, as under libFuzzer.
    auto exact = std::make_unique<uint8_t[]>(data.size());
    if (!data.empty()) std::memcpy(exact.get(), data.data(), data.size());
    if (std::getenv("CG_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "running %s\n", p.c_str());
    LLVMFuzzerTestOneInput(exact.get(), data.size());
    ++n;
  }
  std::printf("%zu inputs ok\n", n);
  return 0;
}
