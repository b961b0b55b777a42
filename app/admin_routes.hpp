#pragma once
// /api/v1/admin: the event machinery's status and dead letters.

#include <eventbus/bus.hpp>

#include <functional>
#include <kernel/router.hpp>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

namespace mart {

// `mirror_lag(module)`: outbox events not yet acknowledged by Kafka (nullopt when Kafka is off).
void add_admin_routes(
    kernel::Router& router, eventbus::Bus& bus,
    std::function<std::optional<std::int64_t>(std::string_view module)> mirror_lag = {});
boost::json::object to_json(const eventbus::ParkedEvent& parked);
// The body of GET /api/v1/admin/events/deliveries?ids=a,b: {"events": [{"id", "handled_by",
// "waiting"}]} for the named events some subscriber here handled or waits on. Throws
// kernel::ApiError (400) for an empty list, over 100 ids or an id that cannot be one.
boost::json::object deliveries_answer(eventbus::Bus& bus, std::string_view ids);

}  // namespace mart
