#include "store/points_store.hpp"
#include "subscribers/subscribers.hpp"

#include <loyalty/events.hpp>
#include <orders/events.hpp>

namespace loyalty::subscribers {

// A confirmed order earns points once; the award and its event commit with the inbox row.
void on_order_confirmed(eventbus::ModuleBus& bus, const Dependencies& deps) {
  bus.subscribe<orders::events::OrderConfirmed>(
      "loyalty.on_order_confirmed",
      [per_unit = deps.options.points_per_unit](const orders::events::OrderConfirmed& event,
                                                eventbus::HandlerContext& ctx) {
        auto points = event.total_cents / 100 * per_unit;
        if (store::award(ctx.tx.db(), event.order_id, event.user_id, points)) {
          ctx.tx.publish(events::PointsAwarded{event.user_id, event.order_id, points});
        }
      });
}

}  // namespace loyalty::subscribers
