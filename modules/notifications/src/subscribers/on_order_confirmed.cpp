#include "subscribers/record_notice.hpp"
#include "subscribers/subscribers.hpp"

#include <orders/events.hpp>

namespace notifications::subscribers {

void on_order_confirmed(eventbus::ModuleBus& bus, const Dependencies& deps) {
  bus.subscribe<orders::events::OrderConfirmed>(
      "notifications.on_order_confirmed", record_notice<orders::events::OrderConfirmed>(deps.log));
}

}  // namespace notifications::subscribers
