#pragma once
// Loyalty's HTTP routes (docs/extending.md, step 4: a route).

#include <eventbus/bus.hpp>
#include <kernel/router.hpp>

namespace loyalty::http {

void add_routes(kernel::Router& router, eventbus::ModuleBus& bus);

}  // namespace loyalty::http
