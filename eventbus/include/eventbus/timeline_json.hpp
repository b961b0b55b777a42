#pragma once
// The JSON of one timeline event (GET /api/v1/orders/{id}/events and
// GET /api/v1/admin/events/timeline): the event with its data redacted (no card token, sealed or
// not), who handled it after which failed attempts, and which deliveries of it still wait (or
// gave up), each with its attempts.

#include "eventbus/bus_views.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <vector>

namespace eventbus {

boost::json::object timeline_event_json(const TimelineEntry& entry);
// Only {"id", "handled_by", "waiting"}: what one process's subscribers did with an event
// published in another process (GET /api/v1/admin/events/deliveries).
boost::json::object deliveries_json(const TimelineEntry& entry);

// [{"attempt", "at", "error"}, ...] oldest first.
boost::json::array attempts_json(const std::vector<FailedAttempt>& attempts);

}  // namespace eventbus
