#include "subscribers/record_notice.hpp"
#include "subscribers/subscribers.hpp"

#include <orders/events.hpp>

namespace notifications::subscribers {

void on_order_cancelled(eventbus::ModuleBus& bus, const Dependencies& deps) {
  bus.subscribe<orders::events::OrderCancelled>(
      "notifications.on_order_cancelled", record_notice<orders::events::OrderCancelled>(deps.log));
}

}  // namespace notifications::subscribers
