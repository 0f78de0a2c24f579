// EvidenceRing: the matching records an alert keeps: the first one, then the most recent
// (capacity - 1). Slots are allocated once and their strings reused, so after warm-up adding
// evidence copies bytes without allocating. Not thread-safe.
#pragma once

#include <algorithm>
#include <vector>

#include "rules/alert.h"

namespace cg {

class EvidenceRing {
 public:
  explicit EvidenceRing(size_t capacity = 0) { Reset(capacity); }
  void Reset(size_t capacity) {
    slots_.assign(capacity, Evidence{});
    has_first_ = false;
    added_ = 0;
  }
  void Clear() {
    has_first_ = false;
    added_ = 0;
  }
  // Returns the slot written (null if none: no capacity); it holds `r`'s evidence until this
  // ring writes that slot again.
  const Evidence* Add(const Record& r) {
    Evidence* slot = Next();
    if (slot) CopyEvidence(r, slot);
    return slot;
  }
  void Add(const Evidence& e) {
    if (Evidence* slot = Next()) *slot = e;
  }
  // Joins a late continuation to the kept record it continues (ContinueEvidence); false if
  // that record is not kept here.
  bool Continue(const Record& late) {
    if (!has_first_) return false;
    const size_t used = 1 + std::min(added_, slots_.size() - 1);
    bool any = false;
    for (size_t i = 0; i < used; ++i) any = ContinueEvidence(late, &slots_[i]) || any;
    return any;
  }
  // Oldest first: the first match, then the retained recent ones.
  std::vector<Evidence> Snapshot() const {
    std::vector<Evidence> out;
    if (!has_first_) return out;
    out.push_back(slots_[0]);
    const size_t ring = slots_.size() - 1;
    if (ring == 0) return out;
    const size_t n = added_ < ring ? added_ : ring;
    for (size_t i = added_ - n; i < added_; ++i) out.push_back(slots_[1 + i % ring]);
    return out;
  }
  const Evidence* Latest() const {
    if (!has_first_) return nullptr;
    const size_t ring = slots_.size() - 1;
    if (ring == 0 || added_ == 0) return &slots_[0];
    return &slots_[1 + (added_ - 1) % ring];
  }
  size_t capacity() const { return slots_.size(); }

 private:
  Evidence* Next() {
    if (slots_.empty()) return nullptr;
    if (!has_first_) {
      has_first_ = true;
      return &slots_[0];
    }
    const size_t ring = slots_.size() - 1;
    if (ring == 0) return nullptr;
    return &slots_[1 + added_++ % ring];
  }

  std::vector<Evidence> slots_;
  bool has_first_ = false;
  size_t added_ = 0;  // Added to the ring part (after the first).
};

}  // namespace cg
