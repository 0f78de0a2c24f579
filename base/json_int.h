// Integer fields of JSON read from outside (state files, spool lines). nlohmann's get<int64_t>()
// on a floating-point value converts it with a plain cast, which is undefined behaviour when
// the value is out of range (a damaged file holding 9.2e19); these refuse floats and values
// outside T instead. Header-only; thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace cg {

// The value as a T, or nullopt if it is not an integer or does not fit.
template <typename T>
std::optional<T> TryJsonInteger(const nlohmann::json& j) {
  static_assert(std::is_integral_v<T>);
  if (!j.is_number_integer()) return std::nullopt;
  if (j.is_number_unsigned()) {
    const uint64_t v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(v);
  }
  const int64_t v = j.get<int64_t>();
  if constexpr (std::is_unsigned_v<T>) {
    if (v < 0 || static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return std::nullopt;
    }
  } else {
    if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        v > static_cast<int64_t>(std::numeric_limits<T>::max())) {
      return std::nullopt;
    }
  }
  return static_cast<T>(v);
}

// The same, throwing std::out_of_range (for loaders that catch nlohmann's exceptions at their
// library edge anyway).
template <typename T>
T JsonInteger(const nlohmann::json& j) {
  if (auto v = TryJsonInteger<T>(j)) return *v;
  throw std::out_of_range("expected an integer that fits, got " + j.dump());
}

}  // namespace cg
