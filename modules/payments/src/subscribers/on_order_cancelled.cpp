#include "subscribers/order_flow_subscriber.hpp"
#include "subscribers/subscribers.hpp"

#include <orders/events.hpp>

namespace payments::subscribers {

void on_order_cancelled(eventbus::ModuleBus& bus, const Dependencies& deps) {
  bus.subscribe_outside<orders::events::OrderCancelled>(
      kOrderFlowSubscriber,
      [&payments = deps.payments](const orders::events::OrderCancelled& event,
                                  const eventbus::Envelope&, kernel::Database& db) {
        // Whatever the reason or the previous status: what counts is whether money was taken.
        return payments.on_order_cancelled(event.order_id, db);
      },
      deps.retry);
}

}  // namespace payments::subscribers
