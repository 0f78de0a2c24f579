// Renders a prometheus-cpp registry in the text exposition format 0.0.4 for GET /metrics.
//
// Rendering (Collect + TextSerializer) allocates per series and dominates the cost of a scrape.
// With `max_age` > 0 a rendered page is reused for that long (measured on `clock`'s monotonic
// time); when it is stale one request renders a new one while concurrent requests keep getting
// the previous page (so a page can be max_age plus one render old). 0 renders every request.
// Thread-safe; the registry and the clock must outlive the object.
#pragma once

#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"

namespace cg {

class MetricsPage {
 public:
  MetricsPage(const prometheus::Registry* registry, const Clock* clock,
              std::chrono::milliseconds max_age)
      : registry_(registry), clock_(clock), max_age_(max_age) {}

  // The current page. Never null.
  std::shared_ptr<const std::string> Render();

 private:
  std::shared_ptr<const std::string> RenderNow() const;

  const prometheus::Registry* registry_;  // Not owned.
  const Clock* clock_;                    // Not owned.
  std::chrono::milliseconds max_age_;
  std::mutex mu_;  // Guards the three fields below (never held while rendering).
  std::shared_ptr<const std::string> cached_;
  MonoTime rendered_at_{};
  bool rendering_ = false;
};

}  // namespace cg
