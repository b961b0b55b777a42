#include "subscribers/subscribers.hpp"
#include "usecases/stock_ledger.hpp"

#include <products/events.hpp>

#include <kernel/time.hpp>

namespace inventory::subscribers {

void on_product_created(eventbus::ModuleBus& bus, const Dependencies&) {
  bus.subscribe<products::events::ProductCreated>(
      "inventory.on_product_created",
      [&bus](const products::events::ProductCreated& event, eventbus::HandlerContext& ctx) {
        StockLedger::open_stock(ctx.tx.db(), event.product_id,
                                kernel::format_rfc3339(bus.clock().now()));
      });
}

}  // namespace inventory::subscribers
