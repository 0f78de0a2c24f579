#include "daemon/http/metrics_page.h"

#include <prometheus/text_serializer.h>

namespace cg {

std::shared_ptr<const std::string> MetricsPage::RenderNow() const {
  prometheus::TextSerializer serializer;
  return std::make_shared<const std::string>(serializer.Serialize(registry_->Collect()));
}

std::shared_ptr<const std::string> MetricsPage::Render() {
  if (max_age_.count() <= 0) return RenderNow();
  // Holding the lock while rendering is the single flight: late arrivals wait for the render in
  // progress and then find it fresh.
  std::lock_guard<std::mutex> lock(mu_);
  MonoTime now = clock_->MonoNow();
  if (cached_ == nullptr || now - rendered_at_ >= max_age_) {
    cached_ = RenderNow();
    rendered_at_ = clock_->MonoNow();
  }
  return cached_;
}

}  // namespace cg
