// LogTailer checkpoints: restoring tracked files from <state_dir>/logs/<name>.json and writing
// it back atomically when offsets change.
#include "base/state_file.h"
#include "collectors/logs/checkpoint.h"
#include "collectors/logs/file_io.h"
#include "collectors/logs/log_tailer.h"
#include "collectors/logs/tracked_file.h"

namespace cg {

void LogTailer::Restore(const CheckpointState& state) {
  had_checkpoint_ = true;
  pattern_changed_ = state.pattern != options_.spec.path;
  checkpoint_max_mtime_ns_ = state.max_mtime_ns;
  max_mtime_ns_ = state.max_mtime_ns;
  for (const auto& e : state.files) {
    if (e.finished && !e.live) {
      retired_.push_back(Retired{e.id, e.fp_len, e.path});
      continue;
    }
    auto f = NewFile(e.path);
    f->id = e.id;
    f->fp_len = e.fp_len;
    f->gz = e.gz;
    f->live = e.live;
    f->rotated = !e.live;
    f->rotation_counted = !e.live;  // Counted by the process that saw it.
    f->finished = e.finished;
    f->stat.size = e.size;
    f->stat.mtime_ns = e.mtime_ns;
    f->stat.device = e.id.device;
    f->stat.inode = e.id.inode;
    f->StartAt(e.offset);
    f->SetGuard(e.guard);
    f->restored = true;
    f->checkpoint_live = e.live;
    f->checkpoint_path = e.path;
    f->checkpoint_mtime_ns = e.mtime_ns;
    f->checkpoint_size = e.size;
    f->empty_at_checkpoint = e.live && e.offset == 0 && e.fp_len == 0;
    Notice(NoticeLevel::kInfo, "checkpoint: " + e.path + " (inode " + std::to_string(e.id.inode) +
                                   ") at offset " + std::to_string(e.offset) + " of " +
                                   std::to_string(e.size) + (e.live ? "" : ", rotated"));
    files_.push_back(std::move(f));
  }
  Notice(NoticeLevel::kInfo, "restored checkpoint: " + std::to_string(files_.size()) +
                                 " file(s) to resume, " + std::to_string(retired_.size()) +
                                 " finished");
}

uint64_t LogTailer::CheckpointSignature() const {
  // Everything a checkpoint records, folded into one number: an idle log costs this, not a
  // JSON serialisation, every checkpoint interval.
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ULL;
  };
  for (const auto& f : files_) {
    mix(f->seq);
    mix(FingerprintOf(f->path));
    mix(f->id.device);
    mix(f->id.inode);
    mix(f->id.fingerprint);
    mix(f->committed());
    mix(f->stat.size);
    mix(static_cast<uint64_t>(f->stat.mtime_ns));
    mix((f->live ? 1u : 0u) | (f->rotated ? 2u : 0u) | (f->finished ? 4u : 0u) |
        (f->copy_of >= 0 ? 8u : 0u) | (f->gz ? 16u : 0u));
  }
  mix(retired_.size());
  if (!retired_.empty()) mix(retired_.back().id.inode);
  mix(static_cast<uint64_t>(max_mtime_ns_));
  return h;
}

CheckpointState LogTailer::CurrentCheckpoint() const {
  CheckpointState s;
  s.log = options_.spec.name;
  s.pattern = options_.spec.path;
  s.max_mtime_ns = max_mtime_ns_;
  for (const auto& f : files_) {
    CheckpointEntry e;
    e.path = f->path;
    e.id = f->id;
    e.fp_len = f->fp_len;
    e.offset = f->committed();
    e.size = f->stat.size;
    e.mtime_ns = f->stat.mtime_ns;
    e.live = f->live && !f->rotated;
    e.finished = f->finished || f->copy_of >= 0;
    if (e.finished) e.live = false;
    e.gz = f->gz;
    if (!e.finished) e.guard = f->GuardAt(e.offset);
    s.files.push_back(std::move(e));
  }
  for (const auto& r : retired_) {
    CheckpointEntry e;
    e.path = r.path;
    e.id = r.id;
    e.fp_len = r.fp_len;
    e.finished = true;
    s.files.push_back(std::move(e));
  }
  return s;
}

Status LogTailer::Checkpoint() {
  if (options_.state_dir.empty()) return Status::Ok();
  const uint64_t signature = CheckpointSignature();
  if (!last_checkpoint_.empty() && signature == last_signature_) return Status::Ok();
  std::string text = SerializeCheckpoint(CurrentCheckpoint());
  if (text == last_checkpoint_) return Status::Ok();  // Nothing moved: no disk write.
  Status st = WriteStateFile(CheckpointPath(options_.state_dir, options_.spec.name), text);
  if (!st.ok()) {
    status_.last_error = st.message();
    return st.WithPrefix(options_.spec.name);
  }
  last_checkpoint_ = std::move(text);
  last_signature_ = signature;
  return Status::Ok();
}

}  // namespace cg
