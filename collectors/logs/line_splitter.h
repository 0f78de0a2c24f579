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

namespace cg {

struct Line {
  std::string_view text;    // Without the newline. Valid only during the callback.
  uint64_t offset = 0;      // Stream offset of the line's first byte.
  uint64_t end_offset = 0;  // Offset just past the newline (or past the last byte if none).
  bool truncated = false;   // Longer than max_line; `text` holds the first max_line bytes.
  bool complete = true;     // Ended by a newline (false only for FlushPartial()).
};

class LineSplitter {
 public:
  explicit LineSplitter(uint64_t max_line, uint64_t offset = 0)
      : max_line_(max_line == 0 ? 1 : max_line), pos_(offset), line_start_(offset) {}

  // Consumes `data` (which starts at offset()) and calls on_line(const Line&) per complete line.
  template <typename F>
  void Feed(std::string_view data, F&& on_line) {
    size_t i = 0;
    while (i < data.size()) {
      const char* nl =
          static_cast<const char*>(std::memchr(data.data() + i, '\n', data.size() - i));
      size_t end = nl ? static_cast<size_t>(nl - data.data()) : data.size();
      std::string_view piece = data.substr(i, end - i);
      if (nl == nullptr) {
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
