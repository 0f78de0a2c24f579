#include "daemon/http/connection_table.h"

#include <prometheus/gauge.h>

#include <chrono>

namespace cg {

ConnectionTable::ConnectionTable(size_t limit, prometheus::Gauge* open_gauge)
    : limit_(limit < 1 ? 1 : limit), open_gauge_(open_gauge) {
  entries_.reserve(limit_ + 1);
}

void ConnectionTable::SetGaugeLocked() {
  if (open_gauge_ != nullptr) open_gauge_->Set(static_cast<double>(entries_.size()));
}

ConnectionTable::Admission ConnectionTable::Admit(uint64_t id,
                                                  std::weak_ptr<TrackedConnection> connection,
                                                  std::shared_ptr<TrackedConnection>* victim,
                                                  bool replace_only) {
  std::lock_guard<std::mutex> lock(mu_);
  Admission result = Admission::kAdmitted;
  if (entries_.size() >= limit_ || replace_only) {
    if (evictable_.empty()) return Admission::kRefused;
    result = Admission::kAdmittedByEviction;
    uint64_t oldest = evictable_.front();
    evictable_.pop_front();
    auto it = entries_.find(oldest);
    *victim = it->second.connection.lock();  // Null if it is being destroyed: fine, gone anyway.
    entries_.erase(it);
  }
  Entry e;
  e.connection = std::move(connection);
  entries_.emplace(id, std::move(e));
  SetGaugeLocked();
  return result;
}

bool ConnectionTable::SetEvictable(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  if (!it->second.evictable) {
    evictable_.push_back(id);
    it->second.in_evictable = std::prev(evictable_.end());
    it->second.evictable = true;
  }
  return true;
}

bool ConnectionTable::SetProtected(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  if (it->second.evictable) {
    evictable_.erase(it->second.in_evictable);
    it->second.evictable = false;
  }
  return true;
}

void ConnectionTable::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (it->second.evictable) evictable_.erase(it->second.in_evictable);
  entries_.erase(it);
  SetGaugeLocked();
  if (entries_.empty()) empty_cv_.notify_all();
}

size_t ConnectionTable::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

std::vector<std::shared_ptr<TrackedConnection>> ConnectionTable::Snapshot() const {
  std::vector<std::shared_ptr<TrackedConnection>> out;
  std::lock_guard<std::mutex> lock(mu_);
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) {
    if (auto c = e.connection.lock()) out.push_back(std::move(c));
  }
  return out;
}

bool ConnectionTable::WaitUntilEmpty(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return empty_cv_.wait_for(lock, timeout, [this] { return entries_.empty(); });
}

}  // namespace cg
