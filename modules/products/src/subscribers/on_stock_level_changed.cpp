#include "subscribers/subscribers.hpp"
#include "usecases/catalog.hpp"

#include <inventory/events.hpp>
#include <kernel/log.hpp>

namespace products::subscribers {

void on_stock_level_changed(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<inventory::events::StockLevelChanged>(
      "products.on_stock_level_changed",
      [](const inventory::events::StockLevelChanged& event, eventbus::HandlerContext& ctx) {
        Catalog::apply_stock_level(ctx.tx.db(), event.product_id, event.available);
        // Inventory tells only when a product goes out of stock or comes back: the catalogue
        // follows, in the trace of the order (or adjustment) that moved it.
        kernel::log::decision("products",
                              "product " + std::to_string(event.product_id) +
                                  (event.available > 0 ? " back in stock (" : " out of stock (") +
                                  std::to_string(event.available) + " available)",
                              ctx.event.correlation_id,
                              {{"product_id", boost::json::value(event.product_id)}});
      });
}

}  // namespace products::subscribers
