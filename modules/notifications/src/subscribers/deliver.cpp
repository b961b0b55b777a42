#include "subscribers/deliver.hpp"

#include <notifications/events.hpp>

namespace notifications::subscribers {

void subscribe_deliver(eventbus::ModuleBus& bus, Dispatcher& dispatcher) {
  bus.subscribe<events::NotificationCreated>(
      "notifications.deliver",
      [&dispatcher](const events::NotificationCreated& event, eventbus::HandlerContext& ctx) {
        dispatcher.deliver(ctx.tx.db(), event.notification_id);
      },
      // A channel's call (a webhook POST) must not be made again because another notification
      // of the batch failed.
      eventbus::Reruns::forbidden);
}

}  // namespace notifications::subscribers
