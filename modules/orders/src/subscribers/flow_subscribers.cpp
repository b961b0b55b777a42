#include "subscribers/subscriptions.hpp"
#include "usecases/flow.hpp"

#include <inventory/events.hpp>
#include <payments/events.hpp>

namespace orders::subscribers {

void subscribe_flow(eventbus::ModuleBus& bus) {
  const auto& clock = bus.clock();
  bus.subscribe<inventory::events::StockReserved>(
      "orders.on_stock_reserved",
      [&clock](const inventory::events::StockReserved& e, eventbus::HandlerContext& ctx) {
        flow::stock_reserved(ctx.tx, clock, e.order_id);
      });
  bus.subscribe<inventory::events::StockReservationFailed>(
      "orders.on_stock_reservation_failed",
      [&clock](const inventory::events::StockReservationFailed& e, eventbus::HandlerContext& ctx) {
        flow::reservation_failed(ctx.tx, clock, e.order_id);
      });
  bus.subscribe<payments::events::PaymentSucceeded>(
      "orders.on_payment_succeeded",
      [&clock](const payments::events::PaymentSucceeded& e, eventbus::HandlerContext& ctx) {
        flow::payment_succeeded(ctx.tx, clock, e.order_id, e.amount_cents);
      });
  bus.subscribe<payments::events::PaymentFailed>(
      "orders.on_payment_failed",
      [&clock](const payments::events::PaymentFailed& e, eventbus::HandlerContext& ctx) {
        flow::payment_failed(ctx.tx, clock, e.order_id);
      });
  bus.subscribe<payments::events::PaymentRefunded>(
      "orders.on_payment_refunded",
      [&clock](const payments::events::PaymentRefunded& e, eventbus::HandlerContext& ctx) {
        flow::payment_refunded(ctx.tx, clock, e.order_id);
      });
}

}  // namespace orders::subscribers
