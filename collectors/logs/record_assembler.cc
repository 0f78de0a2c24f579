#include "collectors/logs/record_assembler.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "base/utf8.h"

namespace cg {

Result<std::unique_ptr<RecordAssembler>> RecordAssembler::Create(const LogSpec& spec) {
  auto format = RecordFormat::Create(spec.format, spec.entry_start);
  if (!format.ok()) return format.error().WithPrefix(spec.name);
  AssemblerOptions opts;
  opts.log_name = spec.name;
  opts.zone = spec.timezone;
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
  record_.recognised = is_entry && h.in_layout;
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
  if (record_.recognised) recognised_lines_ += record_.lines;
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
