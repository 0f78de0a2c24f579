// The notifier's metrics, one label set per receiver ("alertmanager", "webhook:<name>"):
//
//   cutover_guard_notifications_total{receiver,result}   result = sent | failed | rejected
//       sent: alerts/events delivered (Alertmanager re-sends included); failed: delivery attempts
//       that will be retried, per alert/event; rejected: refused by the receiver as invalid
//       (400/413/422) and dropped.
//   cutover_guard_notification_queue_length{receiver}    items waiting in the spool
//   cutover_guard_notification_spool_bytes{receiver}     encoded size of those items
//   cutover_guard_notification_spool_dropped_total{receiver}
//       items lost: pushed out of a full spool, or unreadable when the spool was loaded
//   cutover_guard_notification_spool_write_errors_total{receiver}
//   cutover_guard_notification_last_success_timestamp_seconds{receiver}
//
// Thread-safe (prometheus-cpp metrics are atomic); the registry must outlive the handles.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

namespace cg {

struct ReceiverMetrics {
  prometheus::Counter* sent = nullptr;
  prometheus::Counter* failed = nullptr;
  prometheus::Counter* rejected = nullptr;
  prometheus::Gauge* queue_length = nullptr;
  prometheus::Gauge* spool_bytes = nullptr;
  prometheus::Counter* spool_dropped = nullptr;
  prometheus::Counter* spool_write_errors = nullptr;
  prometheus::Gauge* last_success = nullptr;
};

// Registers the families (once per registry; prometheus-cpp merges repeats) and returns the
// handles for `receiver`, all created so a scrape shows zeros before the first notification.
// Throws what prometheus-cpp throws on a conflicting registration.
ReceiverMetrics RegisterReceiverMetrics(prometheus::Registry& registry,
                                        const std::string& receiver);

}  // namespace cg
