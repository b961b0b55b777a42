#pragma once
// The Inventory module's entry point: the application hosts it through this factory only.

#include <eventbus/bus.hpp>
#include <kernel/module.hpp>

#include <memory>

namespace inventory {

// Subscribes on `bus` (products.product_created.v1 opens a product's stock; orders.order_placed,
// order_confirmed and order_cancelled drive its reservations) and serves /api/v1/inventory.
std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus);

}  // namespace inventory
