#pragma once
// Every event Notifications reacts to, one file each (on_<event>.cpp), and the list module.cpp
// registers in this order: users' events keep the contacts; order and payment events that
// matter to a user each record one notification.

#include "usecases/dispatcher.hpp"
#include "usecases/notification_log.hpp"

#include <eventbus/bus.hpp>

#include <array>

namespace notifications::subscribers {

// What the handlers need besides the bus.
struct Dependencies {
  NotificationLog& log;
  Dispatcher& dispatcher;
  eventbus::OutsideRetry delivery_retry;  // for the channel's calls
};

void on_user_registered(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_user_updated(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_order_placed(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_order_confirmed(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_order_cancelled(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_order_shipped(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_payment_failed(eventbus::ModuleBus& bus, const Dependencies& deps);
void on_payment_refunded(eventbus::ModuleBus& bus, const Dependencies& deps);

inline constexpr std::array kAll{&on_user_registered, &on_user_updated,    &on_order_placed,
                                 &on_order_confirmed, &on_order_cancelled, &on_order_shipped,
                                 &on_payment_failed,  &on_payment_refunded};

// Not in kAll: the module's reaction to its own NotificationCreated, which hands the
// notification to the channel. Running it through the bus gives delivery the bus's retry with
// back-off and dead letters. module.cpp subscribes it only for a channel that does not deliver
// in place.
void on_notification_created(eventbus::ModuleBus& bus, const Dependencies& deps);
inline constexpr const char* kDeliverSubscriber = "notifications.deliver";

}  // namespace notifications::subscribers
