#include "daemon/notify/notify_metrics.h"

namespace cg {

ReceiverMetrics RegisterReceiverMetrics(prometheus::Registry& registry,
                                        const std::string& receiver) {
  auto& notifications = prometheus::BuildCounter()
                            .Name("cutover_guard_notifications_total")
                            .Help("Alerts and events per receiver, by delivery result.")
                            .Register(registry);
  auto& queue = prometheus::BuildGauge()
                    .Name("cutover_guard_notification_queue_length")
                    .Help("Notifications waiting in the receiver's spool.")
                    .Register(registry);
  auto& bytes = prometheus::BuildGauge()
                    .Name("cutover_guard_notification_spool_bytes")
                    .Help("Encoded size of the receiver's spool.")
                    .Register(registry);
  auto& dropped = prometheus::BuildCounter()
                      .Name("cutover_guard_notification_spool_dropped_total")
                      .Help("Notifications lost: pushed out of a full spool or unreadable on load.")
                      .Register(registry);
  auto& write_errors = prometheus::BuildCounter()
                           .Name("cutover_guard_notification_spool_write_errors_total")
                           .Help("Failed writes of the receiver's spool file.")
                           .Register(registry);
  auto& last_success = prometheus::BuildGauge()
                           .Name("cutover_guard_notification_last_success_timestamp_seconds")
                           .Help("Time of the receiver's last successful delivery.")
                           .Register(registry);
  ReceiverMetrics m;
  m.sent = &notifications.Add({{"receiver", receiver}, {"result", "sent"}});
  m.failed = &notifications.Add({{"receiver", receiver}, {"result", "failed"}});
  m.rejected = &notifications.Add({{"receiver", receiver}, {"result", "rejected"}});
  m.queue_length = &queue.Add({{"receiver", receiver}});
  m.spool_bytes = &bytes.Add({{"receiver", receiver}});
  m.spool_dropped = &dropped.Add({{"receiver", receiver}});
  m.spool_write_errors = &write_errors.Add({{"receiver", receiver}});
  m.last_success = &last_success.Add({{"receiver", receiver}});
  return m;
}

}  // namespace cg
