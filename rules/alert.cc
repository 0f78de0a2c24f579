#include "rules/alert.h"

#include <algorithm>

#include "base/utf8.h"

namespace cg {

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
  }
  return "inactive";
}

std::string_view AlertEventKindName(AlertEvent::Kind k) {
  switch (k) {
    case AlertEvent::Kind::kFiring:
      return "firing";
    case AlertEvent::Kind::kResolved:
      return "resolved";
    case AlertEvent::Kind::kRecommendationChanged:
      return "recommendation";
  }
  return "firing";
}

std::string AlertId(std::string_view rule, const Labels& sorted_labels) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // Separator that cannot occur in UTF-8 text.
    h *= 1099511628211ull;
  };
  mix(rule);
  for (const auto& [k, v] : sorted_labels) {
    mix(k);
    mix(v);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[h & 0xf];
    h >>= 4;
  }
  return out;
}

void CopyEvidence(const Record& record, Evidence* out) {
  out->log.assign(record.log);
  // File names are bytes, not text (a glob can match `wso2carbon\xff.log`); evidence goes
  // into JSON, which needs UTF-8.
  if (IsValidUtf8(record.file)) {
    out->file.assign(record.file);
  } else {
    out->file = SanitizedUtf8(record.file);
  }
  out->offset = record.offset;
  out->file_id = record.file_id;
  out->time = record.time;
  out->level = record.level;
  out->lines = record.lines;
  // First line plus a bounded part of the trace.
  std::string_view t = record.text;
  // A 3.x/4.x record ends with the blank line after its stack trace: not content.
  while (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  size_t end = 0, lines = 0;
  while (end < t.size() && lines <= kEvidenceMaxLines) {
    size_t nl = t.find('\n', end);
    size_t next = nl == std::string_view::npos ? t.size() : nl + 1;
    if (next > kEvidenceMaxBytes && lines > 0) break;
    end = next;
    ++lines;
  }
  // Cut on a character boundary: half a UTF-8 character makes the whole document invalid JSON.
  if (end > kEvidenceMaxBytes) end = Utf8PrefixLength(t, kEvidenceMaxBytes);
  std::string_view kept = t.substr(0, end);
  if (!kept.empty() && kept.back() == '\n') kept.remove_suffix(1);
  out->text.assign(kept);
  out->truncated = record.truncated || kept.size() < t.size();
}

bool ContinueEvidence(const Record& late, Evidence* out) {
  if (!late.late || out->offset != late.continues || out->log != late.log) return false;
  if (out->file != late.file && out->file != SanitizedUtf8(late.file)) return false;
  // The same path and offset in the file that replaced it (rotated meanwhile) is another record.
  if (out->file_id != FileIdentity{} && late.file_id != FileIdentity{} &&
      (out->file_id.device != late.file_id.device || out->file_id.inode != late.file_id.inode)) {
    return false;
  }
  out->lines += late.lines;
  // Text already cut by bytes has lost lines: what comes after the cut does not follow it.
  if (out->truncated) return true;
  std::string_view t =
      std::string_view(late.text).substr(std::min<size_t>(late.late_start, late.text.size()));
  while (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  size_t kept_lines = static_cast<size_t>(std::count(out->text.begin(), out->text.end(), '\n')) + 1;
  size_t pos = 0;
  while (pos < t.size()) {
    size_t nl = t.find('\n', pos);
    size_t next = nl == std::string_view::npos ? t.size() : nl + 1;
    std::string_view line = t.substr(pos, (nl == std::string_view::npos ? t.size() : nl) - pos);
    if (kept_lines > kEvidenceMaxLines || out->text.size() + 1 + line.size() > kEvidenceMaxBytes) {
      out->truncated = true;
      return true;
    }
    out->text.push_back('\n');
    out->text.append(line);
    ++kept_lines;
    pos = next;
  }
  out->truncated = out->truncated || late.truncated;
  return true;
}

}  // namespace cg
