#include "subscribers/on_payment_requested.hpp"

#include "subscribers/subscriber.hpp"

#include <orders/events.hpp>

namespace payments::subscribers {

void subscribe_on_payment_requested(eventbus::ModuleBus& bus, Payments& payments) {
  bus.subscribe<orders::events::PaymentRequested>(
      kOrderFlowSubscriber,
      [&payments](const orders::events::PaymentRequested& event, eventbus::HandlerContext& ctx) {
        payments.charge_order(ctx.tx, {event.order_id, event.user_id, event.amount_cents,
                                       event.currency, event.payment_token});
      });
}

}  // namespace payments::subscribers
