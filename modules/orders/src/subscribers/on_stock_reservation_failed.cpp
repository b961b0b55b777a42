#include "subscribers/subscribers.hpp"
#include "usecases/flow.hpp"

#include <inventory/events.hpp>

namespace orders::subscribers {

void on_stock_reservation_failed(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<inventory::events::StockReservationFailed>(
      "orders.on_stock_reservation_failed",
      [&clock = bus.clock()](const inventory::events::StockReservationFailed& event,
                             eventbus::HandlerContext& ctx) {
        flow::reservation_failed(ctx.tx, clock, event.order_id);
      });
}

}  // namespace orders::subscribers
