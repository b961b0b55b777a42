#pragma once
// One notification per order and payment event that matters to a user: order placed, confirmed,
// cancelled, shipped; payment failed, refunded.

#include "usecases/notification_log.hpp"

#include <eventbus/bus.hpp>

namespace notifications::subscribers {

void subscribe_on_flow_events(eventbus::ModuleBus& bus, NotificationLog& log);

}  // namespace notifications::subscribers
