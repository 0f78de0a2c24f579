#include "daemon/http/auth.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "base/fs.h"

namespace cg {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the whole secret whatever `a` is, folding every difference (and a length mismatch)
  // into one accumulator; a branch-free loop the compiler cannot short-circuit.
  volatile uint8_t diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    uint8_t x = a.empty() ? 0 : static_cast<uint8_t>(a[i % a.size()]);
    diff = diff | static_cast<uint8_t>(x ^ static_cast<uint8_t>(b[i]));
  }
  return diff == 0;
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWithCaseless(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

AuthResult CheckBearer(std::string_view authorization_header, std::string_view token) {
  if (token.empty()) return AuthResult::kDisabled;
  std::string_view h = Trim(authorization_header);
  if (!StartsWithCaseless(h, "bearer ")) return AuthResult::kMissing;
  std::string_view presented = Trim(h.substr(7));
  if (presented.empty()) return AuthResult::kMissing;
  return ConstantTimeEquals(presented, token) ? AuthResult::kOk : AuthResult::kWrong;
}

Result<std::string> LoadApiToken(const std::filesystem::path& path) {
  // The cap makes /dev/zero or a mistyped log path an error rather than an allocation failure.
  auto text = ReadFile(path, kMaxSecretFileBytes);
  if (!text.ok()) return text.error();
  // Group-read is allowed on purpose: the package installs the token 0640 root:cutover-guard so
  // the daemon (group member) can read it but not rewrite it. Only world access is refused.
  // stat() after the read: a file swapped in between is still bounded by the cap above, and
  // the mode we report is the one an operator sees with ls -l.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::Error(path.string() + ": cannot stat: " + std::strerror(errno));
  }
  if ((st.st_mode & 007) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Error(path.string() + ": readable by others (mode " + mode +
                         "); chmod 600 (or 640 with the daemon's group) so only the daemon can "
                         "read the token");
  }
  std::string_view token = Trim(*text);
  if (token.empty()) return Status::Error(path.string() + ": token file is empty");
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return Status::Error(path.string() +
                           ": token contains whitespace or control characters (one token, one "
                           "line)");
    }
  }
  if (token.size() < kMinApiTokenLength) {
    return Status::Error(path.string() + ": token is " + std::to_string(token.size()) +
                         " characters; use at least " + std::to_string(kMinApiTokenLength) +
                         " (e.g. od -An -tx1 -N32 /dev/urandom | tr -d ' \\n')");
  }
  return std::string(token);
}

}  // namespace cg
