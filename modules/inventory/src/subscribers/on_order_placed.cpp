#include "subscribers/subscribers.hpp"
#include "usecases/reservations.hpp"

#include <orders/events.hpp>

#include <vector>

namespace inventory::subscribers {

void on_order_placed(eventbus::ModuleBus& bus, const Dependencies&) {
  // v2, and v1 from builds (or a publisher pinned to v1) before it, upcast: a reservation needs
  // only the lines, which both carry.
  bus.subscribe_versions<orders::events::OrderPlaced, orders::events::OrderPlacedV1>(
      "inventory.on_order_placed",
      [reservations = Reservations(bus.clock())](const orders::events::OrderPlaced& event,
                                                 eventbus::HandlerContext& ctx) {
        std::vector<Line> lines;
        lines.reserve(event.lines.size());
        for (const auto& line : event.lines) lines.push_back({line.product_id, line.quantity});
        reservations.place(ctx.tx, event.order_id, lines);
      });
}

}  // namespace inventory::subscribers
