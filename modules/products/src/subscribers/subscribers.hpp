#pragma once
// Every event Products reacts to, one file each (on_<event>.cpp), and the list module.cpp
// registers in this order.

#include <eventbus/bus.hpp>

#include <array>

namespace products::subscribers {

// What the handlers need besides the bus: nothing yet (the catalogue is written through the
// handler's transaction).
struct Dependencies {};

// Keeps `in_stock` from inventory's stock levels.
void on_stock_level_changed(eventbus::ModuleBus& bus, const Dependencies& deps);

inline constexpr std::array kAll{&on_stock_level_changed};

}  // namespace products::subscribers
