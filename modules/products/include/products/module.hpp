#pragma once
// The Products module's entry point: the application hosts it through this factory only.

#include <eventbus/bus.hpp>
#include <kernel/module.hpp>

#include <memory>

namespace products {

// Subscribes on `bus` (inventory events, for in_stock) and serves /api/v1/products.
std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus);

}  // namespace products
