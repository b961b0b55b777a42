#pragma once
// "notifications.deliver": the module's reaction to its own NotificationCreated, which hands the
// notification to the channel. Running it through the bus gives delivery the bus's retry with
// back-off and dead letters. Subscribed only for a channel that does not deliver in place.

#include "usecases/dispatcher.hpp"

#include <eventbus/bus.hpp>

namespace notifications::subscribers {

void subscribe_deliver(eventbus::ModuleBus& bus, Dispatcher& dispatcher,
                       eventbus::OutsideRetry retry);

}  // namespace notifications::subscribers
