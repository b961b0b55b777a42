#include "subscribers/subscribers.hpp"
#include "usecases/flow.hpp"

#include <payments/events.hpp>

namespace orders::subscribers {

void on_payment_succeeded(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<payments::events::PaymentSucceeded>(
      "orders.on_payment_succeeded",
      [&clock = bus.clock()](const payments::events::PaymentSucceeded& event,
                             eventbus::HandlerContext& ctx) {
        flow::payment_succeeded(ctx.tx, clock, event.order_id, event.amount_cents);
      });
}

}  // namespace orders::subscribers
