#include "store/order_store.hpp"
#include "subscribers/subscribers.hpp"

#include <products/events.hpp>

namespace orders::subscribers {

void on_product_created(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<products::events::ProductCreated>(
      "orders.on_product_created",
      [](const products::events::ProductCreated& event, eventbus::HandlerContext& ctx) {
        store::upsert_product(ctx.tx.db(), event.product_id,
                              {event.name, event.price_cents, event.currency, false});
      });
}

}  // namespace orders::subscribers
