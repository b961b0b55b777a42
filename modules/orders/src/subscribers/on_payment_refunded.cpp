#include "subscribers/subscribers.hpp"
#include "usecases/flow.hpp"

#include <payments/events.hpp>

namespace orders::subscribers {

void on_payment_refunded(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<payments::events::PaymentRefunded>(
      "orders.on_payment_refunded",
      [&clock = bus.clock()](const payments::events::PaymentRefunded& event,
                             eventbus::HandlerContext& ctx) {
        flow::payment_refunded(ctx.tx, clock, event.order_id);
      });
}

}  // namespace orders::subscribers
