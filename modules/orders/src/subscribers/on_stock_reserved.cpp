#include "subscribers/subscribers.hpp"
#include "usecases/flow.hpp"

#include <inventory/events.hpp>

namespace orders::subscribers {

void on_stock_reserved(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<inventory::events::StockReserved>(
      "orders.on_stock_reserved",
      [&clock = bus.clock()](const inventory::events::StockReserved& event,
                             eventbus::HandlerContext& ctx) {
        flow::stock_reserved(ctx.tx, clock, event.order_id);
      });
}

}  // namespace orders::subscribers
