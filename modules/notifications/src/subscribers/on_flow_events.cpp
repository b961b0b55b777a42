#include "subscribers/on_flow_events.hpp"

#include "domain/notice.hpp"

#include <orders/events.hpp>
#include <payments/events.hpp>

#include <string>

namespace notifications::subscribers {
namespace {

template <class E>
void tell(eventbus::ModuleBus& bus, NotificationLog& log, std::string subscriber) {
  bus.subscribe<E>(std::move(subscriber), [&log](const E& event, eventbus::HandlerContext& ctx) {
    log.record(ctx.tx, notice_of(event, ctx.event.id), ctx.event);
  });
}

}  // namespace

void subscribe_on_flow_events(eventbus::ModuleBus& bus, NotificationLog& log) {
  tell<orders::events::OrderPlaced>(bus, log, "notifications.on_order_placed");
  tell<orders::events::OrderConfirmed>(bus, log, "notifications.on_order_confirmed");
  tell<orders::events::OrderCancelled>(bus, log, "notifications.on_order_cancelled");
  tell<orders::events::OrderShipped>(bus, log, "notifications.on_order_shipped");
  tell<payments::events::PaymentFailed>(bus, log, "notifications.on_payment_failed");
  tell<payments::events::PaymentRefunded>(bus, log, "notifications.on_payment_refunded");
}

}  // namespace notifications::subscribers
