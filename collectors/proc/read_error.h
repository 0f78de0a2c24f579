// A failed read or parse, as counted in metrics: which file, and a coarse reason.
#pragma once

#include <cerrno>
#include <string_view>

namespace cg::proc {

struct ReadError {
  std::string_view file;    // Static label: "stat", "meminfo", "status", "fd", ...
  std::string_view reason;  // "missing", "denied", "io" or "parse".
};

// Coarse reason for an errno value.
inline std::string_view ReasonOf(int err) {
  switch (err) {
    case ENOENT:
    case ESRCH:
      return "missing";
    case EACCES:
    case EPERM:
      return "denied";
    default:
      return "io";
  }
}

}  // namespace cg::proc
