// The bound on open HTTP connections, and which connection gives way when it is reached.
//
// Every admitted connection holds one slot until it is removed. A connection is *evictable*
// while it is known to have no complete request: it was looked at and had sent nothing, or only
// part of a request head (trickling), or it is idle between keep-alive requests, or draining
// input before a close. Otherwise it is *protected*: just admitted and not looked at yet, bytes
// of a request waiting to be parsed, or a request whose head is in being read (body), handled or
// answered.
//
// At the limit, a new connection takes the slot of the connection that has been evictable
// longest (that one is evicted: the caller closes it), and is refused only when none is
// evictable. So slow or idle clients can hold every slot only until someone else connects: an
// operator's /healthz probe or Prometheus scrape, which sends its whole request at once, is
// protected from accept until its answer and gets in while 1,000 slow-header clients hammer the
// port; a request is never cut once its head is in. A protected connection is itself bounded in
// time (head, body, handler and write deadlines).
//
// Thread-safe (one mutex, held for O(1) work or, in Snapshot(), one pass over the table).
// Entries hold weak references: the table never keeps a connection alive.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace prometheus {
class Gauge;
}

namespace cg {

// What the table and the server's Stop() need of a connection. Implemented by connection.cc.
class TrackedConnection {
 public:
  virtual ~TrackedConnection() = default;
  // The table gave this connection's slot away: close it soon, on its own executor.
  // Thread-safe; called with no lock held.
  virtual void Evict() = 0;
  // The server is stopping: close now if no request is in progress, else after its response.
  // Thread-safe.
  virtual void Shutdown() = 0;
  // Closes the socket at once. Only when no I/O thread runs any more (end of Stop()).
  virtual void CloseNow() = 0;
};

class ConnectionTable {
 public:
  // `limit` >= 1. `open_gauge` (optional, not owned, must outlive the table) follows open().
  ConnectionTable(size_t limit, prometheus::Gauge* open_gauge);

  enum class Admission { kAdmitted, kAdmittedByEviction, kRefused };
  // Admits connection `id` as protected, or refuses it (no slot evictable). When the table is
  // full and some connection is evictable, that one (evictable longest) is evicted: it no
  // longer counts and is returned in `*victim` (null if it is being destroyed) for the caller
  // to Evict(). With `replace_only` the connection is admitted only in place of an evictable
  // one, whatever the count (its descriptor is above the ceiling: the HTTP side may not grow).
  Admission Admit(uint64_t id, std::weak_ptr<TrackedConnection> connection,
                  std::shared_ptr<TrackedConnection>* victim, bool replace_only = false);

  // The connection has no complete request (see above); a no-op when already evictable. False
  // when it was evicted meanwhile: close it.
  bool SetEvictable(uint64_t id);
  // The connection has request bytes to parse or a complete head. False when it was evicted
  // meanwhile: close it without serving the request.
  bool SetProtected(uint64_t id);
  // The connection is closed; its slot is free. Idempotent; evicted ids are no-ops.
  void Remove(uint64_t id);

  size_t open() const;
  size_t limit() const { return limit_; }
  // Every connection still admitted (for shutdown).
  std::vector<std::shared_ptr<TrackedConnection>> Snapshot() const;
  // Blocks until open() == 0 or `timeout` passes. True when empty.
  bool WaitUntilEmpty(std::chrono::milliseconds timeout) const;

 private:
  struct Entry {
    std::weak_ptr<TrackedConnection> connection;
    bool evictable = false;
    std::list<uint64_t>::iterator in_evictable;  // Valid while `evictable`.
  };
  void SetGaugeLocked();

  const size_t limit_;
  prometheus::Gauge* const open_gauge_;
  mutable std::mutex mu_;
  mutable std::condition_variable empty_cv_;
  std::unordered_map<uint64_t, Entry> entries_;  // Admitted, not evicted, not removed.
  std::list<uint64_t> evictable_;                // Evictable longest first.
};

}  // namespace cg
