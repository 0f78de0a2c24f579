// Bearer-token authorization for the API's write endpoints.
//
// The token comes from `api.token_file`; it is compared in constant time (for a given token
// length) so response timing does not reveal how many leading bytes a guess got right.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cg {

// True when a and b are equal. Runs in time that depends only on b.size() (the secret's length),
// never on where the first difference is.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

enum class AuthResult {
  kOk,
  kDisabled,  // No token configured: writes are refused (403).
  kMissing,   // No usable "Authorization: Bearer ..." header (401).
  kWrong,     // A bearer token that does not match (403).
};

// Checks an Authorization header value ("" when absent) against `token` ("" = writes disabled).
// The scheme name is case-insensitive ("bearer" works), as RFC 6750 allows.
AuthResult CheckBearer(std::string_view authorization_header, std::string_view token);

// Shortest accepted API token (a guessable token would make the write endpoints open).
inline constexpr size_t kMinApiTokenLength = 16;

// Reads a token file (at most kMaxSecretFileBytes): surrounding whitespace (the usual trailing
// newline) is stripped. Errors, each "PATH: reason": unreadable or too large, readable by
// others (mode & 007; group-read is allowed because the package installs the file 0640
// root:cutover-guard), empty, inner whitespace or control bytes, fewer than kMinApiTokenLength
// characters. Callers prefix "api.token_file ".
Result<std::string> LoadApiToken(const std::filesystem::path& path);

}  // namespace cg
