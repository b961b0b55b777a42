#pragma once
// Every event Orders reacts to: products (its catalogue copy), inventory and payments (the flow).

#include <eventbus/bus.hpp>

namespace orders::subscribers {

void subscribe_catalog(eventbus::ModuleBus& bus);
void subscribe_flow(eventbus::ModuleBus& bus);

}  // namespace orders::subscribers
