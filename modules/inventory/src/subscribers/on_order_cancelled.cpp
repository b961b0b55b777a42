#include "subscribers/subscribers.hpp"
#include "usecases/reservations.hpp"

#include <orders/events.hpp>

namespace inventory::subscribers {

void on_order_cancelled(eventbus::ModuleBus& bus, const Dependencies&) {
  // previous_status is not needed: the reservation's own state says what to undo, which also
  // holds when events arrive late or out of order.
  bus.subscribe<orders::events::OrderCancelled>(
      "inventory.on_order_cancelled",
      [reservations = Reservations(bus.clock())](const orders::events::OrderCancelled& event,
                                                 eventbus::HandlerContext& ctx) {
        reservations.cancel(ctx.tx, event.order_id);
      });
}

}  // namespace inventory::subscribers
