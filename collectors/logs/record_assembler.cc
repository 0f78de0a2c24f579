#include "collectors/logs/record_assembler.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cg {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF).
size_t ValidSequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n = s.size() - i;
  auto cont = [&](size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    unsigned char c1 = byte(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // Overlong.
    if (c == 0xED && c1 > 0x9F) return 0;  // Surrogates.
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    unsigned char c1 = byte(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;  // Overlong.
    if (c == 0xF4 && c1 > 0x8F) return 0;  // Above U+10FFFF.
    return 4;
  }
  return 0;
}

}  // namespace

void AppendSanitizedUtf8(std::string_view in, std::string* out) {
  size_t i = 0;
  while (i < in.size()) {
    // Copy the longest run of ASCII without NUL in one go (the common case), sixteen bytes at
    // a time where SSE2 is there (every x86-64), else eight: a block is clean when no byte has
    // its high bit set and no byte is zero.
    size_t j = i;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    while (j + 16 <= in.size()) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data() + j));
      if (_mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, zero))) != 0) break;
      j += 16;
    }
#endif
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    while (j + 8 <= in.size()) {
      uint64_t w;
      std::memcpy(&w, in.data() + j, 8);
      if (((w | ((w - kOnes) & ~w)) & kHighs) != 0) break;
      j += 8;
    }
    while (j < in.size() && static_cast<unsigned char>(in[j]) < 0x80 && in[j] != '\0') ++j;
    out->append(in.data() + i, j - i);
    i = j;
    if (i >= in.size()) break;
    if (in[i] == '\0') {
      out->append(kReplacement);
      ++i;
      continue;
    }
    size_t len = ValidSequenceLength(in, i);
    if (len == 0) {
      out->append(kReplacement);
      ++i;
    } else {
      out->append(in.data() + i, len);
      i += len;
    }
  }
}

Result<std::unique_ptr<RecordAssembler>> RecordAssembler::Create(const LogSpec& spec) {
  auto format = RecordFormat::Create(spec.format, spec.entry_start);
  if (!format.ok()) return format.error().WithPrefix(spec.name);
  auto zone = TimeZone::Parse(spec.timezone);
  if (!zone.ok()) return zone.error().WithPrefix(spec.name);
  AssemblerOptions opts;
  opts.log_name = spec.name;
  opts.zone = *zone;
  // The first line may grow 3x when every byte is invalid UTF-8; keep room for a few of them.
  opts.max_record_bytes = std::max<uint64_t>(opts.max_record_bytes, 4 * spec.max_line);
  return std::make_unique<RecordAssembler>(std::move(format).value(), std::move(opts));
}

RecordAssembler::RecordAssembler(std::shared_ptr<const RecordFormat> format,
                                 AssemblerOptions options)
    : format_(std::move(format)), options_(std::move(options)), time_(options_.zone) {}

void RecordAssembler::SetSource(std::string_view file, const FileIdentity& id) {
  file_.assign(file.data(), file.size());
  file_id_ = id;
}

void RecordAssembler::Start(const Line& line, const EntryHeader& h, bool is_entry,
                            WallTime read_time) {
  record_.Clear();
  record_.log = options_.log_name;
  record_.file = file_;
  record_.file_id = file_id_;
  record_.offset = line.offset;
  if (is_entry && h.has_time) {
    record_.time = h.has_zone ? h.instant : time_.ToWall(h.civil);
    record_.time_from_log = true;
  } else {
    record_.time = read_time;
  }
  record_.level = h.level;
  record_.logger.assign(h.logger.data(), h.logger.size());
  pending_ = true;
}

void RecordAssembler::AddLine(const Line& line, WallTime read_time, MonoTime now,
                              const RecordSink& sink) {
  std::string_view text = line.text;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  EntryHeader h;
  bool is_entry = format_->Match(text, &h);
  if (is_entry || !pending_) {
    if (pending_) Emit(sink);
    Start(line, h, is_entry, read_time);
    // The header and the message are sanitised apart so that message_start stays exact when
    // the header holds bytes the sanitiser replaces (the header ends in an ASCII space).
    const size_t header = is_entry ? std::min(h.message_offset, text.size()) : 0;
    AppendSanitizedUtf8(text.substr(0, header), &record_.text);
    record_.message_start = static_cast<uint32_t>(record_.text.size());
    AppendSanitizedUtf8(text.substr(header), &record_.text);
  } else if (record_.text.size() + 1 + text.size() <= options_.max_record_bytes) {
    record_.text.push_back('\n');
    AppendSanitizedUtf8(text, &record_.text);
  } else {
    record_.truncated = true;  // Counted in `lines`, text dropped.
  }
  record_.truncated = record_.truncated || line.truncated;
  record_.end_offset = line.end_offset;
  ++record_.lines;
  last_line_ = now;
  if (format_->line_per_record()) Emit(sink);
}

void RecordAssembler::Emit(const RecordSink& sink) {
  pending_ = false;
  ++records_;
  lines_ += record_.lines;
  last_record_time_ = record_.time;
  if (sink) sink(record_);
}

bool RecordAssembler::Flush(const RecordSink& sink) {
  if (!pending_) return false;
  Emit(sink);
  return true;
}

bool RecordAssembler::FlushIfIdle(MonoTime now, std::chrono::milliseconds timeout,
                                  const RecordSink& sink) {
  if (!pending_ || now - last_line_ < timeout) return false;
  Emit(sink);
  return true;
}

void RecordAssembler::Discard() { pending_ = false; }

}  // namespace cg
