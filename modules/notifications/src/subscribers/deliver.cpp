#include "subscribers/deliver.hpp"

#include <notifications/events.hpp>

namespace notifications::subscribers {

void subscribe_deliver(eventbus::ModuleBus& bus, Dispatcher& dispatcher,
                       eventbus::OutsideRetry retry) {
  // The channel's call (a webhook POST) runs with no transaction open and no write lock held, so
  // a hung receiver delays only deliveries; a repeat after a crash is tolerated by receivers.
  bus.subscribe_outside<events::NotificationCreated>(
      "notifications.deliver",
      [&dispatcher](const events::NotificationCreated& event, const eventbus::Envelope&,
                    kernel::Database& db) {
        return dispatcher.deliver_outside(event.notification_id, db);
      },
      retry);
}

}  // namespace notifications::subscribers
