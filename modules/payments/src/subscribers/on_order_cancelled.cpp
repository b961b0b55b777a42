#include "subscribers/on_order_cancelled.hpp"

#include "subscribers/subscriber.hpp"

#include <orders/events.hpp>

namespace payments::subscribers {

void subscribe_on_order_cancelled(eventbus::ModuleBus& bus, Payments& payments) {
  bus.subscribe<orders::events::OrderCancelled>(
      kOrderFlowSubscriber,
      [&payments](const orders::events::OrderCancelled& event, eventbus::HandlerContext& ctx) {
        // Whatever the reason or the previous status: what counts is whether money was taken.
        payments.on_order_cancelled(ctx.tx, event.order_id);
      });
}

}  // namespace payments::subscribers
