#include "subscribers/subscribers.hpp"

#include <notifications/events.hpp>

namespace notifications::subscribers {

void on_notification_created(eventbus::ModuleBus& bus, const Dependencies& deps) {
  // The channel's call (a webhook POST) runs with no transaction open and no write lock held, so
  // a hung receiver delays only deliveries; a repeat after a crash is tolerated by receivers.
  bus.subscribe_outside<events::NotificationCreated>(
      kDeliverSubscriber,
      [&dispatcher = deps.dispatcher](const events::NotificationCreated& event,
                                      const eventbus::Envelope&, kernel::Database& db) {
        return dispatcher.deliver_outside(event.notification_id, db);
      },
      deps.delivery_retry);
}

}  // namespace notifications::subscribers
