// LazyThreadPool: a boost::asio::thread_pool whose threads start with the first task posted to
// it. The HTTP server's write routes (ack, cutover, reload) run on one; a daemon nobody writes
// to never starts its threads (each costs a stack and, once it allocates, a malloc arena).
//
// Thread-safety: Post and Join may be called from any thread. No Post after Join.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>

namespace cg {

class LazyThreadPool {
 public:
  explicit LazyThreadPool(size_t threads) : threads_(threads) {}
  LazyThreadPool(const LazyThreadPool&) = delete;
  LazyThreadPool& operator=(const LazyThreadPool&) = delete;
  ~LazyThreadPool() { Join(); }

  // Throws std::system_error when the threads cannot be started (the caller answers 503).
  template <typename Fn>
  void Post(Fn&& fn) {
    boost::asio::post(Get(), std::forward<Fn>(fn));
  }
  // Waits for the posted tasks and stops the threads, if they were started. Not under mu_: a
  // task may still Post.
  void Join() {
    boost::asio::thread_pool* pool = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (pool_) pool = &*pool_;
    }
    if (pool) pool->join();
  }
  bool started() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pool_.has_value();
  }

 private:
  boost::asio::thread_pool& Get() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool_) pool_.emplace(threads_);
    return *pool_;
  }

  const size_t threads_;
  mutable std::mutex mu_;
  std::optional<boost::asio::thread_pool> pool_;
};

}  // namespace cg
