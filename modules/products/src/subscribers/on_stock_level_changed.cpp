#include "subscribers/subscribers.hpp"
#include "usecases/catalog.hpp"

#include <inventory/events.hpp>

namespace products::subscribers {

void on_stock_level_changed(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<inventory::events::StockLevelChanged>(
      "products.on_stock_level_changed",
      [](const inventory::events::StockLevelChanged& event, eventbus::HandlerContext& ctx) {
        Catalog::apply_stock_level(ctx.tx.db(), event.product_id, event.available);
      });
}

}  // namespace products::subscribers
