#include "subscribers/subscribers.hpp"
#include "usecases/reservations.hpp"

#include <orders/events.hpp>

namespace inventory::subscribers {

void on_order_confirmed(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<orders::events::OrderConfirmed>(
      "inventory.on_order_confirmed",
      [reservations = Reservations(bus.clock())](const orders::events::OrderConfirmed& event,
                                                 eventbus::HandlerContext& ctx) {
        reservations.confirm(ctx.tx, event.order_id);
      });
}

}  // namespace inventory::subscribers
