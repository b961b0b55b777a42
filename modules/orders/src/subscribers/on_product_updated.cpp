#include "store/order_store.hpp"
#include "subscribers/subscribers.hpp"

#include <products/events.hpp>

namespace orders::subscribers {

void on_product_updated(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<products::events::ProductUpdated>(
      "orders.on_product_updated",
      [](const products::events::ProductUpdated& event, eventbus::HandlerContext& ctx) {
        store::upsert_product(ctx.tx.db(), event.product_id,
                              {event.name, event.price_cents, event.currency, false});
      });
}

}  // namespace orders::subscribers
