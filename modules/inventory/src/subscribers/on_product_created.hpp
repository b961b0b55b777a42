#pragma once
// Opens a zero stock record for every new product.

#include <eventbus/bus.hpp>

namespace inventory::subscribers {

void subscribe_on_product_created(eventbus::ModuleBus& bus);

}  // namespace inventory::subscribers
