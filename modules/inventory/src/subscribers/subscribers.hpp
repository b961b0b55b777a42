#pragma once
// Every event Inventory reacts to, one file each (on_<event>.cpp), and the list module.cpp
// registers in this order.

#include <eventbus/bus.hpp>

#include <array>

namespace inventory::subscribers {

// What the handlers need besides the bus: nothing. Each handler owns its Reservations (which
// holds only the bus's clock), so delivery never depends on the module object's lifetime.
struct Dependencies {};

// Opens a zero stock record for every new product.
void on_product_created(eventbus::ModuleBus& bus, const Dependencies& deps);
// The order flow's events, each handed to the reservation state machine: OrderPlaced reserves,
// OrderConfirmed sells, OrderCancelled releases (or returns sold stock).
void on_order_placed(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_order_confirmed(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_order_cancelled(eventbus::ModuleBus& bus, const Dependencies& deps);

inline constexpr std::array kAll{&on_product_created, &on_order_placed, &on_order_confirmed,
                                 &on_order_cancelled};

}  // namespace inventory::subscribers
