#pragma once
// Keeps `in_stock` from inventory's stock levels.

#include <eventbus/bus.hpp>

namespace products::subscribers {

void subscribe_on_stock_level_changed(eventbus::ModuleBus& bus);

}  // namespace products::subscribers
