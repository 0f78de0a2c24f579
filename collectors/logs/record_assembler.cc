#include "collectors/logs/record_assembler.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "base/utf8.h"

namespace cg {
namespace {

// Appends `text` as valid UTF-8: as it is when the splitter found it clean (Line::clean), else
// through the sanitiser.
void AppendText(std::string_view text, bool clean, std::string* out) {
  if (clean) {
    out->append(text);
  } else {
    AppendSanitizedUtf8(text, out);
  }
}

// Whether a line can be in a container runtime's envelope at all: a CRI line starts with a
// digit of its RFC 3339 time, a Docker json-file line with '{' (DecodeEnvelope rejects an
// empty line and any other first byte). Log lines start with neither, and skip the decoder.
bool MayBeEnveloped(std::string_view line) {
  return !line.empty() && (line[0] == '{' || (line[0] >= '0' && line[0] <= '9'));
}

}  // namespace

Result<std::unique_ptr<RecordAssembler>> RecordAssembler::Create(const LogSpec& spec) {
  auto format = RecordFormat::Create(spec.format, spec.entry_start);
  if (!format.ok()) return format.error().WithPrefix(spec.name);
  return std::make_unique<RecordAssembler>(std::move(format).value(), OptionsFor(spec));
}

AssemblerOptions RecordAssembler::OptionsFor(const LogSpec& spec) {
  AssemblerOptions opts;
  opts.log_name = spec.name;
  opts.zone = spec.timezone;
  // The first line may grow 3x when every byte is invalid UTF-8; keep room for a few of them.
  opts.max_record_bytes = std::max<uint64_t>(opts.max_record_bytes, 4 * spec.max_line);
  opts.envelope = spec.envelope;
  opts.max_line = spec.max_line;
  opts.early_flush = std::min(spec.early_flush, spec.flush_timeout);
  opts.flush_timeout = spec.flush_timeout;
  return opts;
}

RecordAssembler::RecordAssembler(std::shared_ptr<const RecordFormat> format,
                                 AssemblerOptions options)
    : format_(std::move(format)),
      options_(std::move(options)),
      time_(options_.zone),
      early_(options_.early_flush) {}

void RecordAssembler::SetSource(std::string_view file, const FileIdentity& id) {
  // A late line never continues a record of another file; a rename keeps the file.
  if (!(id == file_id_)) early_open_ = false;
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
  record_.recognised = is_entry && h.in_layout;
  if (is_entry && h.has_time) {
    record_.time = h.has_zone ? h.instant : time_.ToWall(h.civil);
    record_.time_from_log = true;
  } else {
    record_.time = read_time;
    record_.time_from_log = read_time_in_log_;  // The runtime's time of the line.
  }
  record_.level = h.level;
  record_.logger.assign(h.logger.data(), h.logger.size());
  pending_ = true;
}

void RecordAssembler::AddLine(const Line& line, WallTime read_time, MonoTime now,
                              const RecordSink& sink) {
  read_time_in_log_ = false;
  // A raw line with no split line held: straight on (what the kNone branch below does then).
  if (options_.envelope == Envelope::kNone || (!MayBeEnveloped(line.text) && !HoldsPiece())) {
    return AddUnwrapped(line, read_time, now, sink);
  }
  EnvelopeLine e;
  DecodeEnvelope(options_.envelope, line.text, &scratch_, &e);
  if (e.kind == Envelope::kNone) {
    // A raw line ends split lines whose last piece never came (a runtime restart).
    for (int stream : {0, 1}) {
      if (pieces_[stream].held) AddPieces(stream, /*complete=*/false, now, sink);
    }
    read_time_in_log_ = false;
    return AddUnwrapped(line, read_time, now, sink);
  }
  const int stream = e.stderr_stream ? 1 : 0;
  Piece& piece = pieces_[stream];
  if (!e.partial && !piece.held) {
    read_time_in_log_ = e.has_time;
    Line inner = line;
    inner.text = e.text;
    // A CRI line's text is a part of the line; a Docker line's is unescaped JSON.
    inner.clean = line.clean && e.kind == Envelope::kCri;
    return AddUnwrapped(inner, e.has_time ? e.time : read_time, now, sink);
  }
  if (!piece.held) {
    piece.held = true;
    piece.offset = line.offset;
    piece.time = e.has_time ? e.time : read_time;
    piece.has_time = e.has_time;
  }
  // The runtime splits at 16 KiB; the joined line is cut at max_line like any other.
  const size_t room =
      options_.max_line > piece.text.size() ? options_.max_line - piece.text.size() : 0;
  piece.text.append(e.text.substr(0, room));
  piece.truncated = piece.truncated || e.text.size() > room || line.truncated;
  ++piece.lines;
  piece.end = line.end_offset;
  last_line_ = now;
  if (!e.partial) AddPieces(stream, /*complete=*/true, now, sink);
}

void RecordAssembler::AddPieces(int stream, bool complete, MonoTime now, const RecordSink& sink) {
  Piece& piece = pieces_[stream];
  Line joined;
  joined.text = piece.text;
  joined.offset = piece.offset;
  joined.end_offset = piece.end;
  joined.truncated = piece.truncated;
  joined.complete = complete;
  read_time_in_log_ = piece.has_time;
  AddUnwrapped(joined, piece.time, now, sink, piece.lines);
  read_time_in_log_ = false;
  piece = Piece{};
}

uint64_t RecordAssembler::pending_offset() const {
  uint64_t offset = pending_ ? record_.offset : UINT64_MAX;
  for (const Piece& p : pieces_) {
    if (p.held) offset = std::min(offset, p.offset);
  }
  return offset;
}

void RecordAssembler::AddUnwrapped(const Line& line, WallTime read_time, MonoTime now,
                                   const RecordSink& sink, uint32_t physical_lines) {
  std::string_view text = line.text;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  EntryHeader h;
  bool is_entry = format_->Match(text, &h);
  if (!is_entry && !pending_ && early_open_ && now < late_until_) {
    // The record handed on early was not complete after all: these lines are its late
    // continuation, not a record. Wait longer before the next early flush of this file.
    const auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_line_);
    early_ =
        std::min<std::chrono::nanoseconds>(options_.flush_timeout, std::max(2 * early_, 2 * pause));
    early_streak_ = 0;
    early_open_ = false;
    // record_ still holds that record (nothing was started since): it goes again, grown by
    // these lines, so that the rules see the whole of it (Record::late).
    record_.late = true;
    record_.continues = early_offset_;
    record_.offset = line.offset;  // What a checkpoint keeps while these lines are pending.
    record_.late_start = static_cast<uint32_t>(record_.text.size() + 1);
    if (record_.text.size() + 1 + text.size() <= options_.max_record_bytes) {
      record_.text.push_back('\n');
      AppendText(text, line.clean, &record_.text);
    } else {
      record_.truncated = true;
    }
    record_.truncated = record_.truncated || line.truncated;
    record_.end_offset = line.end_offset;
    record_.lines = physical_lines;  // The late lines only (the rest were counted).
    pending_ = true;
    last_line_ = now;
    return;
  }
  if (is_entry) early_open_ = false;
  if (is_entry || !pending_) {
    if (pending_) Emit(sink);
    Start(line, h, is_entry, read_time);
    // The header and the message are sanitised apart so that message_start stays exact when
    // the header holds bytes the sanitiser replaces (the header ends in an ASCII space).
    const size_t header = is_entry ? std::min(h.message_offset, text.size()) : 0;
    if (line.clean) {
      record_.message_start = static_cast<uint32_t>(record_.text.size() + header);
      record_.text.append(text);
    } else {
      AppendSanitizedUtf8(text.substr(0, header), &record_.text);
      record_.message_start = static_cast<uint32_t>(record_.text.size());
      AppendSanitizedUtf8(text.substr(header), &record_.text);
    }
  } else if (record_.text.size() + 1 + text.size() <= options_.max_record_bytes) {
    record_.text.push_back('\n');
    AppendText(text, line.clean, &record_.text);
  } else {
    record_.truncated = true;  // Counted in `lines`, text dropped.
  }
  record_.truncated = record_.truncated || line.truncated;
  record_.end_offset = line.end_offset;
  record_.lines += physical_lines;
  last_line_ = now;
  if (format_->line_per_record()) Emit(sink);
}

