// LineSplitter: turns a byte stream into lines, with bounded memory whatever the input.
//
// - Complete lines are handed out as views into the fed buffer when possible (no copy).
// - A partial last line is held until its newline arrives (or FlushPartial() at a definite
//   end of the stream: a drained rotated file, the end of a replayed file).
// - A line longer than `max_line` bytes keeps its first max_line bytes; the rest is dropped as
//   it arrives (a 1 GiB line without newline costs max_line bytes of memory) and the line is
//   counted once in long_lines(), at the moment it overflows.
// - Bytes are not interpreted: NUL, invalid UTF-8 and '\r' pass through (the assembler cleans
//   text for downstream consumers).
//
// Offsets are stream positions: the first byte fed after Reset(n) is at offset n.
// Not thread-safe; one per file being read.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cg {

struct Line {
  std::string_view text;    // Without the newline. Valid only during the callback.
  uint64_t offset = 0;      // Stream offset of the line's first byte.
  uint64_t end_offset = 0;  // Offset just past the newline (or past the last byte if none).
  bool truncated = false;   // Longer than max_line; `text` holds the first max_line bytes.
  bool complete = true;     // Ended by a newline (false only for FlushPartial()).
  // Every byte of `text` is ASCII other than NUL, so sanitising it as UTF-8 changes nothing
  // (false only means "not known": lines put together from pieces are not checked).
  bool clean = false;
};

// Index of the first '\n' in [p, p + n), or n; *clean tells whether the bytes before it are
// all ASCII other than NUL. One pass for both: the splitter looks at every byte to find the
// newline anyway, and the assembler then copies clean lines without a second, sanitising scan.
inline size_t FindLineEnd(const char* p, size_t n, bool* clean) {
  size_t i = 0;
  unsigned dirty = 0;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // High bit set (not ASCII) or zero (NUL).
    const unsigned bad =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, zero))));
    const unsigned at = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)));
    if (at != 0) {
      const unsigned k = static_cast<unsigned>(__builtin_ctz(at));
      dirty |= bad & ((1u << k) - 1);
      *clean = dirty == 0;
      return i + k;
    }
    dirty |= bad;
  }
#endif
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c == '\n') break;
    dirty |= c >= 0x80 || c == 0 ? 1u : 0u;
  }
  *clean = dirty == 0;
  return i;
}

class LineSplitter {
 public:
  explicit LineSplitter(uint64_t max_line, uint64_t offset = 0)
      : max_line_(max_line == 0 ? 1 : max_line), pos_(offset), line_start_(offset) {}

  // Consumes `data` (which starts at offset()) and calls on_line(const Line&) per complete line.
  template <typename F>
  void Feed(std::string_view data, F&& on_line) {
    size_t i = 0;
    while (i < data.size()) {
      bool clean = false;
      const size_t end = i + FindLineEnd(data.data() + i, data.size() - i, &clean);
      std::string_view piece = data.substr(i, end - i);
      if (end == data.size()) {
        Hold(piece);
        pos_ += piece.size();
        return;
      }
      Line line;
      line.offset = line_start_;
      line.end_offset = pos_ + piece.size() + 1;
      if (held_.empty() && !overflow_) {
        // Fast path: the whole line is inside `data`.
        if (piece.size() > max_line_) {
          ++long_lines_;
          piece = piece.substr(0, max_line_);
          line.truncated = true;
        }
        line.text = piece;
        line.clean = clean;
      } else {
        Hold(piece);
        line.text = held_;
        line.truncated = overflow_;
      }
      pos_ = line.end_offset;
      line_start_ = pos_;
      on_line(static_cast<const Line&>(line));
      held_.clear();
      overflow_ = false;
      i = end + 1;
    }
  }

  // Emits the held partial line (if any) as a final line without newline.
  template <typename F>
  void FlushPartial(F&& on_line) {
    if (!has_partial()) return;
    Line line;
    line.offset = line_start_;
    line.end_offset = pos_;
    line.text = held_;
    line.truncated = overflow_;
    line.complete = false;
    line_start_ = pos_;
    on_line(static_cast<const Line&>(line));
    held_.clear();
    overflow_ = false;
  }

  // Forgets any partial line and continues at `offset`.
  void Reset(uint64_t offset) {
    held_.clear();
    overflow_ = false;
    pos_ = line_start_ = offset;
  }
  // Releases the held buffer's memory (for files that go idle).
  void ShrinkToFit() {
    if (held_.empty()) std::string().swap(held_);
  }

  uint64_t offset() const { return pos_; }             // Next byte expected.
  uint64_t line_start() const { return line_start_; }  // Start of the held partial line.
  bool has_partial() const { return pos_ != line_start_; }
  uint64_t long_lines() const { return long_lines_; }
  size_t buffered() const { return held_.size(); }  // Bytes of the held partial line.
  uint64_t max_line() const { return max_line_; }

 private:
  void Hold(std::string_view piece) {
    if (overflow_) return;
    size_t room = max_line_ - held_.size();
    if (piece.size() > room) {
      held_.append(piece.data(), room);
      overflow_ = true;
      ++long_lines_;
    } else {
      held_.append(piece.data(), piece.size());
    }
  }

  uint64_t max_line_;
  uint64_t pos_;
  uint64_t line_start_;
  std::string held_;
  bool overflow_ = false;
  uint64_t long_lines_ = 0;
};

}  // namespace cg
