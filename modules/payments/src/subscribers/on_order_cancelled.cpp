#include "subscribers/on_order_cancelled.hpp"

#include "subscribers/subscriber.hpp"

#include <orders/events.hpp>

namespace payments::subscribers {

void subscribe_on_order_cancelled(eventbus::ModuleBus& bus, Payments& payments,
                                  eventbus::OutsideRetry retry) {
  bus.subscribe_outside<orders::events::OrderCancelled>(
      kOrderFlowSubscriber,
      [&payments](const orders::events::OrderCancelled& event, const eventbus::Envelope&,
                  kernel::Database& db) {
        // Whatever the reason or the previous status: what counts is whether money was taken.
        return payments.on_order_cancelled(event.order_id, db);
      },
      retry);
}

}  // namespace payments::subscribers
