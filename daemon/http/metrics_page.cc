#include "daemon/http/metrics_page.h"

#include <prometheus/text_serializer.h>

namespace cg {

std::shared_ptr<const std::string> MetricsPage::RenderNow() const {
  prometheus::TextSerializer serializer;
  return std::make_shared<const std::string>(serializer.Serialize(registry_->Collect()));
}

std::shared_ptr<const std::string> MetricsPage::Render() {
  if (max_age_.count() <= 0) return RenderNow();
  {
    std::lock_guard<std::mutex> lock(mu_);
    bool fresh = cached_ != nullptr && clock_->MonoNow() - rendered_at_ < max_age_;
    // While one request re-renders, the others keep serving the previous page instead of
    // queueing behind it: under CPU contention a descheduled renderer would otherwise stall
    // every worker at once.
    if (fresh || (cached_ != nullptr && rendering_)) return cached_;
    rendering_ = true;
  }
  std::shared_ptr<const std::string> page;
  try {
    page = RenderNow();
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    rendering_ = false;
    throw;
  }
  std::lock_guard<std::mutex> lock(mu_);
  cached_ = page;
  rendered_at_ = clock_->MonoNow();
  rendering_ = false;
  return page;
}

}  // namespace cg
