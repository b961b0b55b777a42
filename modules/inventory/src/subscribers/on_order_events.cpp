#include "subscribers/on_order_events.hpp"

#include "usecases/reservations.hpp"

#include <orders/events.hpp>

// Each handler owns its Reservations (it holds only the bus's clock), so delivery never depends
// on the module object's lifetime.

namespace inventory::subscribers {

void subscribe_on_order_placed(eventbus::ModuleBus& bus) {
  bus.subscribe<orders::events::OrderPlaced>(
      "inventory.on_order_placed",
      [reservations = Reservations(bus.clock())](const orders::events::OrderPlaced& event,
                                                 eventbus::HandlerContext& ctx) {
        std::vector<Line> lines;
        lines.reserve(event.lines.size());
        for (const auto& line : event.lines) lines.push_back({line.product_id, line.quantity});
        reservations.place(ctx.tx, event.order_id, lines);
      });
}

void subscribe_on_order_confirmed(eventbus::ModuleBus& bus) {
  bus.subscribe<orders::events::OrderConfirmed>(
      "inventory.on_order_confirmed",
      [reservations = Reservations(bus.clock())](const orders::events::OrderConfirmed& event,
                                                 eventbus::HandlerContext& ctx) {
        reservations.confirm(ctx.tx, event.order_id);
      });
}

void subscribe_on_order_cancelled(eventbus::ModuleBus& bus) {
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
