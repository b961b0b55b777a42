#include "subscribers/record_notice.hpp"
#include "subscribers/subscribers.hpp"

#include <orders/events.hpp>

namespace notifications::subscribers {

void on_order_placed(eventbus::ModuleBus& bus, const Dependencies& deps) {
  bus.subscribe<orders::events::OrderPlaced>("notifications.on_order_placed",
                                             record_notice<orders::events::OrderPlaced>(deps.log));
}

}  // namespace notifications::subscribers
