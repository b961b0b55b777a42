#include "subscribers/record_notice.hpp"
#include "subscribers/subscribers.hpp"

#include <orders/events.hpp>

namespace notifications::subscribers {

void on_order_placed(eventbus::ModuleBus& bus, const Dependencies& deps) {
  // v2, and v1 upcast (no shipping address: the notice then does not say where it ships).
  bus.subscribe_versions<orders::events::OrderPlaced, orders::events::OrderPlacedV1>(
      "notifications.on_order_placed", record_notice<orders::events::OrderPlaced>(deps.log));
}

}  // namespace notifications::subscribers
