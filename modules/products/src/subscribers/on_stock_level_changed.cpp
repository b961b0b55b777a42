#include "subscribers/on_stock_level_changed.hpp"

#include "usecases/catalog.hpp"

#include <inventory/events.hpp>

namespace products::subscribers {

void subscribe_on_stock_level_changed(eventbus::ModuleBus& bus) {
  bus.subscribe<inventory::events::StockLevelChanged>(
      "products.on_stock_level_changed",
      [](const inventory::events::StockLevelChanged& event, eventbus::HandlerContext& ctx) {
        Catalog::apply_stock_level(ctx.tx.db(), event.product_id, event.available);
      });
}

}  // namespace products::subscribers