void RecordAssembler::Emit(const RecordSink& sink) {
  pending_ = false;
  if (record_.late) {
    late_lines_ += record_.lines;
  } else {
    ++records_;
  }
  lines_ += record_.lines;
  if (record_.recognised) recognised_lines_ += record_.lines;
  last_record_time_ = record_.time;
  if (sink) sink(record_);
}

bool RecordAssembler::Flush(const RecordSink& sink) {
  for (int stream : {0, 1}) {
    if (pieces_[stream].held) AddPieces(stream, /*complete=*/false, last_line_, sink);
  }
  if (!pending_) return false;
  Emit(sink);
  return true;
}

bool RecordAssembler::EarlyAllowed(bool line_open) const {
  // Not while part of a line is unread (the writer is mid-line) or a runtime's split line is
  // held (its last piece will come).
  return early_.count() > 0 && pending_ && !line_open && !HoldsPiece();
}

std::optional<MonoTime> RecordAssembler::FlushDeadline(std::chrono::milliseconds timeout,
                                                       bool line_open) const {
  if (!has_pending()) return std::nullopt;
  if (EarlyAllowed(line_open) && early_ < timeout) {
    return last_line_ + std::chrono::duration_cast<MonoTime::duration>(early_);
  }
  return last_line_ + timeout;
}

bool RecordAssembler::FlushIfIdle(MonoTime now, std::chrono::milliseconds timeout,
                                  const RecordSink& sink, bool line_open) {
  if (!has_pending()) return false;
  if (now - last_line_ >= timeout) {
    early_open_ = false;
    return Flush(sink);
  }
  if (!EarlyAllowed(line_open) || now - last_line_ < early_) return false;
  // Early: a late continuation within `timeout` of this record's last line continues it.
  const uint64_t offset = record_.late ? record_.continues : record_.offset;
  Emit(sink);
  early_open_ = true;
  early_offset_ = offset;
  late_until_ = last_line_ + timeout;
  if (++early_streak_ >= kEarlyFlushDecayRecords) {
    early_streak_ = 0;
    early_ = std::max<std::chrono::nanoseconds>(options_.early_flush, early_ / 2);
  }
  return true;
}

void RecordAssembler::Discard() {
  early_open_ = false;
  pending_ = false;
  for (Piece& p : pieces_) p = Piece{};
}

}  // namespace cg
