#include "subscribers/subscribers.hpp"
#include "usecases/flow.hpp"

#include <payments/events.hpp>

namespace orders::subscribers {

void on_payment_failed(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<payments::events::PaymentFailed>(
      "orders.on_payment_failed",
      [&clock = bus.clock()](const payments::events::PaymentFailed& event,
                             eventbus::HandlerContext& ctx) {
        flow::payment_failed(ctx.tx, clock, event.order_id);
      });
}

}  // namespace orders::subscribers
