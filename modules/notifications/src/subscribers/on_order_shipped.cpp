#include "subscribers/record_notice.hpp"
#include "subscribers/subscribers.hpp"

#include <orders/events.hpp>

namespace notifications::subscribers {

void on_order_shipped(eventbus::ModuleBus& bus, const Dependencies& deps) {
  bus.subscribe<orders::events::OrderShipped>(
      "notifications.on_order_shipped", record_notice<orders::events::OrderShipped>(deps.log));
}

}  // namespace notifications::subscribers
