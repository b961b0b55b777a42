#include "store/order_store.hpp"
#include "subscribers/subscriptions.hpp"

#include <products/events.hpp>

namespace orders::subscribers {

void subscribe_catalog(eventbus::ModuleBus& bus) {
  bus.subscribe<
      products::events::
          ProductCreated>("orders.on_product_created", [](const products::events::ProductCreated& e,
                                                          eventbus::HandlerContext& ctx) {
    store::upsert_product(ctx.tx.db(), e.product_id, {e.name, e.price_cents, e.currency, false});
  });
  bus.subscribe<
      products::events::
          ProductUpdated>("orders.on_product_updated", [](const products::events::ProductUpdated& e,
                                                          eventbus::HandlerContext& ctx) {
    store::upsert_product(ctx.tx.db(), e.product_id, {e.name, e.price_cents, e.currency, false});
  });
  bus.subscribe<products::events::ProductDeleted>(
      "orders.on_product_deleted",
      [](const products::events::ProductDeleted& e, eventbus::HandlerContext& ctx) {
        store::mark_product_deleted(ctx.tx.db(), e.product_id);
      });
}

}  // namespace orders::subscribers
