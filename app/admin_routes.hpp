#pragma once
// /api/v1/admin: the event machinery's status and dead letters.

#include <eventbus/bus.hpp>
#include <kernel/router.hpp>

#include <boost/json/object.hpp>

namespace mart {

void add_admin_routes(kernel::Router& router, eventbus::Bus& bus);
boost::json::object to_json(const eventbus::ParkedEvent& parked);

}  // namespace mart
