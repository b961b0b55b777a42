#include "store/order_store.hpp"
#include "subscribers/subscribers.hpp"

#include <products/events.hpp>

namespace orders::subscribers {

void on_product_deleted(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<products::events::ProductDeleted>(
      "orders.on_product_deleted",
      [](const products::events::ProductDeleted& event, eventbus::HandlerContext& ctx) {
        store::mark_product_deleted(ctx.tx.db(), event.product_id);
      });
}

}  // namespace orders::subscribers
