// Hashes of the signature miner: 64-bit FNV-1a, the one function behind every signature id.
//
// A signature id is FNV-1a 64 of its key and template text (see SignatureId in miner.h), so it
// is the same in every process, on every host, after every restart: nothing here may change
// without changing every id ever written into a baseline. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cg {

inline constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// Continues an FNV-1a 64 hash `h` over `bytes` (start with kFnvOffset).
constexpr uint64_t Fnv1a64(std::string_view bytes, uint64_t h = kFnvOffset) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return h;
}

// Continues an FNV-1a 64 hash over one byte.
constexpr uint64_t Fnv1a64Byte(unsigned char c, uint64_t h) { return (h ^ c) * kFnvPrime; }

// A fast 64-bit hash (eight bytes a step) for the miner's lookup tables: the same value in
// every process, but not part of any id, so it may change between versions.
inline uint64_t FastHash64(std::string_view bytes) {
  auto step = [](uint64_t h) {
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 32);
  };
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t h = 0x452821e638d01377ULL ^ n;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = step(h ^ v);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = step(h ^ v ^ (uint64_t{0xff} << 56));
  }
  return h;
}

// `id` as 16 lower-case hex digits, zero-padded: the printed form of a signature id.
std::string HexId(uint64_t id);

// Parses the 16-hex-digit form (upper or lower case); false if `text` is not exactly that.
bool ParseHexId(std::string_view text, uint64_t* id);

}  // namespace cg
