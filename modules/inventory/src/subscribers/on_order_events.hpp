#pragma once
// The order flow's events, each handed to the reservation state machine: OrderPlaced reserves,
// OrderConfirmed sells, OrderCancelled releases (or returns sold stock).

#include <eventbus/bus.hpp>

namespace inventory::subscribers {

void subscribe_on_order_placed(eventbus::ModuleBus& bus);
void subscribe_on_order_confirmed(eventbus::ModuleBus& bus);
void subscribe_on_order_cancelled(eventbus::ModuleBus& bus);

}  // namespace inventory::subscribers
